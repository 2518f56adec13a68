/**
 * The manifest of bundled models: `models/manifest.json` in the built app, written by the build
 * (tools/vite-bundled-assets.ts) from the model folders under `models/`. Pure data and pure functions:
 * no DOM, no Node.
 */

/** One bundled model folder (Hugging Face layout, see DESIGN.md "Model folder"). */
export interface BundledModel {
  /** Folder name, e.g. "tiny-bpe1k"; the `model-select` option value. */
  id: string;
  /** The folder, relative to the manifest, with a trailing slash: "tiny-bpe1k/". */
  path: string;
  /** config.json `model_type`. */
  model_type: string;
  /** Context length (config.json `n_positions`, or `n_ctx` / `max_position_embeddings`). */
  n_ctx: number;
  vocab_size: number;
  n_layer: number | null;
  n_embd: number | null;
  bos_token_id: number | null;
  /** "byte" (byte-level, no merges), "byte-bpe" (byte-level BPE), or the tokenizer model type in lower case. */
  tokenizer_kind: string;
  /** Every file the app may fetch, relative to the folder, and its size in bytes. */
  files: Record<string, number>;
  /** The weights file to open, relative to the folder. @defaultValue 'onnx/model.onnx' */
  onnx?: string;
  /** For a training snapshot: the model it is a snapshot of, and where in its training it was taken. */
  snapshot?: TrainingSnapshot;
  /** For a smaller variant of a model (its onnx/model_quantized.onnx): what it stores, e.g. 'int8'. */
  variant?: string;
}

/** One entry of a model folder's snapshots.json (training/export.py). */
export interface TrainingSnapshot {
  /** The id of the finished model. */
  of: string;
  /** Share of the training run, 0..1. */
  fraction: number;
  step: number;
  /** Bytes of training text seen. */
  bytes: number;
  /** Measured on the test split when exported. */
  test_nats_per_token: number;
  test_bits_per_byte: number;
}

export interface BundledManifest {
  version: 1;
  /** The model the app opens first. */
  default: string;
  models: BundledModel[];
}

/** The files of a model folder the app serves (the rest of the folder stays out of the build). */
export const SERVED_MODEL_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
  // the training-curve view's demo runs and checkpoint scrubber read these
  'training_log.csv',
  'snapshots.json',
] as const;

/** The files without which a folder is not a usable model. */
export const REQUIRED_MODEL_FILES = ['config.json', 'tokenizer.json', 'onnx/model.onnx'] as const;

/** The model the app prefers to open first when it is bundled. */
export const PREFERRED_DEFAULT_MODEL = 'tiny-bpe8k';

/** The smaller variant DESIGN.md's layout allows next to onnx/model.onnx. */
export const QUANTIZED_FILE = 'onnx/model_quantized.onnx';

/**
 * The entry for a folder's quantized variant, or null when it ships none: the same folder, the other
 * weights file, id `<id>@int8`.
 * @example quantizedEntry(entry)?.onnx // 'onnx/model_quantized.onnx'
 */
export function quantizedEntry(model: BundledModel): BundledModel | null {
  if (!(QUANTIZED_FILE in model.files)) return null;
  return { ...otherWeights(model, `${model.id}@int8`, QUANTIZED_FILE, model.files[QUANTIZED_FILE]), variant: 'int8' };
}

/** The same folder opened with another weights file: its own id, and that file instead of the others. */
function otherWeights(model: BundledModel, id: string, onnx: string, size: number): BundledModel {
  const files = Object.fromEntries(Object.entries(model.files).filter(([f]) => !f.startsWith('onnx/')));
  return { ...model, id, files: { ...files, [onnx]: size }, onnx };
}

/** A model folder's list of training snapshots (training/export.py writes it next to config.json). */
export const SNAPSHOTS_FILE = 'snapshots.json';

/**
 * Entries for the training snapshots of a bundled model (its snapshots.json), each opening the same folder
 * with another weights file. The finished model itself (fraction 1) is the entry it derives from.
 * @example snapshotEntries(entry, { snapshots: [{ file: 'onnx/snapshot_001.onnx', fraction: 0.01, ... }] }, sizes)
 */
export function snapshotEntries(
  model: BundledModel,
  list: { snapshots?: { file: string; fraction: number; step: number; bytes: number; test_nats_per_token: number; test_bits_per_byte: number }[] },
  sizes: Record<string, number>,
): BundledModel[] {
  const out: BundledModel[] = [];
  for (const s of list.snapshots ?? []) {
    if (s.fraction >= 1 || !(s.file in sizes) || !/^onnx\/[\w.-]+\.onnx$/.test(s.file)) continue;
    const pct = Math.round(s.fraction * 100);
    out.push({
      ...otherWeights(model, `${model.id}@${String(pct).padStart(3, '0')}`, s.file, sizes[s.file]),
      snapshot: {
        of: model.id,
        fraction: s.fraction,
        step: s.step,
        bytes: s.bytes,
        test_nats_per_token: s.test_nats_per_token,
        test_bits_per_byte: s.test_bits_per_byte,
      },
    });
  }
  return out;
}

/**
 * Classify a tokenizer.json.
 * @example tokenizerKind(JSON.parse(tokenizerJson)) // "byte-bpe"
 */
export function tokenizerKind(tokenizer: {
  model?: { type?: string; merges?: unknown[] };
  pre_tokenizer?: { type?: string } | null;
}): string {
  const type = (tokenizer.model?.type ?? 'unknown').toLowerCase();
  const byteLevel = tokenizer.pre_tokenizer?.type === 'ByteLevel';
  if (type === 'bpe' && byteLevel) return (tokenizer.model?.merges?.length ?? 0) === 0 ? 'byte' : 'byte-bpe';
  return type;
}

const firstNumber = (...values: unknown[]): number | null => {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return null;
};

/**
 * One manifest entry from a folder's parsed config.json and tokenizer.json and its file sizes.
 * Throws when the config names no context length or vocabulary size, with the id in the message.
 * @example manifestEntry('tiny-bpe1k', config, tokenizer, { 'config.json': 412, 'onnx/model.onnx': 9e6 })
 */
export function manifestEntry(
  id: string,
  config: Record<string, unknown>,
  tokenizer: Parameters<typeof tokenizerKind>[0],
  files: Record<string, number>,
): BundledModel {
  const n_ctx = firstNumber(config.n_positions, config.n_ctx, config.max_position_embeddings);
  const vocab_size = firstNumber(config.vocab_size);
  if (n_ctx === null) throw new Error(`model ${id}: config.json names no context length (n_positions)`);
  if (vocab_size === null) throw new Error(`model ${id}: config.json names no vocab_size`);
  return {
    id,
    path: `${id}/`,
    model_type: typeof config.model_type === 'string' ? config.model_type : 'unknown',
    n_ctx,
    vocab_size,
    n_layer: firstNumber(config.n_layer, config.num_hidden_layers),
    n_embd: firstNumber(config.n_embd, config.hidden_size),
    bos_token_id: firstNumber(config.bos_token_id),
    tokenizer_kind: tokenizerKind(tokenizer),
    files,
  };
}

/** Order entries (preferred default first, then by id) and pick the default. */
export function makeManifest(models: BundledModel[]): BundledManifest {
  // the preferred model first, then by id; a model's snapshots follow it, earliest first
  const rank = (m: BundledModel) => (m.snapshot ? m.snapshot.of : m.variant ? m.id.split('@')[0] : m.id);
  const sorted = [...models].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra === PREFERRED_DEFAULT_MODEL ? -1 : rb === PREFERRED_DEFAULT_MODEL ? 1 : ra.localeCompare(rb);
    const order = (m: BundledModel) => (m.snapshot ? m.snapshot.fraction : m.variant ? -0.5 : -1);
    return order(a) - order(b);
  });
  const finished = sorted.filter((m) => !m.snapshot && !m.variant);
  return { version: 1, default: finished[0]?.id ?? sorted[0]?.id ?? '', models: sorted };
}
