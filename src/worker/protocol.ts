/**
 * The one message protocol between the page and the inference worker (src/worker/inference.worker.ts).
 * Everything here is structured-cloneable. The page never waits on a model: it posts a request and
 * reacts to events; every event names the request it answers.
 *
 *   page -> worker   load, score, tokenize, cancel
 *   worker -> page   load-progress, loaded, progress, partial, scored, tokenized, fallback, cancelled, error
 *
 * A new `score` cancels the running one (it answers `cancelled`); a new `load` cancels both. Where the
 * page is cross-origin isolated, a score's progress and its cancel also go through shared memory
 * (ScoreRequest.shared), and the worker posts no `progress` for it.
 */
import type { BackendPreference, Backend, BackendDisagreement, BackendProbe, RuntimeCounters } from '../lib/runtime';
import { BACKEND_PREFERENCES } from '../lib/runtime/backends';
import type { PackedResult } from '../lib/scoring/packed';
import type { HeadStatus } from '../lib/scoring/log-softmax';
import type { FullDistributions } from '../lib/compare/full-distribution';

/** Where a model folder (Hugging Face layout, DESIGN.md) comes from. */
export type ModelRef =
  /** A URL prefix of a folder: `${url}config.json`, `${url}onnx/model.onnx`, ... (absolute, ends in '/'). */
  | {
      kind: 'url';
      url: string;
      name: string;
      onnx?: string;
      /** Keep the files in Cache Storage (src/lib/models/model-cache.ts): models the user brought. */
      cache?: boolean;
      /** ONNX files to try in order when `onnx` is unset (src/lib/models/hub.ts AUTO_ONNX_CANDIDATES). */
      candidates?: string[];
      /**
       * A hub repository (a repo id the user typed): when `onnx` is unset, its file listing chooses the
       * variant for the backend (src/lib/models/hub-listing.ts); without a listing, `candidates` are tried.
       */
      hub?: { endpoint: string; repo: string; revision: string };
    }
  /** Files the user dropped in; matched by their path relative to the folder or by base name. */
  | { kind: 'files'; files: File[]; name: string; onnx?: string };
/** The weights file a ModelRef opens when it names none. */
export const DEFAULT_ONNX_FILE = 'onnx/model.onnx';

export interface LoadRequest {
  type: 'load';
  id: number;
  model: ModelRef;
  /** @defaultValue 'auto' */
  backend: BackendPreference;
  /** WASM threads; 0 = min(4, cores). Fixed for the worker's life at its first load. */
  threads: number;
  /** Absolute URL of the app root, ending in '/': ort/ and scoring-head.onnx are under it. */
  assetsBase: string;
  /**
   * Fault injection for tests (`?fault-webgpu-after=N`): WebGPU fails on the window after N windows, as a
   * lost device or a failing kernel would, so the mid-run fallback to WASM can be checked end to end.
   */
  webgpuFailAfterWindows?: number;
  /**
   * Tests of the backend timing (`?probe-software-webgpu=1`): 'auto' times a window on each backend even
   * when the only WebGPU adapter is a software one, instead of taking WASM at once.
   */
  probeSoftwareAdapter?: boolean;
  /**
   * The user insisted on WebGPU for this model: keep it even where its numbers disagree with WASM's on the
   * check window (the backend line then says by how much). @defaultValue false
   */
  acceptWebgpuDisagreement?: boolean;
}

/** Start the runtime before the first load (no answer): see warmRuntime in src/lib/runtime. */
export interface WarmRequest {
  type: 'warm';
  id: number;
  backend: BackendPreference;
  threads: number;
  assetsBase: string;
}

export interface ScoreRequest {
  type: 'score';
  id: number;
  text: string;
  /**
   * Tokens per window, 2 .. the model's context: a cap for speed (a 1,024-token model scored in 512-token
   * windows runs about twice as fast per token; each token then sees less context). @defaultValue n_ctx
   */
  window?: number;
  /** Window stride in tokens, 1 .. window - 1. @defaultValue floor(window / 2) */
  stride?: number;
  /** Read special tokens' strings in the text as those tokens. @defaultValue false (plain text) */
  parseSpecial?: boolean;
  /** Alternatives per position. @defaultValue 5 */
  k?: number;
  /**
   * Also return every scored position's full predicted distribution (exact KL divergence in comparison
   * mode). It costs O(V^2) per position on the CPU path, so the worker returns it only where
   * src/lib/compare/full-distribution.ts wantFullDistribution allows (small vocabularies or short
   * texts), and null otherwise. @defaultValue false
   */
  fullDistribution?: boolean;
  /**
   * Cells of shared memory (SHARED_CELLS, cross-origin isolated pages only), so that neither side needs a
   * message while a score runs:
   * - SHARED_CANCEL: the page writes the id of the newest score it cancels, before it posts `cancel`. The
   *   worker reads it after every window, so a cancel lands within one window without the worker giving
   *   its event loop a turn between windows. The `cancel` message still follows, and is still answered.
   * - SHARED_PROGRESS_ID, SHARED_DONE, SHARED_TOTAL: the worker writes the score's progress after every
   *   window (windows done of total) and posts no `progress` messages, which cost it about a millisecond
   *   each; the page reads the cells once a frame.
   */
  shared?: Int32Array;
  /**
   * Send the per-token numbers as windows finish (`partial` events, at most every PARTIAL_EVERY_MS), so
   * that the page can colour the tokens before the result is complete. @defaultValue false
   */
  partial?: boolean;
}

/**
 * Split a text into the tokens the loaded model (or the one loading) scores, as soon as its tokenizer is
 * read: the page shows them uncoloured while the model opens and scores. Answered by `tokenized` (or
 * `error` when no model is loaded or loading, or its load fails); it cancels nothing.
 */
export interface TokenizeRequest {
  type: 'tokenize';
  id: number;
  text: string;
  /** As ScoreRequest.parseSpecial. @defaultValue false */
  parseSpecial?: boolean;
}

/** How often a score with ScoreRequest.partial sends the tokens scored since the last `partial`, at most, ms. */
export const PARTIAL_EVERY_MS = 150;

/** ScoreRequest.shared: how many cells, and what each holds. */
export const SHARED_CELLS = 4;
export const SHARED_CANCEL = 0;
export const SHARED_PROGRESS_ID = 1;
export const SHARED_DONE = 2;
export const SHARED_TOTAL = 3;

/** Cancel the request with this id (a load or a score); unknown or finished ids are ignored. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type WorkerRequest = LoadRequest | ScoreRequest | TokenizeRequest | CancelRequest | WarmRequest;

/**
 * What a warm start needs: WarmRequest without its envelope, and the load the page will most likely ask
 * for first (the worker starts it at once and answers the first load request that matches it: loadKey).
 */
export type WarmOptions = Omit<WarmRequest, 'type' | 'id'> & { load?: Omit<LoadRequest, 'type' | 'id'> };

/**
 * One string per distinct load request (its id aside): what a load started early must match to be taken over.
 * @example loadKey({ model, backend: 'auto', threads: 0, assetsBase }) === loadKey({ ...sameFields, id: 7 })
 */
export function loadKey(req: Omit<LoadRequest, 'type' | 'id'>): string | null {
  if (req.model.kind !== 'url') return null; // dropped files are never loaded early
  const m = req.model;
  return JSON.stringify([
    [m.url, m.name, m.onnx ?? null, m.cache ?? null, m.hub ?? null, m.candidates ?? null],
    req.backend,
    req.threads,
    req.assetsBase,
    req.webgpuFailAfterWindows ?? null,
    req.probeSoftwareAdapter === true,
    req.acceptWebgpuDisagreement === true,
  ]);
}

const WORKER_NAME = 'inference';

/**
 * The inference worker's name (WorkerOptions.name), which also carries a warm start's options: the worker
 * reads them as it starts (warmOptionsFromName), before any message could reach it.
 * @example workerName({ backend: 'auto', threads: 0, assetsBase: 'https://h/app/' }) // 'inference {"backend":"auto","threads":0,"assetsBase":"https://h/app/"}'
 */
export function workerName(warm: WarmOptions | null): string {
  if (!warm) return WORKER_NAME;
  const { backend, threads, assetsBase, load } = warm;
  return `${WORKER_NAME} ${JSON.stringify({ backend, threads, assetsBase, ...(load ? { load } : {}) })}`;
}

/** The warm options in a worker name from workerName; null for none, or for a name it did not write. */
export function warmOptionsFromName(name: string): WarmOptions | null {
  if (!name.startsWith(`${WORKER_NAME} {`)) return null;
  try {
    const o = JSON.parse(name.slice(WORKER_NAME.length + 1)) as Partial<WarmOptions>;
    const backend = o.backend;
    if (!backend || !BACKEND_PREFERENCES.includes(backend)) return null;
    if (typeof o.threads !== 'number' || !Number.isFinite(o.threads) || typeof o.assetsBase !== 'string') return null;
    const load = o.load && typeof o.load === 'object' && o.load.model?.kind === 'url' ? o.load : undefined;
    return { backend, threads: o.threads, assetsBase: o.assetsBase, ...(load ? { load } : {}) };
  } catch {
    return null;
  }
}

export interface LoadedModelInfo {
  name: string;
  n_ctx: number;
  vocab_size: number;
  /** What runs now. */
  backend: Backend;
  /** What the user asked for. */
  requested: BackendPreference;
  /** Why WebGPU is not used; null when it is (or when WASM was forced). */
  fallbackReason: string | null;
  /** What runs and why, for the backend line, e.g. "WASM: the only WebGPU adapter is a software one (google swiftshader)". */
  reason: string;
  /** The window 'auto' timed on each backend, when it had to (a hardware WebGPU adapter). */
  probe: BackendProbe | null;
  /** WebGPU's numbers disagreed with WASM's on the probe window: WASM runs (or WebGPU, where the user insisted). */
  disagreement?: BackendDisagreement | null;
  threads: number;
  crossOriginIsolated: boolean;
  /** e.g. "google swiftshader (fallback)"; empty without WebGPU. */
  adapter: string;
  /** From the load request to a usable session, ms. */
  loadMs: number;
  /** The ONNX file that was opened (models the user brought may pick among variants). */
  onnx?: string;
  /** Every file came from the browser's cache (no download). */
  fromCache?: boolean;
  /** The tokenizer's special tokens' strings: a text's are plain text unless a score asks `parseSpecial`. */
  specialTokens?: readonly string[];
  /** Things the user should know: a smaller window than n_ctx (memory), a model that could not be cached. */
  notes?: string[];
  /** Which file a hub repository's listing chose for the backend, and why (src/lib/models/hub-listing.ts). */
  variantChoice?: string | null;
  /** What is prepended to every text and why (src/lib/models/bos.ts); null: nothing, the first token is unscored. */
  bos?: { id: number; text: string; source: string } | null;
  /** The configuration file read: config.json, or onnxruntime-genai's genai_config.json. */
  configFile?: string;
  /** The worker's CPU scoring head (WASM backend): WebAssembly, or the TypeScript fallback and why. */
  scoringHead?: HeadStatus;
}

export interface ScoreTiming {
  /** From the score request to the result, ms (tokenizing, windows, result columns, totals), timed in the worker. */
  totalMs: number;
  /**
   * From posting the request to the result's records being rebuilt on the main thread, ms: totalMs plus
   * the messages both ways and the unpacking. Set by the client, not the worker.
   */
  roundTripMs?: number;
  /** Forward passes = windows. */
  windows: number;
  /** The runtime's counters for this text: time in session.run and in the scoring head, bytes read back. */
  runtime: RuntimeCounters;
  /**
   * Where the worker's time went, ms: inside the scorer's window calls (session.run, the scoring head's
   * `runtime.headMs`, and the rest: tensor set-up, the run queue), the turns given to the event loop
   * between windows, and tokenizing (encoding and spans). The rest of totalMs is the engine itself:
   * windows, the result's columns, totals.
   */
  breakdown?: { scorerMs: number; yieldMs: number; tokenizeMs: number };
}

export type WorkerEvent =
  | { type: 'load-progress'; id: number; file: string; loaded: number; total: number | null; cached?: boolean }
  | { type: 'loaded'; id: number; info: LoadedModelInfo }
  | { type: 'progress'; id: number; done: number; total: number }
  /** A score's text tokens from .. from + logprob.length - 1 are final (ScoreRequest.partial); NaN: never scored. */
  | { type: 'partial'; id: number; from: number; logprob: Float64Array; rank: Int32Array; entropy: Float64Array }
  /** A text's tokens (TokenizeRequest): ids and UTF-16 spans, as the score's records will have them. */
  | { type: 'tokenized'; id: number; ids: Int32Array; start: Int32Array; end: Int32Array }
  | {
      type: 'scored';
      id: number;
      /** The result as transferred columns; the client rebuilds the ScoreResult with the text it sent. */
      packed: PackedResult;
      timing: ScoreTiming;
      /** With `fullDistribution`: the distributions, or null (too costly, or the scorer returned fewer than V alternatives). */
      distributions?: FullDistributions | null;
    }
  /** WebGPU failed while scoring request `id`; it goes on on WASM. */
  | { type: 'fallback'; id: number; backend: Backend; reason: string }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; phase: 'load' | 'score'; message: string };
