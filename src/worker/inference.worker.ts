/// <reference lib="webworker" />
/**
 * The inference worker: owns the tokenizer and the model sessions, so the page never waits on a model.
 * Speaks the protocol of ./protocol.ts. One model at a time; one score at a time (a new score or load
 * cancels the running score; a new load cancels the running load).
 */
import {
  detectCapabilities,
  openModelRuntime,
  warmRuntime,
  type ModelRuntime,
  type RuntimeCounters,
} from '../lib/runtime';
import { expectedBackend } from '../lib/models/catalogue';
import { errorMessage } from '../lib/runtime/capabilities';
import type { ModelConfig } from '../lib/models';
import { headStatus } from '../lib/scoring/log-softmax';
import { own, scoreTextPacked } from '../lib/scoring/score-text';
import { captureDistributions, wantFullDistribution } from '../lib/compare/full-distribution';
import type { WindowScorer } from '../lib/scoring/types';
import type { TextTokenizer } from '../lib/tokens/tokenizer';
import { readModelFiles, type ModelFiles } from './model-files';
import { partialScore } from '../lib/playground/preview';
import {
  SHARED_CANCEL,
  SHARED_DONE,
  SHARED_PROGRESS_ID,
  SHARED_TOTAL,
  type LoadRequest,
  type ScoreRequest,
  type TokenizeRequest,
  type WorkerEvent,
  type WarmOptions,
  type WorkerRequest,
  PARTIAL_EVERY_MS,
  loadKey,
  warmOptionsFromName,
} from './protocol';

declare const self: DedicatedWorkerGlobalScope;

interface LoadedModel {
  name: string;
  runtime: ModelRuntime;
  tokenizer: TextTokenizer;
  config: ModelConfig;
  /** What the load found out (src/worker/model-files.ts). */
  onnx: string;
  fromCache: boolean;
  notes: string[];
  variantChoice: string | null;
  bos: ModelFiles['bos'];
  configFile: string;
}

interface Job {
  id: number;
  controller: AbortController;
  /** Settles when the job has stopped touching the sessions. */
  done: Promise<void>;
}

let model: Promise<LoadedModel> | null = null;
/** The tokenizer of `model`, settled as soon as its files are read (before the model opens). */
let tokenizer: Promise<TextTokenizer> | null = null;
let loadJob: Job | null = null;
let scoreJob: Job | null = null;
/** Ids answered already (cancelled): their late results are dropped. */
const answered = new Set<number>();

const post = (ev: WorkerEvent, transfer: Transferable[] = []) => {
  if (ev.type !== 'load-progress' && ev.type !== 'progress' && ev.type !== 'partial' && ev.type !== 'fallback') {
    if (answered.has(ev.id)) return;
    answered.add(ev.id);
  } else if (answered.has(ev.id)) {
    return;
  }
  self.postMessage(ev, { transfer });
};

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  switch (req.type) {
    case 'load': {
      const ahead = early;
      early = null;
      if (ahead && ahead.key !== null && ahead.key === loadKey(req) && !loadJob && !scoreJob) {
        // the load this worker started as it started (warmOptionsFromName): answer this request with it
        ahead.adopt(req.id);
        loadJob = ahead.job;
        break;
      }
      ahead?.job.controller.abort();
      cancel(scoreJob);
      cancel(loadJob);
      loadJob = startJob(req.id, (signal) => load(req, signal));
      break;
    }
    case 'score':
      cancel(scoreJob);
      scoreJob = startJob(req.id, (signal, abort) => score(req, signal, abort));
      break;
    case 'tokenize':
      void tokenize(req);
      break;
    case 'warm':
      warm(req);
      break;
    case 'cancel':
      if (scoreJob?.id === req.id) cancel(scoreJob);
      if (loadJob?.id === req.id) cancel(loadJob);
      break;
    default:
      post({
        type: 'error',
        id: (req as { id?: number }).id ?? 0,
        phase: 'score',
        message: `unknown request ${JSON.stringify(req)}`,
      });
  }
};

/** Start the runtime before any model is chosen; a failure here surfaces, with its message, in the load that follows. */
function warm(options: WarmOptions): void {
  void warmRuntime({ assetsBase: options.assetsBase, preference: options.backend, threads: options.threads }).catch(
    () => undefined,
  );
}

/**
 * A load started as the worker started, before any request (the page named it in the worker's name:
 * protocol.ts workerName): the first load request with the same loadKey takes it over; any other request
 * ends it.
 */
let early: { key: string | null; job: Job; adopt(id: number): void } | null = null;

function startJob(id: number, run: (signal: AbortSignal, abort: () => void) => Promise<void>): Job {
  const controller = new AbortController();
  const done = run(controller.signal, () => controller.abort()).catch(() => undefined);
  return { id, controller, done };
}

/**
 * Answer `cancelled` at once (unless the job has answered already); the job stops at its next window
 * boundary. A score the shared cancel cell stopped has aborted already, and is answered here.
 */
function cancel(job: Job | null): void {
  if (!job) return;
  if (!job.controller.signal.aborted) job.controller.abort();
  post({ type: 'cancelled', id: job.id });
}

/** The id of the request a load answers: known later for a load started early. */
class AnswerTo {
  current: number | null = null;
  private resolve!: (id: number) => void;
  readonly id = new Promise<number>((r) => (this.resolve = r));
  set(id: number): void {
    this.current = id;
    this.resolve(id);
  }
}

/** The id of the load started early until a request takes it over (never posted). */
const EARLY_LOAD_ID = -1;

/** Load a model; `answer`: the request it answers is not known yet (a load started early). */
async function load(req: LoadRequest, signal: AbortSignal, answer?: AnswerTo): Promise<void> {
  const t0 = performance.now();
  const previous = model;
  const stopping = scoreJob?.done;
  let tokenizerRead!: (t: TextTokenizer) => void;
  let tokenizerFailed!: (e: unknown) => void;
  const nextTokenizer = new Promise<TextTokenizer>((resolve, reject) => {
    tokenizerRead = resolve;
    tokenizerFailed = reject;
  });
  nextTokenizer.catch(() => undefined);
  // set synchronously, so that a score (or a tokenize) sent right after this load waits for this model
  tokenizer = nextTokenizer;
  const next = (async (): Promise<LoadedModel> => {
    // the cancelled score must stop touching the old sessions before they are released
    await stopping;
    if (previous) await previous.then((m) => m.runtime.release()).catch(() => undefined);
    // bundled, URL / hub (through the cache) or dropped files; variant, external weights, memory guard
    const files = await readModelFiles(req.model, {
      signal,
      // the backend the model will most likely open on: a hub repository's listing picks its file for it
      target: async () => {
        const caps = await detectCapabilities();
        return expectedBackend({
          preference: req.backend,
          webgpu: caps.webgpu,
          softwareAdapter: caps.softwareAdapter,
          shaderF16: caps.shaderF16,
        });
      },
      onTokenizer: tokenizerRead,
      onProgress: (file, loaded, total, cached) => {
        const id = answer ? answer.current : req.id;
        if (id !== null) post({ type: 'load-progress', id, file, loaded, total, ...(cached ? { cached } : {}) });
      },
    });
    const { config, tokenizer, modelBytes } = files;
    signal.throwIfAborted();
    const runtime = await openModelRuntime({
      modelBytes,
      externalData: files.externalData,
      float16: files.float16,
      preference: req.backend,
      assetsBase: req.assetsBase,
      threads: req.threads,
      config,
      onFallback: (reason) => scoreJob && post({ type: 'fallback', id: scoreJob.id, backend: 'wasm', reason }),
      webgpuFailAfterWindows: req.webgpuFailAfterWindows,
      probeTokens: config.n_ctx,
      probeSoftwareAdapter: req.probeSoftwareAdapter,
      acceptWebgpuDisagreement: req.acceptWebgpuDisagreement,
      gpuMemory: {
        window: config.n_ctx,
        vocabSize: config.vocab_size,
        logitsElementBytes: files.logitsType === 'float16' ? 2 : 4,
        // the unfused attention's scores and a layer's KV, in the graph's float type
        attention: config.n_head ? { heads: config.n_head, elementBytes: files.float16 ? 2 : 4 } : null,
        kv:
          config.n_kv_head && config.head_dim
            ? { heads: config.n_kv_head, headDim: config.head_dim, elementBytes: files.float16 ? 2 : 4 }
            : null,
        largestWeight: files.largestWeight,
      },
    }).catch((e) => {
      throw files.openError(e);
    });
    if (signal.aborted) {
      await runtime.release();
      signal.throwIfAborted();
    }
    await files.commit(); // only a model that opened is kept
    // WebGPU's buffers hold a smaller window than WASM's memory: the window the backend can run, said
    const limit = runtime.windowLimit;
    const notes = limit && limit.window < config.n_ctx ? [...files.notes, limit.note] : files.notes;
    return {
      name: req.model.name,
      runtime,
      tokenizer,
      config: limit && limit.window < config.n_ctx ? { ...config, n_ctx: limit.window } : config,
      onnx: files.onnx,
      fromCache: files.fromCache,
      notes,
      variantChoice: files.variantChoice,
      bos: files.bos,
      configFile: files.configFile,
    };
  })();
  model = next;
  try {
    const m = await next;
    // a load started early answers the request that takes it over
    const id = answer ? await Promise.race([answer.id, aborted(signal)]) : req.id;
    post({
      type: 'loaded',
      id,
      info: {
        name: m.name,
        n_ctx: m.config.n_ctx,
        vocab_size: m.config.vocab_size,
        backend: m.runtime.backend,
        requested: req.backend,
        fallbackReason: m.runtime.fallbackReason,
        reason: m.runtime.reason,
        probe: m.runtime.probe,
        disagreement: m.runtime.disagreement,
        threads: m.runtime.threads,
        crossOriginIsolated: m.runtime.capabilities.crossOriginIsolated,
        adapter: m.runtime.capabilities.adapterDescription,
        loadMs: performance.now() - t0,
        onnx: m.onnx,
        fromCache: m.fromCache,
        notes: m.notes,
        variantChoice: m.variantChoice,
        bos: m.bos,
        configFile: m.configFile,
        specialTokens: m.tokenizer.specialTokens,
        scoringHead: headStatus(),
      },
    });
  } catch (e) {
    tokenizerFailed(e);
    if (model === next) model = null;
    if (tokenizer === nextTokenizer) tokenizer = null;
    if (signal.aborted) return;
    const id = answer ? await Promise.race([answer.id, aborted(signal)]).catch(() => null) : req.id;
    if (id !== null) post({ type: 'error', id, phase: 'load', message: errorMessage(e) });
  }
}

/** Rejects when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A text's tokens, by the tokenizer of the model loaded (or loading: answered once its files are read). */
async function tokenize(req: TokenizeRequest): Promise<void> {
  try {
    if (!tokenizer) throw new Error('no model is loaded');
    const { ids, start, end } = (await tokenizer).encode(req.text, { parseSpecial: req.parseSpecial === true });
    const columns = { ids: own(ids), start: own(start), end: own(end) };
    post({ type: 'tokenized', id: req.id, ...columns }, [columns.ids.buffer, columns.start.buffer, columns.end.buffer]);
  } catch (e) {
    post({ type: 'error', id: req.id, phase: 'score', message: errorMessage(e) });
  }
}

async function score(req: ScoreRequest, signal: AbortSignal, abort: () => void): Promise<void> {
  const t0 = performance.now();
  try {
    if (!model) throw new Error('no model is loaded');
    const m = await model;
    const before = m.runtime.counters();
    // full distributions cost O(V^2) per position on the CPU path: only where that stays within seconds
    const full =
      req.fullDistribution === true &&
      wantFullDistribution(
        m.tokenizer.encode(req.text, { parseSpecial: req.parseSpecial }).ids.length + 1,
        m.config.vocab_size,
      );
    const breakdown = { scorerMs: 0, yieldMs: 0, tokenizeMs: 0 };
    let lastProgress = -Infinity;
    let lastPartial = -Infinity;
    let partialFrom = 0;
    const shared = req.shared;
    // with shared cells a cancel needs no turn of the event loop, so turns can be rare
    const scorer = yieldingScorer(m.runtime.scorer, breakdown, shared ? YIELD_EVERY_MS_SHARED : YIELD_EVERY_MS);
    const capture = full ? captureDistributions(scorer, m.config.vocab_size) : null;
    // a window the user capped below the model's context (for speed): the engine sees that context
    const config =
      req.window !== undefined && Number.isInteger(req.window) && req.window >= 2 && req.window < m.config.n_ctx
        ? { ...m.config, n_ctx: req.window }
        : m.config;
    // columns straight from the windows, transferred without a copy (src/lib/scoring/packed.ts)
    const { packed, transfer } = await scoreTextPacked(req.text, {
      tokenizer: m.tokenizer,
      config,
      scorer: capture?.scorer ?? scorer,
      model: m.name,
      stride: req.stride,
      parseSpecial: req.parseSpecial,
      k: req.k ?? 5,
      signal,
      onProgress: (p) => {
        // the tokens final since the last partial: the first window's at once, then at most every PARTIAL_EVERY_MS
        if (req.partial && p.windowsDone < p.windowsTotal && performance.now() - lastPartial >= PARTIAL_EVERY_MS) {
          lastPartial = performance.now();
          const part = partialScore(p, partialFrom);
          partialFrom = p.doneThrough;
          post({ type: 'partial', id: req.id, ...part }, [part.logprob.buffer, part.rank.buffer, part.entropy.buffer]);
        }
        if (shared) {
          if (Atomics.load(shared, SHARED_CANCEL) >= req.id) abort(); // the next window's check stops the loop
          Atomics.store(shared, SHARED_TOTAL, p.windowsTotal);
          Atomics.store(shared, SHARED_DONE, p.windowsDone);
          Atomics.store(shared, SHARED_PROGRESS_ID, req.id);
          return;
        }
        // the first window, then at most every PROGRESS_EVERY_MS, and the last: each message costs both threads
        const at = performance.now();
        if (p.windowsDone > 1 && p.windowsDone < p.windowsTotal && at - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = at;
        post({ type: 'progress', id: req.id, done: p.windowsDone, total: p.windowsTotal });
      },
      timing: breakdown,
    });
    signal.throwIfAborted();
    const runtime = diff(m.runtime.counters(), before);
    const distributions = req.fullDistribution
      ? (capture?.result(m.config.bos_token_id === null ? 1 : 0) ?? null)
      : undefined;
    if (distributions) transfer.push(distributions.logprobs.buffer as ArrayBuffer);
    post(
      {
        type: 'scored',
        id: req.id,
        packed,
        timing: { totalMs: performance.now() - t0, windows: runtime.forwardPasses, runtime, breakdown },
        ...(distributions !== undefined ? { distributions } : {}),
      },
      transfer,
    );
  } catch (e) {
    if (!signal.aborted) post({ type: 'error', id: req.id, phase: 'score', message: errorMessage(e) });
  }
}

/**
 * A WASM session.run resolves through microtasks only, so a loop of windows would never let a `cancel`
 * (or a newer `score`) message in: give the event loop a turn before a window once `everyMs` have passed
 * since the last turn. A turn costs 0.6 to 2 ms here, so a short window (20 ms for the smallest model)
 * does not pay for one every time. Without the shared cells a cancel waits at most YIELD_EVERY_MS
 * plus one window; with them, one window.
 */
function yieldingScorer(
  scorer: WindowScorer,
  times: { scorerMs: number; yieldMs: number },
  everyMs: number,
): WindowScorer {
  let lastTurn = performance.now(); // the request itself was a turn
  return {
    get backend() {
      return scorer.backend;
    },
    async scoreWindow(req) {
      const t0 = performance.now();
      if (t0 - lastTurn >= everyMs) {
        await yieldToEventLoop();
        lastTurn = performance.now();
      }
      const t1 = performance.now();
      try {
        return await scorer.scoreWindow(req);
      } finally {
        times.yieldMs += t1 - t0;
        times.scorerMs += performance.now() - t1;
      }
    },
  };
}

const YIELD_EVERY_MS = 100;

/**
 * The same where the page shares cells (ScoreRequest.shared): cancels and newer scores are seen after
 * every window without a turn, so the turns only keep the worker's other messages moving.
 */
const YIELD_EVERY_MS_SHARED = 1000;

/**
 * Without shared cells, progress goes to the page at most this often (and after the first and the last
 * window): a message costs the worker about a millisecond and the page a render, and the smallest model
 * does a window every 20 ms, faster than a progress bar needs.
 */
const PROGRESS_EVERY_MS = 100;

const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();

/**
 * One macrotask turn, through a message to ourselves: queued behind the page's messages, and without
 * setTimeout's 4 ms clamp. (scheduler.yield() would not do: its continuation outranks the messages.)
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

function diff(a: RuntimeCounters, b: RuntimeCounters): RuntimeCounters {
  // after a mid-text fallback the counters are the WASM scorer's, which started at zero
  const d = {
    forwardPasses: a.forwardPasses - b.forwardPasses,
    runMs: a.runMs - b.runMs,
    bytesReadBack: a.bytesReadBack - b.bytesReadBack,
    headMs: a.headMs - b.headMs,
  };
  return d.forwardPasses >= 0 ? d : a;
}

// the warm start and the early load the page named (above), now that everything they use is defined
{
  const options = warmOptionsFromName(self.name);
  if (options) warm(options);
  if (options?.load) {
    const request: LoadRequest = { ...options.load, type: 'load', id: EARLY_LOAD_ID };
    const answer = new AnswerTo();
    const job = startJob(EARLY_LOAD_ID, (signal) => load(request, signal, answer));
    early = {
      key: loadKey(request),
      job,
      adopt(id: number) {
        answer.set(id);
        job.id = id;
      },
    };
  }
}
