/**
 * What to feed a causal language model's ONNX graph and which output holds the logits, decided once
 * from the session's declared inputs and outputs. Runtime-agnostic: the caller passes a tensor
 * factory, so the onnxruntime-node adapter (cli/) and the onnxruntime-web one (src/lib/runtime/)
 * share it. Hugging Face Optimum exports may also declare position_ids, past_key_values.* and
 * use_cache_branch: they get positions 0..T-1, an empty past (sequence length 0) and `false`.
 */
import type { ModelConfig } from './model-config';

export type FeedTensorType = 'int64' | 'bool' | 'float32' | 'float16';
export type FeedData = BigInt64Array | Uint8Array | Float32Array | Uint16Array;
/** Makes one runtime tensor, e.g. `(type, data, dims) => new ort.Tensor(type, data, dims)`. */
export type TensorFactory<T> = (type: FeedTensorType, data: FeedData, dims: readonly number[]) => T;

/** A declared input: its name, or ort's InferenceSession.ValueMetadata (name, type, shape). */
export type ModelInputDescription = string | { readonly name: string; readonly type?: string; readonly shape?: ReadonlyArray<number | string> };

type InputRole = 'input_ids' | 'attention_mask' | 'position_ids' | 'token_type_ids' | 'past' | 'use_cache_branch';

interface PlannedInput {
  name: string;
  role: InputRole;
  /** For an empty past: its element type and dims (sequence length 0). */
  pastType?: 'float32' | 'float16';
  pastDims?: number[];
}

/** How to call one model: every declared input with its role, and the logits output. */
export interface ModelIO {
  readonly inputs: readonly PlannedInput[];
  readonly logits: string;
}

const KNOWN_INPUTS = 'input_ids, attention_mask, position_ids, token_type_ids, past_key_values.*, use_cache_branch';

function roleOf(name: string): InputRole | null {
  if (name === 'input_ids' || name === 'attention_mask' || name === 'position_ids' || name === 'token_type_ids') return name;
  if (name.startsWith('past_key_values') || name.startsWith('past.')) return 'past';
  if (name === 'use_cache_branch') return 'use_cache_branch';
  return null;
}

/**
 * The output holding the logits: the one named "logits", else the only output; throws listing the
 * outputs otherwise.
 * @example pickLogitsOutput(['logits', 'present.0.key']) // 'logits'
 */
export function pickLogitsOutput(outputNames: readonly string[]): string {
  if (outputNames.includes('logits')) return 'logits';
  if (outputNames.length === 1) return outputNames[0];
  throw new Error(`the model has no "logits" output (its outputs: ${outputNames.join(', ') || 'none'})`);
}

/**
 * Dims of an empty past key/value input: batch 1, sequence 0, heads and head size from the graph
 * when it names them as numbers, else from config.json.
 */
function emptyPastDims(
  input: Exclude<ModelInputDescription, string> | { name: string },
  config: Partial<Pick<ModelConfig, 'n_kv_head' | 'head_dim'>>,
): number[] {
  const shape = 'shape' in input && input.shape && input.shape.length > 0 ? input.shape : null;
  const rank = shape?.length ?? 4; // [batch, heads, past_sequence, head_dim]
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dim = shape?.[d];
    if (typeof dim === 'number' && dim >= 0) dims.push(dim);
    else if (d === 0) dims.push(1);
    else if ((typeof dim === 'string' && /past|seq|length/i.test(dim)) || (!shape && d === 2)) dims.push(0);
    else if (rank === 4 && d === 1 && config.n_kv_head) dims.push(config.n_kv_head);
    else if (rank === 4 && d === 3 && config.head_dim) dims.push(config.head_dim);
    else {
      throw new Error(
        `model input ${input.name}: cannot size dimension ${d} (${JSON.stringify(dim ?? null)}) of an empty past; ` +
          'config.json names no num_key_value_heads / head_dim',
      );
    }
  }
  if (!dims.includes(0)) throw new Error(`model input ${input.name}: no sequence dimension found in ${JSON.stringify(shape)}`);
  return dims;
}

/**
 * Decide, once per session, how to feed every declared input and where the logits are. Throws,
 * listing what the model has, for an input it cannot feed or a missing input_ids / logits.
 * @example const io = planModelIO(session.inputMetadata, session.outputNames, config);
 */
export function planModelIO(
  inputs: readonly ModelInputDescription[],
  outputNames: readonly string[],
  config: Partial<Pick<ModelConfig, 'n_kv_head' | 'head_dim'>> = {},
): ModelIO {
  const described = inputs.map((input) => (typeof input === 'string' ? { name: input } : input));
  const names = described.map((input) => input.name);
  if (!names.includes('input_ids')) {
    throw new Error(`the model has no input_ids input (its inputs: ${names.join(', ') || 'none'})`);
  }
  const planned = described.map((input): PlannedInput => {
    const role = roleOf(input.name);
    if (role === null) {
      throw new Error(
        `the model input "${input.name}" is not one this app can feed (its inputs: ${names.join(', ')}; known: ${KNOWN_INPUTS})`,
      );
    }
    if (role !== 'past') return { name: input.name, role };
    if ('type' in input && input.type === 'bfloat16') {
      // onnxruntime-web has no bfloat16 tensors to feed, even empty ones
      throw new Error(`the model input "${input.name}" is bfloat16, which onnxruntime-web cannot feed: use the model's fp16 or fp32 variant`);
    }
    const type = 'type' in input && input.type === 'float16' ? 'float16' : 'float32';
    return { name: input.name, role, pastType: type, pastDims: emptyPastDims(input, config) };
  });
  return { inputs: planned, logits: pickLogitsOutput(outputNames) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * int64 values of small integers, written as 32-bit halves (no BigInt per value, which costs more
 * than the rest of a window's feeds); the BigInt route where the platform is big-endian.
 * @example int64Of(Int32Array.of(5, -1)) // BigInt64Array [5n, -1n]
 */
export function int64Of(values: ArrayLike<number>): BigInt64Array {
  const n = values.length;
  const out = new BigInt64Array(n);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) out[i] = BigInt(values[i]);
    return out;
  }
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    halves[2 * i] = v;
    halves[2 * i + 1] = v < 0 ? -1 : 0; // sign extension
  }
  return out;
}

/**
 * The feeds for one forward pass over `ids` (batch 1).
 * @example const feeds = buildFeeds(io, ids, (type, data, dims) => new ort.Tensor(type, data, dims));
 */
export function buildFeeds<T>(io: ModelIO, ids: Int32Array, makeTensor: TensorFactory<T>): Record<string, T> {
  const T = ids.length;
  const feeds: Record<string, T> = {};
  for (const input of io.inputs) {
    switch (input.role) {
      case 'input_ids':
        feeds[input.name] = makeTensor('int64', int64Of(ids), [1, T]);
        break;
      case 'attention_mask':
        feeds[input.name] = makeTensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
        break;
      case 'position_ids':
        feeds[input.name] = makeTensor('int64', int64Of(Int32Array.from({ length: T }, (_, i) => i)), [1, T]);
        break;
      case 'token_type_ids':
        feeds[input.name] = makeTensor('int64', new BigInt64Array(T), [1, T]);
        break;
      case 'past':
        feeds[input.name] = makeTensor(
          input.pastType!,
          input.pastType === 'float16' ? new Uint16Array(0) : new Float32Array(0),
          input.pastDims!,
        );
        break;
      case 'use_cache_branch':
        feeds[input.name] = makeTensor('bool', Uint8Array.of(0), [1]);
        break;
    }
  }
  return feeds;
}
