/**
 * A model folder's config.json (Hugging Face layout, DESIGN.md "Model folder"), reduced to what the
 * scoring engine and the ONNX feeds need, under one set of names whatever the architecture calls them.
 */

export interface ModelConfig {
  /** config.json `model_type`, or null. */
  model_type: string | null;
  vocab_size: number;
  /** Context length: `n_positions`, else `n_ctx`, else `max_position_embeddings`. */
  n_ctx: number;
  /** Prepended to every text when set, so that every text token is scored. */
  bos_token_id: number | null;
  eos_token_id: number | null;
  /** Attention heads (`n_head` / `num_attention_heads`), for empty past key/value inputs; null if unnamed. */
  n_head: number | null;
  /** Key/value heads (`num_key_value_heads`, else n_head); null if unnamed. */
  n_kv_head: number | null;
  /** Per-head size (`head_dim`, else hidden size / heads); null if unknown. */
  head_dim: number | null;
  n_layer: number | null;
}

type Json = Record<string, unknown>;

const CONTEXT_KEYS = ['n_positions', 'n_ctx', 'max_position_embeddings'] as const;

function optionalInteger(json: Json, key: string, where: string): number | null {
  const value = json[key];
  if (value === undefined || value === null) return null;
  // some configs list several ids (e.g. eos_token_id: [1, 107]); the first is the document separator
  const first = Array.isArray(value) ? value[0] : value;
  if (!Number.isInteger(first) || (first as number) < 0) {
    throw new Error(`${where}: ${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return first as number;
}

function firstInteger(json: Json, keys: readonly string[], where: string): number | null {
  for (const key of keys) {
    const value = optionalInteger(json, key, where);
    if (value !== null) return value;
  }
  return null;
}

/**
 * Read the fields the engine needs from a parsed config.json; throws, naming the file and the keys it
 * looked for, when the vocabulary size or context length is missing.
 * @example parseModelConfig({ model_type: 'gpt2', vocab_size: 1280, n_positions: 256, bos_token_id: 1279 }).n_ctx // 256
 */
export function parseModelConfig(json: unknown, where = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${where}: expected a JSON object`);
  }
  const config = json as Json;
  const vocab_size = optionalInteger(config, 'vocab_size', where);
  if (vocab_size === null || vocab_size < 1) throw new Error(`${where}: no vocab_size`);
  const n_ctx = firstInteger(config, CONTEXT_KEYS, where);
  if (n_ctx === null) throw new Error(`${where}: no context length (looked for ${CONTEXT_KEYS.join(', ')})`);
  if (n_ctx < 2) throw new Error(`${where}: context length ${n_ctx} is too short to predict anything`);
  const n_head = firstInteger(config, ['n_head', 'num_attention_heads'], where);
  const hidden = firstInteger(config, ['n_embd', 'hidden_size', 'd_model'], where);
  const head_dim = optionalInteger(config, 'head_dim', where) ?? (n_head && hidden ? hidden / n_head : null);
  return {
    model_type: typeof config.model_type === 'string' ? config.model_type : null,
    vocab_size,
    n_ctx,
    bos_token_id: optionalInteger(config, 'bos_token_id', where),
    eos_token_id: optionalInteger(config, 'eos_token_id', where),
    n_head,
    n_kv_head: optionalInteger(config, 'num_key_value_heads', where) ?? n_head,
    head_dim: head_dim !== null && Number.isInteger(head_dim) ? head_dim : null,
    n_layer: firstInteger(config, ['n_layer', 'num_hidden_layers'], where),
  };
}

/** A genai_config.json (onnxruntime-genai's model builder) read as a ModelConfig, with its ONNX file. */
export interface GenaiConfig {
  config: ModelConfig;
  /** `model.decoder.filename`, relative to the folder, e.g. "model.onnx"; null when unnamed. */
  onnx: string | null;
}

/**
 * Read the fields the engine needs from onnxruntime-genai's genai_config.json (`model.context_length`,
 * `model.vocab_size`, `model.bos_token_id`, `model.eos_token_id`, `model.type`, and the decoder's heads,
 * head size, layers and file name), under the same names as config.json's.
 * @example parseGenaiConfig({ model: { type: 'llama', vocab_size: 32000, context_length: 2048, bos_token_id: 1, decoder: { filename: 'model.onnx' } } }).onnx // 'model.onnx'
 */
export function parseGenaiConfig(json: unknown, where = 'genai_config.json'): GenaiConfig {
  const model = typeof json === 'object' && json !== null ? (json as Json).model : undefined;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) throw new Error(`${where}: no "model" object`);
  const m = model as Json;
  const decoder = (typeof m.decoder === 'object' && m.decoder !== null ? m.decoder : {}) as Json;
  const config = parseModelConfig(
    {
      model_type: m.type,
      vocab_size: m.vocab_size,
      max_position_embeddings: m.context_length,
      bos_token_id: m.bos_token_id,
      eos_token_id: m.eos_token_id,
      num_attention_heads: decoder.num_attention_heads,
      num_key_value_heads: decoder.num_key_value_heads,
      head_dim: decoder.head_size,
      hidden_size: decoder.hidden_size,
      num_hidden_layers: decoder.num_hidden_layers,
    },
    where,
  );
  const onnx = typeof decoder.filename === 'string' && decoder.filename ? decoder.filename : null;
  return { config, onnx };
}
