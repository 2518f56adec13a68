/**
 * Which files of a published model repository to fetch, decided from its file listing alone (paths and
 * sizes, as the hub's tree API or a dropped folder gives them): the layout its toolchain wrote, the ONNX
 * variant to load on this backend, its external-data files, the config and tokenizer files, and how many
 * bytes that is before anything downloads. Pure: no I/O, no runtime.
 *
 * Layouts (DESIGN.md "Model folder"):
 * - transformers.js / onnx-community: `onnx/model{,_fp16,_q4,_q4f16,_int8,_uint8,_quantized,_bnb4}.onnx`
 *   (older Xenova repositories: `onnx/decoder_model_merged{...}.onnx`), config.json at the root;
 * - Optimum: `decoder_model_merged.onnx` (use_cache_branch) or the older `decoder_model.onnx` at the root;
 * - onnxruntime-genai's builder: `genai_config.json` beside `model.onnx` (possibly in a subfolder per
 *   variant), external data such as `model.onnx.data`;
 * - plain: `model.onnx` at the root (this project's bundled folders use transformers.js's `onnx/`).
 *
 * External data is guessed here from names (`<file>_data`, `<file>.data`, `<file>_data_<n>`, beside the
 * file): enough to show the size. The loader reads the exact names from the ONNX file itself.
 */

/** One file of a repository listing. */
export interface RepoFile {
  /** Path relative to the repository root, '/'-separated, e.g. "onnx/model_q4f16.onnx". */
  readonly path: string;
  /** Size in bytes (for LFS files, the object's size, not the pointer's). */
  readonly size: number;
}

export type Backend = 'webgpu' | 'wasm';

/** transformers.js's dtype names (its utils/dtypes.js), plus fp32 for the unsuffixed file. */
export type Dtype = 'fp32' | 'fp16' | 'q4f16' | 'q4' | 'int8' | 'uint8' | 'quantized' | 'bnb4';
/** A variant's dtype; 'unknown' for a genai folder whose name does not say (the ONNX file will). */
export type VariantDtype = Dtype | 'unknown';

export type LayoutKind = 'transformers.js' | 'optimum-merged' | 'optimum' | 'genai' | 'plain';

export interface ResolveOptions {
  backend: Backend;
  /** The WebGPU adapter has the `shader-f16` feature (fp16 and q4f16 run only then). @defaultValue false */
  shaderF16?: boolean;
  /**
   * 'small': the smallest download among the variants this backend runs well; 'exact': the most precise
   * of them (fp32, then fp16 / 8-bit, then 4-bit) that fits `maxBytes`. @defaultValue 'small'
   */
  prefer?: 'small' | 'exact';
  /** Load this variant if the listing has it and the backend can run it (the user's choice). */
  dtype?: Dtype;
  /** With prefer 'exact': skip variants whose download exceeds this many bytes, while a smaller one exists. */
  maxBytes?: number;
}

/** One loadable ONNX file of the layout. */
export interface LayoutVariant {
  dtype: VariantDtype;
  onnx: string;
  externalData: string[];
  /** The ONNX file and its external data, bytes. */
  bytes: number;
  /** Whether the requested backend can run it (fp16 arithmetic needs shader-f16 on WebGPU); true if unknown. */
  runs: boolean;
}

export interface ResolvedLayout {
  kind: LayoutKind;
  /** The chosen variant. */
  variant: LayoutVariant;
  /** Every variant the listing has, in the order of preference for the backend. */
  variants: LayoutVariant[];
  /** Where the context length, BOS/EOS and sizes come from. */
  config: { path: string; format: 'config.json' | 'genai_config.json' };
  /** tokenizer.json first, then tokenizer_config.json / special_tokens_map.json where present. */
  tokenizer: string[];
  /** Everything to fetch (variant, external data, config, tokenizer files), in fetch order. */
  files: string[];
  /** Their total size: what the first load downloads. */
  downloadBytes: number;
}

const SUFFIX: Record<Dtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q4f16: '_q4f16',
  q4: '_q4',
  int8: '_int8',
  uint8: '_uint8',
  quantized: '_quantized',
  bnb4: '_bnb4',
};
const DTYPES = Object.keys(SUFFIX) as Dtype[];

/**
 * Variants chosen automatically per backend, most precise first. Others still run when asked for by
 * name: fp16 arithmetic on WASM (slow), 8-bit MatMulInteger and bnb4 on WebGPU (not every build has
 * their kernels on the GPU), bnb4 on WASM.
 */
const AUTO: Record<'webgpu-f16' | 'webgpu' | 'wasm', Dtype[]> = {
  'webgpu-f16': ['fp32', 'fp16', 'q4', 'q4f16'],
  webgpu: ['fp32', 'q4'],
  wasm: ['fp32', 'quantized', 'uint8', 'int8', 'q4'],
};

/**
 * The dtypes chosen automatically on a backend, most precise first (the rest run only when asked for).
 * @example autoDtypes('wasm', false) // ['fp32', 'quantized', 'uint8', 'int8', 'q4']
 */
export function autoDtypes(backend: Backend, shaderF16: boolean): readonly Dtype[] {
  return AUTO[backend === 'wasm' ? 'wasm' : shaderF16 ? 'webgpu-f16' : 'webgpu'];
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
// the merged decoder before the plain one (older Xenova repositories have an fp16 file of the plain one only)
const TJS_BASES = ['model', 'decoder_model_merged', 'decoder_model'];

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '');
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * The external-data files of `onnx` by name: `<name>_data`, `<name>.data`, `<name>_data_<n>` in the same
 * folder, numbered parts in order.
 * @example externalDataOf('onnx/model.onnx', files) // ['onnx/model.onnx_data', 'onnx/model.onnx_data_1']
 */
export function externalDataOf(onnx: string, files: readonly RepoFile[]): string[] {
  const dir = dirOf(onnx);
  const base = nameOf(onnx);
  const part = (p: string) => Number(/_(\d+)$/.exec(p)?.[1] ?? 0);
  return files
    .map((f) => f.path)
    .filter((p) => dirOf(p) === dir && p !== onnx)
    .filter((p) => {
      const rest = nameOf(p).slice(base.length);
      return nameOf(p).startsWith(base) && /^(_data|\.data)(_\d+)?$/.test(rest);
    })
    .sort((a, b) => part(a) - part(b) || a.localeCompare(b));
}

/** The variants `<dir><base><suffix>.onnx` present, one per dtype: the first base that has it wins. */
function variantsIn(dir: string, bases: readonly string[], files: readonly RepoFile[], size: Map<string, number>) {
  const found: Omit<LayoutVariant, 'runs'>[] = [];
  for (const dtype of DTYPES) {
    const onnx = bases.map((base) => `${dir}${base}${SUFFIX[dtype]}.onnx`).find((p) => size.has(p));
    if (onnx) found.push(variantOf(onnx, dtype, files, size));
  }
  return found;
}

function variantOf(onnx: string, dtype: VariantDtype, files: readonly RepoFile[], size: Map<string, number>) {
  const externalData = externalDataOf(onnx, files);
  return { dtype, onnx, externalData, bytes: [onnx, ...externalData].reduce((sum, p) => sum + size.get(p)!, 0) };
}

/** dtype of a genai builder folder from its name ("cpu-int4-rtn-block-32", "gpu/fp16", "fp32"). */
function genaiDtype(dir: string): VariantDtype {
  const d = dir.toLowerCase();
  if (/int4|q4/.test(d)) return /fp16|gpu|cuda|dml/.test(d) ? 'q4f16' : 'q4';
  if (/fp16|f16/.test(d)) return 'fp16';
  if (/int8/.test(d)) return 'int8';
  if (/fp32|f32/.test(d)) return 'fp32';
  return 'unknown';
}

/**
 * Resolve a repository listing to the files to load on this backend. Throws with a one-line message
 * naming what it looked for when the listing has no decoder it knows or no tokenizer.json.
 * @example
 * const layout = resolveLayout(files, { backend: 'webgpu', shaderF16: true });
 * layout.variant.onnx // 'onnx/model_q4f16.onnx'
 * layout.downloadBytes // bytes fetched on the first load
 */
export function resolveLayout(files: readonly RepoFile[], options: ResolveOptions): ResolvedLayout {
  const size = new Map(files.map((f) => [f.path, f.size]));
  const { backend } = options;
  const f16 = backend === 'webgpu' && options.shaderF16 === true;
  const auto = autoDtypes(backend, f16);
  const runs = (dtype: VariantDtype) => backend === 'wasm' || f16 || (dtype !== 'fp16' && dtype !== 'q4f16');

  let kind: LayoutKind;
  let found: Omit<LayoutVariant, 'runs'>[];
  let configDir = '';
  let config: ResolvedLayout['config'];
  const genaiDirs = files.filter((f) => nameOf(f.path) === 'genai_config.json').map((f) => dirOf(f.path));
  if ((found = variantsIn('onnx/', TJS_BASES, files, size)).length > 0) kind = 'transformers.js';
  else if ((found = variantsIn('', ['decoder_model_merged'], files, size)).length > 0) kind = 'optimum-merged';
  else if ((found = variantsIn('', ['decoder_model'], files, size)).length > 0) kind = 'optimum';
  else if (genaiDirs.some((dir) => size.has(`${dir}model.onnx`))) {
    kind = 'genai';
    // one folder per variant in some repositories: each is a variant named by its folder
    found = genaiDirs
      .filter((dir) => size.has(`${dir}model.onnx`))
      .map((dir) => variantOf(`${dir}model.onnx`, genaiDtype(dir), files, size));
  } else if ((found = variantsIn('', ['model'], files, size)).length > 0) kind = 'plain';
  else {
    const onnx = files.filter((f) => f.path.endsWith('.onnx')).map((f) => f.path);
    throw new Error(
      `no ONNX decoder this app knows in the listing (looked for onnx/model*.onnx, decoder_model_merged.onnx, ` +
        `decoder_model.onnx, genai_config.json + model.onnx, model.onnx; found ${onnx.length ? onnx.join(', ') : 'no .onnx file'})`,
    );
  }

  // the automatic candidates first (smallest or most precise first), then the other runnable ones, then the rest
  const tier = (v: LayoutVariant) => ((v.dtype === 'unknown' || auto.includes(v.dtype)) && v.runs ? 0 : v.runs ? 1 : 2);
  const precision = (v: LayoutVariant) => (v.dtype === 'unknown' ? auto.length : auto.indexOf(v.dtype));
  const exact = options.prefer === 'exact';
  const variants: LayoutVariant[] = found
    .map((v) => ({ ...v, runs: runs(v.dtype) }))
    .sort((a, b) => tier(a) - tier(b) || (exact ? 0 : a.bytes - b.bytes) || precision(a) - precision(b) || a.onnx.localeCompare(b.onnx));
  const variant = chooseVariant(variants, options, (v) => tier(v) === 0);

  if (kind === 'genai') {
    configDir = dirOf(variant.onnx);
    config = { path: `${configDir}genai_config.json`, format: 'genai_config.json' };
  } else {
    if (!size.has('config.json')) throw new Error('the listing has no config.json (context length, vocabulary size, BOS)');
    config = { path: 'config.json', format: 'config.json' };
  }
  // the tokenizer beside the config, else at the root (genai repositories keep one copy per variant folder)
  const tokenizerDir = size.has(`${configDir}tokenizer.json`) ? configDir : '';
  if (!size.has(`${tokenizerDir}tokenizer.json`)) {
    throw new Error('the listing has no tokenizer.json (the fast-tokenizer file this app reads)');
  }
  const tokenizer = TOKENIZER_FILES.map((name) => tokenizerDir + name).filter((p) => size.has(p));
  const fetched = [variant.onnx, ...variant.externalData, config.path, ...tokenizer];
  return {
    kind,
    variant,
    variants,
    config,
    tokenizer,
    files: fetched,
    downloadBytes: fetched.reduce((sum, p) => sum + size.get(p)!, 0),
  };
}

function chooseVariant(
  variants: readonly LayoutVariant[],
  options: ResolveOptions,
  automatic: (v: LayoutVariant) => boolean,
): LayoutVariant {
  const have = variants.map((v) => v.dtype).join(', ');
  if (options.dtype) {
    const asked = variants.find((v) => v.dtype === options.dtype);
    if (!asked) throw new Error(`this model has no ${options.dtype} variant (it has ${have})`);
    if (!asked.runs) {
      const instead = variants.find((v) => v.runs);
      throw new Error(
        `the ${options.dtype} variant needs fp16 arithmetic, which this GPU lacks (no shader-f16)` +
          (instead ? `; try ${instead.dtype}` : '; try the WASM backend'),
      );
    }
    return asked;
  }
  const candidates = variants.filter(automatic);
  const pool = candidates.length > 0 ? candidates : variants.filter((v) => v.runs);
  if (pool.length === 0) throw new Error(`no variant of this model runs on WebGPU without shader-f16 (it has ${have}); try WASM`);
  if (options.prefer === 'exact' && options.maxBytes !== undefined) {
    return pool.find((v) => v.bytes <= options.maxBytes!) ?? pool.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  }
  return pool[0];
}
