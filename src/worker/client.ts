/**
 * The page's side of the inference worker: promises over the message protocol (./protocol.ts).
 *
 *   const client = new InferenceClient();
 *   const info = await client.load({ model, backend: 'auto', threads: 0, assetsBase });
 *   const { result } = await client.score('Call me Ishmael.', {}, (done, total) => ...);
 *
 * A new score() cancels the running one, whose promise rejects with a CancelledError; so does a new
 * load() for both.
 */
import {
  SHARED_CANCEL,
  SHARED_CELLS,
  SHARED_DONE,
  SHARED_PROGRESS_ID,
  SHARED_TOTAL,
  type LoadedModelInfo,
  type LoadRequest,
  type ScoreRequest,
  type ScoreTiming,
  type TokenizeRequest,
  type WarmOptions,
  type WarmRequest,
  type WorkerEvent,
  type WorkerRequest,
  workerName,
} from './protocol';
import { unpackResult } from '../lib/scoring/packed';
import type { PartialScore, TokenSpans } from '../lib/playground/preview';
import type { ScoreResult } from '../lib/scoring/types';
import type { FullDistributions } from '../lib/compare/full-distribution';

export type { PartialScore, TokenSpans };

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onProgress?: (a: number, b: number | null, file?: string, cached?: boolean) => void;
  /** performance.now() when the request was posted */
  sentAt: number;
  /** A score request's text: the result's token texts are slices of it. */
  text?: string;
  onPartial?: (partial: PartialScore) => void;
}

export interface ScoreOptions {
  /** Tokens per window, at most the model's context (see ScoreRequest.window). */
  window?: number;
  stride?: number;
  k?: number;
  /** Read special tokens' strings as those tokens (see ScoreRequest.parseSpecial). */
  parseSpecial?: boolean;
  /** Also return full predicted distributions (see ScoreRequest.fullDistribution). */
  fullDistribution?: boolean;
}

export class InferenceClient {
  /** Started on the first request (./protocol.ts workerName): a warm start names its options. */
  private started: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private currentScore = 0;
  private currentLoad = 0;
  /** ScoreRequest.shared: cells shared with the worker where the page is cross-origin isolated, else null. */
  private readonly shared: Int32Array | null =
    globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function'
      ? new Int32Array(new SharedArrayBuffer(SHARED_CELLS * 4))
      : null;
  /** Called when WebGPU fails mid-score and the worker goes on on WASM. */
  onFallback: ((reason: string) => void) | null = null;

  /** `worker`: one already started (tests); else the client starts its own on the first request. */
  constructor(worker?: Worker) {
    if (worker) this.attach(worker);
  }

  private get worker(): Worker {
    return this.started ?? this.attach(this.startWorker(workerName(null)));
  }

  private startWorker(name: string): Worker {
    return new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name });
  }

  private attach(worker: Worker): Worker {
    this.started = worker;
    worker.addEventListener('message', (e: MessageEvent<WorkerEvent>) => this.handle(e.data));
    worker.addEventListener('error', (e) => {
      const error = new Error(`the inference worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
    return worker;
  }

  /**
   * Start the runtime now, before any model is chosen, so that it overlaps the model's download (no answer);
   * with `load`, the worker loads that model at once, and answers the first load request that matches it.
   * As the first request, it starts the worker with the options in its name, and the worker warms as it
   * starts: a message posted while the page's first long task runs reaches a new worker only after that
   * task (Chromium delivers it through the page's thread), 150-250 ms later on a 2-core machine.
   * @example client.warm({ backend: 'auto', threads: 0, assetsBase });
   */
  warm(request: WarmOptions): void {
    if (!this.started) {
      this.attach(this.startWorker(workerName(request)));
      return;
    }
    const { backend, threads, assetsBase } = request; // a load started early needs a new worker
    this.worker.postMessage({ backend, threads, assetsBase, type: 'warm', id: this.nextId++ } satisfies WarmRequest);
  }

  /**
   * Load a model (cancels any running load or score).
   * @example await client.load({ model: { kind: 'url', url, name: 'tiny-bpe1k' }, backend: 'auto', threads: 0, assetsBase });
   */
  load(
    request: Omit<LoadRequest, 'type' | 'id'>,
    onProgress?: (file: string, loaded: number, total: number | null, cached?: boolean) => void,
  ): Promise<LoadedModelInfo> {
    if (this.currentScore) this.cancel(this.currentScore);
    if (this.currentLoad) this.cancel(this.currentLoad);
    const id = this.nextId++;
    this.currentLoad = id;
    return this.request<LoadedModelInfo>({ ...request, type: 'load', id }, (loaded, total, file, cached) =>
      onProgress?.(file ?? '', loaded, total, cached),
    );
  }

  /**
   * Score a text with the loaded model (cancels any running score). `onPartial` gets the tokens' numbers
   * as windows finish, before the result.
   * @example const { result, timing } = await client.score(text, { k: 5 }, (done, total) => bar.set(done / total));
   */
  score(
    text: string,
    options: ScoreOptions = {},
    onProgress?: (done: number, total: number) => void,
    onPartial?: (partial: PartialScore) => void,
  ): Promise<{ result: ScoreResult; timing: ScoreTiming; distributions?: FullDistributions | null }> {
    if (this.currentScore) this.cancel(this.currentScore);
    const id = this.nextId++;
    this.currentScore = id;
    const req: ScoreRequest = {
      type: 'score',
      id,
      text,
      ...options,
      ...(this.shared ? { shared: this.shared } : {}),
      ...(onPartial ? { partial: true } : {}),
    };
    const answer = this.request<{ result: ScoreResult; timing: ScoreTiming; distributions?: FullDistributions | null }>(
      req,
      (done, total) => onProgress?.(done, total ?? 0),
      text,
      onPartial,
    );
    if (this.shared && onProgress) this.watchProgress(this.shared, id, onProgress);
    return answer;
  }

  /** A score's progress from the shared cells, read once a frame until the score is answered. */
  private watchProgress(cells: Int32Array, id: number, onProgress: (done: number, total: number) => void): void {
    const nextFrame: (f: () => void) => void =
      typeof requestAnimationFrame === 'function' ? (f) => requestAnimationFrame(f) : (f) => setTimeout(f, 50);
    let shown = -1;
    const read = () => {
      if (!this.pending.has(id)) return;
      if (Atomics.load(cells, SHARED_PROGRESS_ID) === id) {
        const done = Atomics.load(cells, SHARED_DONE);
        if (done !== shown) {
          shown = done;
          onProgress(done, Atomics.load(cells, SHARED_TOTAL));
        }
      }
      nextFrame(read);
    };
    nextFrame(read);
  }

  /**
   * A text's tokens by the tokenizer of the model loaded or loading, as soon as its files are read (before
   * the model opens); cancels nothing. Rejects when no model is loaded or loading, or its load fails.
   * @example const { start, end } = await client.tokenize(text);
   */
  tokenize(text: string, parseSpecial = false): Promise<TokenSpans> {
    const req: TokenizeRequest = { type: 'tokenize', id: this.nextId++, text, parseSpecial };
    return this.request<TokenSpans>(req);
  }

  /** The id of the score running now (0 when none), for cancelling exactly that one later. */
  get runningScore(): number {
    return this.currentScore;
  }

  /** Cancel the running score (or the request with this id). */
  cancel(id: number = this.currentScore): void {
    if (!id) return;
    const cells = this.shared;
    if (cells && this.pending.get(id)?.text !== undefined) {
      // a score: raise the shared cell to its id (ids only grow, so a later score is never caught by it)
      for (let seen = Atomics.load(cells, SHARED_CANCEL); seen < id;) {
        const was = Atomics.compareExchange(cells, SHARED_CANCEL, seen, id);
        if (was === seen) break;
        seen = was;
      }
    }
    this.post({ type: 'cancel', id });
  }

  /** Cancel the running load, if any (its promise rejects with a CancelledError). */
  cancelLoad(): void {
    if (this.currentLoad) this.cancel(this.currentLoad);
  }

  terminate(): void {
    this.started?.terminate();
    for (const p of this.pending.values()) p.reject(new CancelledError());
    this.pending.clear();
  }

  private request<T>(
    req: WorkerRequest & { id: number },
    onProgress?: Pending['onProgress'],
    text?: string,
    onPartial?: Pending['onPartial'],
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, {
        resolve: resolve as (v: never) => void,
        reject,
        onProgress,
        sentAt: performance.now(),
        text,
        onPartial,
      });
      this.post(req);
    });
  }

  private post(req: WorkerRequest): void {
    this.worker.postMessage(req);
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.currentScore === id) this.currentScore = 0;
    if (this.currentLoad === id) this.currentLoad = 0;
    return p;
  }

  private handle(ev: WorkerEvent): void {
    switch (ev.type) {
      case 'load-progress':
        this.pending.get(ev.id)?.onProgress?.(ev.loaded, ev.total, ev.file, ev.cached);
        break;
      case 'progress':
        this.pending.get(ev.id)?.onProgress?.(ev.done, ev.total);
        break;
      case 'partial': {
        const { from, logprob, rank, entropy } = ev;
        this.pending.get(ev.id)?.onPartial?.({ from, logprob, rank, entropy });
        break;
      }
      case 'loaded':
        this.settle(ev.id)?.resolve(ev.info as never);
        break;
      case 'tokenized': {
        const { ids, start, end } = ev;
        this.settle(ev.id)?.resolve({ ids, start, end } satisfies TokenSpans as never);
        break;
      }
      case 'scored': {
        const p = this.settle(ev.id);
        if (!p) break;
        // the alternatives of a token are built when the page reads them (the inspector), not 20,000 at once
        const result = unpackResult(ev.packed, p.text ?? '', { topOnDemand: true });
        // the round trip adds what the worker cannot time itself: the messages and the unpacking here
        const timing: ScoreTiming = { ...ev.timing, roundTripMs: performance.now() - p.sentAt };
        p.resolve({ result, timing, distributions: ev.distributions } as never);
        break;
      }
      case 'fallback':
        this.onFallback?.(ev.reason);
        break;
      case 'cancelled':
        this.settle(ev.id)?.reject(new CancelledError());
        break;
      case 'error':
        this.settle(ev.id)?.reject(new Error(ev.message));
        break;
      default:
        throw new Error(`unknown worker event ${JSON.stringify(ev satisfies never)}`);
    }
  }
}
