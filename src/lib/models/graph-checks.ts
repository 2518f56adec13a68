/**
 * Load-time checks of a model's configuration against its ONNX graph (read by ./onnx-proto.ts before a
 * session opens), so that a stated value the graph contradicts is refused or corrected with a message,
 * never turned into a silent wrong number or a runtime error on every score:
 *   - the context: a position table (GPT-2's `wpe`, the cos / sin caches its rotary operators read) shorter than the stated context
 *     caps the windows at the table's size, with a note;
 *   - the vocabulary: logits whose size disagrees with `vocab_size` are refused;
 *   - the kind of model: an encoder-decoder (seq2seq) or encoder-only model, or one without logits, is
 *     refused in plain words.
 * And a runtime's failure to open a graph is turned into one line, its own text kept as details.
 */
import type { ModelConfig } from './model-config';
import { graphContextLimit, type OnnxScan } from './onnx-proto';

/**
 * Where a message's details begin: everything after it is the runtime's own text, which the page folds
 * away under "details" (ErrorBox.svelte). A plain string, so it survives the worker's messages.
 */
export const DETAILS_MARKER = '\n\nDetails from the runtime: ';

/** A message's line for the user and its details (empty when it has none). */
export function splitDetails(message: string): { line: string; details: string } {
  const at = message.indexOf(DETAILS_MARKER);
  return at < 0 ? { line: message, details: '' } : { line: message.slice(0, at), details: message.slice(at + DETAILS_MARKER.length) };
}

/** An error with a one-line message for the user and the runtime's own text after DETAILS_MARKER. */
export class ModelLoadError extends Error {
  constructor(
    line: string,
    readonly details: string,
  ) {
    super(details ? `${line}${DETAILS_MARKER}${details}` : line);
    this.name = 'ModelLoadError';
  }
}

/** model_type values of encoder-only and encoder-decoder families (Hugging Face names). */
const ENCODERS = new Set(['bert', 'roberta', 'distilbert', 'albert', 'electra', 'deberta', 'deberta-v2', 'xlm-roberta', 'camembert', 'mpnet', 'modernbert']);
const SEQ2SEQ = new Set(['t5', 'mt5', 'bart', 'mbart', 'marian', 'pegasus', 'whisper', 'm2m_100', 'nllb-moe', 'led', 'flan-t5', 'encoder-decoder']);
const SEQ2SEQ_INPUTS = /^(encoder_hidden_states|encoder_outputs|decoder_input_ids|encoder_attention_mask|input_features)$/;

const CAUSAL = 'the playground scores causal language models (GPT-2, Llama, Qwen, SmolLM and the like)';

/**
 * Check `config` against the graph: returns the config to use (context capped) and notes for the user;
 * throws with a one-line message for a model the playground cannot score.
 * @example const { config, notes } = checkGraph(scanOnnx(bytes), config, 'config.json', 'onnx/model.onnx');
 */
export function checkGraph(
  scan: Pick<OnnxScan, 'initializers' | 'inputs' | 'outputs'> & Partial<Pick<OnnxScan, 'positionCaches'>>,
  config: ModelConfig,
  configFile: string,
  onnx: string,
): { config: ModelConfig; notes: string[] } {
  const inputs = scan.inputs.map((i) => i.name);
  const outputs = scan.outputs.map((o) => o.name);
  const seq2seqType = config.model_type && SEQ2SEQ.has(config.model_type) ? config.model_type : null;
  if (seq2seqType || inputs.some((n) => SEQ2SEQ_INPUTS.test(n))) {
    throw new Error(`${onnx} is part of an encoder-decoder (seq2seq) model${seq2seqType ? ` (${seq2seqType})` : ''}: ${CAUSAL}`);
  }
  if (config.model_type && ENCODERS.has(config.model_type)) {
    throw new Error(`${onnx} is an encoder-only model (${config.model_type}), which predicts masked words, not the next one: ${CAUSAL}`);
  }
  const logits = scan.outputs.find((o) => o.name === 'logits') ?? (scan.outputs.length === 1 ? scan.outputs[0] : null);
  if (!logits) {
    throw new Error(
      `${onnx} has no logits output (its outputs: ${outputs.join(', ') || 'none'}): it is a base model without a language-model head, or not a language model; ${CAUSAL}`,
    );
  }
  const vocab = logits.dims?.[logits.dims.length - 1];
  if (typeof vocab === 'number' && vocab > 0 && vocab !== config.vocab_size) {
    throw new Error(`${configFile} says vocab_size ${config.vocab_size}, but ${onnx} returns ${vocab} logits per token: the files do not belong together`);
  }
  const notes: string[] = [];
  const limit = graphContextLimit(scan);
  if (limit !== null && limit >= 2 && limit < config.n_ctx) {
    notes.push(
      `${configFile} states a context of ${config.n_ctx} tokens, but the model's position table holds ${limit}: ` +
        `windows of ${limit} tokens are used`,
    );
    config = { ...config, n_ctx: limit };
  }
  return { config, notes };
}

/**
 * A runtime's failure to open or run a graph in one line, its own text as details: an operator the
 * backend lacks is named, with what to try instead.
 * @example describeOpenError('onnx/model_q4.onnx', 'Could not find an implementation for MatMulNBits(1) node with name ...').message
 */
export function describeOpenError(onnx: string, runtimeText: string, backend?: string): ModelLoadError {
  if (/the files do not belong together/.test(runtimeText)) return new ModelLoadError(`${onnx}: ${runtimeText}`, '');
  const on = backend ? ` on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}` : '';
  const op =
    /implementation for (\w+)\((\d+)\)/.exec(runtimeText) ??
    /No Op registered for (\w+) with domain_version of (\d+)/.exec(runtimeText) ??
    /(\w+)\((-?\d+)\) is not a registered function\/op/.exec(runtimeText) ??
    /Program (\w+) requires f16/.exec(runtimeText);
  if (op) {
    return new ModelLoadError(
      `${onnx} uses the operator ${op[1]}${op[2] && /^\d+$/.test(op[2]) && op[2] !== '0' ? ` (opset ${op[2]})` : ''}, which onnxruntime-web cannot run${on}: try another variant of the model (fp32 or int8) or the other backend`,
      runtimeText,
    );
  }
  if (/protobuf|parse|Load model.*failed|invalid model/i.test(runtimeText)) {
    return new ModelLoadError(`${onnx} could not be opened as a model: the runtime could not read it`, runtimeText);
  }
  return new ModelLoadError(`${onnx} could not be opened as a model`, runtimeText);
}
