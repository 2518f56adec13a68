/**
 * The page's one model service: every view (Playground, Compare, the guessing game) asks it for a
 * model, and a model is loaded once per page however many views use it. Each distinct model (its files,
 * backend preference and threads) has one inference worker; views hold leases on it.
 *
 *   const lease = models.open({ model, backend: 'auto', threads: 0, assetsBase }, 'playground');
 *   const info = await lease.info;                   // shared by every lease of the same model
 *   const { result } = await lease.score(text, { k: 5 });
 *   lease.release();                                 // the last release unloads the model
 *
 * Scores on one model run one after another in the order asked; a lease's new score replaces only that
 * lease's own queued or running score, never another view's. A model stays loaded while any lease holds
 * it; `unload` ends it for every holder (their scores then fail with a message that says so).
 */
import {
  CancelledError,
  InferenceClient,
  type PartialScore,
  type ScoreOptions,
  type TokenSpans,
} from '../worker/client';
import type { LoadedModelInfo, LoadRequest, ModelRef } from '../worker/protocol';
import type { BackendPreference } from '../lib/runtime';
import type { ScoreResult } from '../lib/scoring/types';
import type { FullDistributions } from '../lib/compare/full-distribution';
import type { ScoreTiming } from '../worker/protocol';

export type ModelSpec = Omit<LoadRequest, 'type' | 'id'>;
type LoadProgress = (file: string, loaded: number, total: number | null, cached?: boolean) => void;
type Scored = { result: ScoreResult; timing: ScoreTiming; distributions?: FullDistributions | null };

/** What the page shows of a loaded (or loading) model. */
export interface LoadedModel {
  key: string;
  name: string;
  status: 'loading' | 'ready';
  /** Views holding it, e.g. ['playground', 'compare']. */
  users: string[];
  info: LoadedModelInfo | null;
  /** Bytes of the files it was loaded from (weights, tokenizer, config): about what it holds in memory. */
  bytes: number;
}

const fileIds = new WeakMap<File, number>();
let nextFileId = 1;
/** The same File objects (a folder dropped once) are one model; another drop of the same files is another. */
function fileId(file: File): number {
  let id = fileIds.get(file);
  if (id === undefined) fileIds.set(file, (id = nextFileId++));
  return id;
}

/**
 * One string per distinct model: what is loaded (URL and ONNX file, or the dropped files), on what.
 * @example modelKey({ model: { kind: 'url', url: 'https://h/models/tiny-byte/', name: 'tiny-byte' }, backend: 'auto', threads: 0, assetsBase }) // 'auto|0|url:https://h/models/tiny-byte/|'
 */
export function modelKey(spec: ModelSpec): string {
  const ref: ModelRef = spec.model;
  const source =
    ref.kind === 'url'
      ? `url:${ref.url}|${ref.onnx ?? ''}`
      : `files:${ref.files.map(fileId).join(',')}|${ref.onnx ?? ''}`;
  const faults = spec.webgpuFailAfterWindows ? `|fault${spec.webgpuFailAfterWindows}` : '';
  const probe = spec.probeSoftwareAdapter ? '|probe' : '';
  const accept = spec.acceptWebgpuDisagreement ? '|accept-disagreement' : '';
  return `${spec.backend}|${spec.threads}|${source}${faults}${probe}${accept}`;
}

class Entry {
  readonly client: InferenceClient;
  readonly leases = new Set<ModelLease>();
  readonly progress = new Set<LoadProgress>();
  info: LoadedModelInfo | null = null;
  readonly loaded: Promise<LoadedModelInfo>;
  /** The tail of this model's score queue. */
  tail: Promise<unknown> = Promise.resolve();
  /** Bytes per file loaded. */
  readonly files = new Map<string, number>();
  /** Set once the model is unloaded: later scores fail with this message. */
  ended: string | null = null;

  constructor(
    readonly key: string,
    readonly name: string,
    client: InferenceClient,
    spec: ModelSpec,
    private readonly changed: () => void,
  ) {
    this.client = client;
    client.onFallback = (reason) => {
      if (!this.info) return;
      this.info = { ...this.info, backend: 'wasm', fallbackReason: reason, reason: `WASM: ${reason}` };
      for (const lease of this.leases) lease.onFallback?.(this.info);
      this.changed();
    };
    this.loaded = client.load(spec, (file, loaded, total, cached) => {
      if (file) this.files.set(file, total ?? loaded);
      for (const p of this.progress) p(file, loaded, total, cached);
    });
    this.loaded.then(
      (info) => {
        this.info = info;
        this.progress.clear();
        this.changed();
      },
      () => this.progress.clear(),
    );
  }
}

/**
 * One view's hold on a model. `info` settles when the model is loaded (shared with the other holders);
 * `score` queues behind the other holders' scores; `release` gives the hold back.
 */
export class ModelLease {
  readonly info: Promise<LoadedModelInfo>;
  /** Called when the model is unloaded from elsewhere (the loaded-models list), with the reason. */
  onEnded: ((message: string) => void) | null = null;
  /** Called when WebGPU fails mid-score and the model goes on on WASM. */
  onFallback: ((info: LoadedModelInfo) => void) | null = null;
  private current: { cancelled: boolean; clientId: number } | null = null;
  private released = false;

  constructor(
    private readonly entry: Entry,
    readonly owner: string,
    private readonly service: ModelService,
  ) {
    this.info = entry.loaded;
  }

  get key(): string {
    return this.entry.key;
  }

  /**
   * Score a text with this model; replaces this lease's previous score (which rejects with CancelledError).
   * `onPartial`: the tokens' numbers as windows finish, before the result.
   */
  score(
    text: string,
    options: ScoreOptions = {},
    onProgress?: (done: number, total: number) => void,
    onPartial?: (partial: PartialScore) => void,
  ): Promise<Scored> {
    this.cancel();
    const ticket = { cancelled: false, clientId: 0 };
    this.current = ticket;
    const entry = this.entry;
    const run = entry.tail.then(async (): Promise<Scored> => {
      if (ticket.cancelled || this.released) throw new CancelledError();
      if (entry.ended) throw new Error(entry.ended);
      await entry.loaded;
      if (ticket.cancelled) throw new CancelledError();
      const answer = entry.client.score(text, options, onProgress, onPartial);
      ticket.clientId = entry.client.runningScore;
      try {
        return await answer;
      } finally {
        ticket.clientId = 0;
        if (this.current === ticket) this.current = null;
      }
    });
    entry.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A text's tokens as this model splits it, as soon as its tokenizer is read (before the model has
   * opened): not queued behind scores, and cancels nothing.
   */
  tokenize(text: string, parseSpecial = false): Promise<TokenSpans> {
    if (this.entry.ended) return Promise.reject(new Error(this.entry.ended));
    return this.entry.client.tokenize(text, parseSpecial);
  }

  /** Cancel this lease's queued or running score, if any. */
  cancel(): void {
    const ticket = this.current;
    if (!ticket) return;
    ticket.cancelled = true;
    this.current = null;
    if (ticket.clientId) this.entry.client.cancel(ticket.clientId);
  }

  /** Give the hold back; the model is unloaded when no lease holds it any more. */
  release(): void {
    if (this.released) return;
    this.cancel();
    this.released = true;
    this.service.drop(this.entry, this);
  }
}

/** The page's models: one worker per distinct model, shared by every view. */
export class ModelService {
  /** What is loaded or loading now, for the page to show (./loaded-models.svelte.ts mirrors it). */
  models: readonly LoadedModel[] = [];
  /** Called whenever `models` changes. */
  onChange: ((models: readonly LoadedModel[]) => void) | null = null;
  private readonly entries = new Map<string, Entry>();
  /** A worker started ahead of the first model (warm), taken by the first open() that matches. */
  private spare: { client: InferenceClient; backend: BackendPreference; threads: number } | null = null;
  /** Workers ever started, for the debug hook. */
  private started = 0;

  constructor(private readonly makeClient: () => InferenceClient = () => new InferenceClient()) {}

  /**
   * Start a worker and its runtime before any model is chosen, so that it overlaps the downloads; with
   * `load`, the worker also loads that model at once, and the first open() of the same spec takes it over.
   */
  warm(backend: BackendPreference, threads: number, assetsBase: string, load: ModelSpec | null = null): void {
    if (this.spare || this.entries.size > 0) return;
    const client = this.newClient();
    client.warm({ backend, threads, assetsBase, ...(load ? { load } : {}) });
    this.spare = { client, backend, threads };
  }

  /**
   * A lease on a model, loading it unless it is loaded or loading already; `owner` names the view.
   * Progress reaches every lease that joins while the files download.
   */
  open(spec: ModelSpec, owner: string, onProgress?: LoadProgress): ModelLease {
    const key = modelKey(spec);
    let entry = this.entries.get(key);
    if (!entry) {
      const spare = this.spare;
      let client: InferenceClient;
      if (spare && spare.backend === spec.backend && spare.threads === spec.threads) {
        client = spare.client;
        this.spare = null;
      } else client = this.newClient();
      entry = new Entry(key, spec.model.name, client, spec, () => this.publish());
      this.entries.set(key, entry);
      const created = entry;
      created.loaded.catch(() => {
        // a model that failed to load is forgotten, so that the next open() tries again
        if (this.entries.get(key) === created) this.end(created, null);
      });
    }
    if (onProgress && !entry.info) entry.progress.add(onProgress);
    const lease = new ModelLease(entry, owner, this);
    entry.leases.add(lease);
    this.publish();
    return lease;
  }

  /** End a model for every holder (their later scores fail, saying it was unloaded). */
  unload(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.end(entry, `${entry.name} was unloaded; choose it again to reload it`);
  }

  /** For tests (window.__pp.models()): workers alive, models loaded, and leases per view. */
  debug(): { workers: number; models: number; started: number; leases: Record<string, number> } {
    const leases: Record<string, number> = {};
    for (const e of this.entries.values()) for (const l of e.leases) leases[l.owner] = (leases[l.owner] ?? 0) + 1;
    return {
      workers: this.entries.size + (this.spare ? 1 : 0),
      models: [...this.entries.values()].filter((e) => e.info).length,
      started: this.started,
      leases,
    };
  }

  /** @internal A lease gave its hold back. */
  drop(entry: Entry, lease: ModelLease): void {
    entry.leases.delete(lease);
    if (entry.leases.size === 0 && this.entries.get(entry.key) === entry) this.end(entry, null);
    else this.publish();
  }

  private end(entry: Entry, message: string | null): void {
    this.entries.delete(entry.key);
    entry.ended = message ?? `${entry.name} is no longer loaded`;
    entry.progress.clear();
    entry.client.terminate();
    if (message) for (const lease of entry.leases) lease.onEnded?.(message);
    this.publish();
  }

  private newClient(): InferenceClient {
    this.started++;
    return this.makeClient();
  }

  private publish(): void {
    this.models = [...this.entries.values()].map((e) => ({
      key: e.key,
      name: e.name,
      status: e.info ? 'ready' : 'loading',
      users: [...new Set([...e.leases].map((l) => l.owner))],
      info: e.info,
      bytes: [...e.files.values()].reduce((a, b) => a + b, 0),
    }));
    this.onChange?.(this.models);
  }
}
