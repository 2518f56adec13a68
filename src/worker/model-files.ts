/**
 * The worker's side of a load: read a model folder (bundled, a URL prefix or hub repo through the
 * cache, or dropped files), pick the ONNX variant, gather external weights, check that it fits in
 * memory before downloading it, and say clearly what is wrong when something is.
 *
 *   const files = await readModelFiles(ref, { signal, onProgress });
 *   files.bos // { id: 1, text: '<s>', source: "the tokenizer's post-processor" }
 *   const runtime = await openModelRuntime({ modelBytes: files.modelBytes, externalData: files.externalData, ... })
 *     .catch((e) => { throw files.openError(e); });
 *   await files.commit(); // only now is anything written to the cache
 */
import { fetchSource, filesSource } from '../lib/models/fetch-source';
import { readExternalData } from '../lib/models/external-data';
import { chooseFromListing, fetchHubListing } from '../lib/models/hub-listing';
import type { Backend } from '../lib/models/layouts';
import { checkGraph, describeOpenError } from '../lib/models/graph-checks';
import { planMemory } from '../lib/models/memory';
import { cachedSource, MODEL_CACHE_NAME, type CacheLike, type CachedSource } from '../lib/models/model-cache';
import type { BosChoice } from '../lib/models/bos';
import type { ModelConfig } from '../lib/models/model-config';
import { largestInitializer, scanOnnx, type OnnxScan } from '../lib/models/onnx-proto';
import {
  MissingModelFileError,
  readFolderConfig,
  readOptionalJSON,
  withBos,
  type ModelSource,
} from '../lib/models/model-source';
import type { ExternalDataFile } from '../lib/runtime';
import { errorMessage } from '../lib/runtime/capabilities';
import { loadTokenizer, type TextTokenizer } from '../lib/tokens/tokenizer';
import { DEFAULT_ONNX_FILE, type ModelRef } from './protocol';

export interface ModelFiles {
  /**
   * config.json (or genai_config.json), with n_ctx lowered when a full window's logits would not fit in
   * memory and bos_token_id the BOS chosen for the tokenizer.
   */
  config: ModelConfig;
  tokenizer: TextTokenizer;
  modelBytes: Uint8Array;
  externalData: ExternalDataFile[];
  /** The ONNX file read. */
  onnx: string;
  /** The configuration file read. */
  configFile: 'config.json' | 'genai_config.json';
  /** What is prepended to every text and why; null: nothing, the first token is unscored. */
  bos: BosChoice | null;
  /** The graph holds float16 weights or returns float16 logits (WebGPU then needs shader-f16). */
  float16: boolean;
  /** The logits' element type (float16 logits take 2 bytes each). */
  logitsType: 'float32' | 'float16';
  /** The largest weight: it must fit one WebGPU buffer. */
  largestWeight: { name: string; bytes: number } | null;
  /** Every file came from the cache. */
  fromCache: boolean;
  /** For the user: a smaller window, a model that could not be cached. */
  notes: string[];
  /** Which file a hub repository's listing chose for the backend, and why; null when none did. */
  variantChoice: string | null;
  /** Keep a URL / hub model in Cache Storage; call once its session opened. */
  commit(): Promise<void>;
  /** The runtime could not open the file: say which file and what it is. */
  openError(e: unknown): Error;
}

export interface ReadModelOptions {
  signal: AbortSignal;
  onProgress: (file: string, loaded: number, total: number | null, cached: boolean) => void;
  /**
   * The backend the model will most likely run on: a hub repository's listing chooses its variant for it.
   * Asked for only then (finding out waits for a WebGPU adapter, 0.4 s on a first visit).
   */
  target?: () => Promise<{ backend: Backend; shaderF16: boolean }>;
  /**
   * The tokenizer, as soon as it is read and checked against the vocabulary: before the weights have
   * arrived (on a network, seconds before; for a model from the hub, minutes), so that the page can show
   * the text's tokens meanwhile.
   */
  onTokenizer?: (tokenizer: TextTokenizer) => void;
}

async function openCache(): Promise<CacheLike | null> {
  try {
    return (await globalThis.caches?.open(MODEL_CACHE_NAME)) ?? null;
  } catch {
    return null; // storage disabled (private mode, opaque origin)
  }
}

/** The dropped File a path refers to, as filesSource finds it. */
function droppedFile(files: readonly File[], path: string): File | undefined {
  const byPath = files.find((f) => {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
    return rel && rel.split('/').slice(1).join('/') === path;
  });
  return byPath ?? files.find((f) => f.name === path.split('/').pop());
}

/** Bytes that are text (an HTML error page, a Git LFS pointer, JSON) rather than an ONNX protobuf. */
function textPreview(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 64);
  if (head.length === 0) return '';
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? new TextDecoder().decode(head).replace(/\s+/g, ' ').trim() : null;
}

/**
 * A hub repository's variant for the backend, from its listing: the ref with that file (and, for a genai
 * builder's folder per variant, that folder) and the line that says why; null without a listing, or where
 * the user named the file.
 */
async function chooseByListing(
  ref: ModelRef,
  options: ReadModelOptions,
): Promise<{ ref: ModelRef; note: string } | null> {
  if (ref.kind !== 'url' || !ref.hub || ref.onnx || !options.target) return null;
  const [files, target] = await Promise.all([fetchHubListing(ref.hub, { signal: options.signal }), options.target()]);
  if (!files) return null;
  let choice;
  try {
    choice = chooseFromListing(files, target);
  } catch {
    return null; // no layout it knows (or no tokenizer): probing names what is missing, file by file
  }
  const onnx = choice.onnx.slice(choice.folder.length);
  return { ref: { ...ref, url: `${ref.url}${choice.folder}`, onnx }, note: choice.note };
}

/**
 * Read everything a load needs. Throws, with a message for the user, on a missing or broken file, a
 * tokenizer that does not fit the vocabulary, or a model too large for the backend.
 */
export async function readModelFiles(modelRef: ModelRef, options: ReadModelOptions): Promise<ModelFiles> {
  const { signal, onProgress } = options;
  const listed = await chooseByListing(modelRef, options);
  const ref = listed?.ref ?? modelRef;
  const where = ref.kind === 'files' ? 'the chosen files' : ref.url;
  const sizes = new Map<string, number>();
  let config: ModelConfig | null = null;
  // bytes per logit: 2 (float16) until the graph says otherwise, so that no file is refused before it is known
  let logitsElementBytes = 2;
  const checkMemory = () => {
    if (!config) return null;
    const plan = planMemory({
      files: [...sizes].map(([path, bytes]) => ({ path, bytes })),
      nCtx: config.n_ctx,
      vocabSize: config.vocab_size,
      logitsElementBytes,
    });
    if (!plan.fits)
      throw new Error(`${ref.name} is too large for this backend: ${plan.message}. Nothing was downloaded or cached.`);
    return plan;
  };
  const checkSize = (path: string, bytes: number) => {
    if (!path.endsWith('.json')) {
      sizes.set(path, bytes);
      checkMemory();
    }
  };

  let source: ModelSource;
  let cached: CachedSource | null = null;
  if (ref.kind === 'files') {
    const inner = filesSource(ref.files);
    source = {
      ...inner,
      async readBytes(path: string) {
        const file = droppedFile(ref.files, path);
        if (file) checkSize(path, file.size);
        const bytes = await inner.readBytes(path);
        onProgress(path, bytes.byteLength, bytes.byteLength, false);
        return bytes;
      },
    };
  } else if (ref.cache) {
    cached = cachedSource(ref.url, { cache: await openCache(), signal, onProgress, checkSize });
    source = cached;
  } else {
    source = fetchSource(ref.url, {
      signal,
      onProgress: (file, loaded, total) => onProgress(file, loaded, total, false),
    });
  }

  // A bundled model (a URL folder of ours: not cached, no hub, no variants to probe): its weights download
  // with its config and tokenizer. It is small and known to fit, so the memory guard can check it after.
  let early: { path: string; read: Promise<Uint8Array> } | null = null;
  if (ref.kind === 'url' && !ref.cache && !ref.hub && !ref.candidates?.length) {
    const path = ref.onnx ?? DEFAULT_ONNX_FILE;
    early = { path, read: source.readBytes(path) };
    early.read.catch(() => undefined); // a failure is reported where the weights are read, below
  }

  // config and tokenizer first: the memory guard needs n_ctx and the vocabulary before the weights
  const missing = (e: unknown, what: string): never => {
    if (e instanceof MissingModelFileError) {
      throw new Error(
        ref.kind === 'files'
          ? `The chosen files have no ${e.path}: ${what}`
          : `${where} has no ${e.path} (not found): ${what}`,
        { cause: e },
      );
    }
    throw e;
  };
  // config.json, else onnxruntime-genai's genai_config.json (which also names the .onnx file)
  const folder = await readFolderConfig(source, ref.kind === 'files' ? `${where}: ` : where).catch((e) =>
    missing(
      e,
      ref.kind === 'files'
        ? 'pick the whole model folder (config.json, tokenizer.json, the .onnx file)'
        : 'is the URL the model folder, and the repo id and revision right?',
    ),
  );
  config = folder.config;
  const [tokenizerJson, tokenizerConfig] = await Promise.all([
    source
      .readJSON('tokenizer.json')
      .catch((e) =>
        missing(e, "the playground needs the model's tokenizer (Hugging Face tokenizer.json) next to config.json"),
      ),
    readOptionalJSON(source, 'tokenizer_config.json'),
  ]);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = loadTokenizer(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new Error(`${where}: tokenizer.json could not be loaded: ${errorMessage(e)}`, { cause: e });
  }
  // the BOS this tokenizer's family expects (post-processor, add_bos_token, bos_token_id), checked
  const chosen = withBos(config, tokenizerJson, tokenizerConfig);
  config = chosen.config;
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(
      `the tokenizer has ${tokenizer.vocabSize} token ids but the model's vocab_size is ${config.vocab_size}: ` +
        'they do not belong together (is tokenizer.json from another model?)',
    );
  }
  signal.throwIfAborted();
  options.onTokenizer?.(tokenizer);

  // the weights: the variant asked for, else the first candidate the folder has
  let candidates = ref.onnx
    ? [ref.onnx]
    : ref.kind === 'url' && ref.candidates?.length
      ? [...ref.candidates]
      : [DEFAULT_ONNX_FILE];
  if (!ref.onnx && folder.onnx) candidates = [folder.onnx, ...candidates.filter((c) => c !== folder.onnx)];
  const previous = await cached?.previousIndex();
  if (!ref.onnx && previous && candidates.includes(previous.onnx)) {
    candidates = [previous.onnx, ...candidates.filter((c) => c !== previous.onnx)];
  }
  let onnx: string | null = null;
  let modelBytes: Uint8Array | null = null;
  for (const candidate of candidates) {
    try {
      modelBytes = await (early?.path === candidate ? early.read : source.readBytes(candidate));
      onnx = candidate;
      break;
    } catch (e) {
      if (!(e instanceof MissingModelFileError)) throw e;
    }
  }
  if (!onnx || !modelBytes) {
    throw new Error(
      `${where} has no ONNX weights: looked for ${candidates.join(', ')}` +
        (ref.kind === 'files' ? ' (add the .onnx file)' : ' (pick another variant, or check the folder)'),
    );
  }
  const text = textPreview(modelBytes);
  if (text !== null) {
    throw new Error(
      `${onnx} is not an ONNX model: it is ${text === '' ? 'empty' : `text ("${text.slice(0, 48)}…")`}` +
        (text.startsWith('version https://git-lfs') ? ' — a Git LFS pointer: the file was not pulled' : ''),
    );
  }

  // external weights: exactly the files the .onnx file names (its initializers' `location`), beside it
  let scan: OnnxScan;
  try {
    scan = scanOnnx(modelBytes);
  } catch (e) {
    throw new Error(`${onnx} is not an ONNX model: ${errorMessage(e)}`, { cause: e });
  }
  // the graph against the config: kind of model, logits, vocabulary, the context it really takes
  const checked = checkGraph(scan, config, folder.file, onnx);
  config = checked.config;
  const logitsOutput =
    scan.outputs.find((o) => o.name === 'logits') ?? (scan.outputs.length === 1 ? scan.outputs[0] : null);
  const logitsType = logitsOutput?.type === 'float16' ? 'float16' : 'float32';
  logitsElementBytes = logitsType === 'float16' ? 2 : 4;
  const externalData: ExternalDataFile[] = await readExternalData(source, onnx, scan, where);
  // sources that cannot tell a size before reading (bundled models) are checked now, before a session
  if (!sizes.has(onnx)) checkSize(onnx, modelBytes.byteLength);
  for (const file of externalData)
    if (![...sizes.keys()].some((p) => p.endsWith(file.path))) checkSize(file.path, file.data.byteLength);
  const plan = checkMemory()!;
  const notes: string[] = [...checked.notes];
  if (plan.window < config.n_ctx) {
    notes.push(plan.message!);
    config = { ...config, n_ctx: plan.window };
  }
  const finalOnnx = onnx;
  return {
    config,
    tokenizer,
    modelBytes,
    externalData,
    onnx,
    configFile: folder.file,
    bos: chosen.bos,
    float16: scan.initializers.some((t) => t.type === 'float16') || scan.outputs.some((o) => o.type === 'float16'),
    logitsType,
    largestWeight: largestInitializer(scan),
    fromCache: cached !== null && cached.fromCache.has(onnx) && cached.fromCache.has('config.json'),
    notes,
    variantChoice: listed?.note ?? null,
    async commit() {
      const problem = await cached?.commit(ref.name, finalOnnx);
      if (problem) notes.push(problem);
    },
    openError(e: unknown): Error {
      return describeOpenError(finalOnnx, errorMessage(e));
    },
  };
}
