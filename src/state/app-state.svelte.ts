/**
 * The page's state, shared by the views: the text (one text for every view, kept in localStorage), the
 * bundled models, the loaded model and the last score. Views read it and call its actions; only this
 * module talks to the inference worker.
 */
import { CancelledError, InferenceClient } from '../worker/client';
import type { LoadedModelInfo, ScoreTiming } from '../worker/protocol';
import type { BundledManifest, BundledModel } from '../lib/models/bundled-manifest';
import { parseBackendPreference, type BackendPreference } from '../lib/runtime/backends';
import type { ScoreResult } from '../lib/scoring/types';

const STORAGE = { text: 'pp.text', model: 'pp.model', backend: 'pp.backend' } as const;

export const DEFAULT_TEXT =
  'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, ' +
  'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery ' +
  'part of the world.';

function stored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null; // storage disabled
  }
}
function store(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    /* storage full or disabled: the text just is not kept */
  }
}

/** Query parameters that tests and benchmarks use: ?backend=wasm|webgpu|auto&threads=N&model=id&stride=N */
function queryParam(name: string): string | null {
  return new URL(location.href).searchParams.get(name);
}

export type Phase = 'starting' | 'loading' | 'ready' | 'scoring';

class AppState {
  /** The text every view works on. */
  text = $state(stored(STORAGE.text) ?? DEFAULT_TEXT);
  manifest = $state<BundledManifest | null>(null);
  modelId = $state('');
  backendPreference = $state<BackendPreference>('auto');
  threads = $state(0);
  /** Window stride in tokens; undefined = the engine's default, floor(n_ctx / 2). */
  stride = $state<number | undefined>(undefined);

  phase = $state<Phase>('starting');
  loaded = $state<LoadedModelInfo | null>(null);
  loadProgress = $state<{ file: string; loaded: number; total: number | null } | null>(null);
  progress = $state<{ done: number; total: number } | null>(null);
  result = $state.raw<ScoreResult | null>(null);
  timing = $state.raw<ScoreTiming | null>(null);
  /** The text the result belongs to (the text area may have changed since). */
  scoredText = $state('');
  /** Completed scores since the page opened (tests wait for it to grow). */
  scoreCount = $state(0);
  error = $state<string | null>(null);

  /** Absolute URL of the app root ('./' resolved against the page), where ort/ and models/ live. */
  readonly assetsBase = new URL('./', document.baseURI).href;
  private client: InferenceClient | null = null;
  /** Bumped by every load (and score), so that a superseded request leaves the state alone. */
  private loadGeneration = 0;
  private scoreGeneration = 0;

  get models(): BundledModel[] {
    return this.manifest?.models ?? [];
  }

  setText(text: string): void {
    this.text = text;
    store(STORAGE.text, text);
  }

  /** Fetch the manifest and load the first model. */
  async start(): Promise<void> {
    try {
      this.backendPreference = parseBackendPreference(queryParam('backend') ?? stored(STORAGE.backend));
      this.threads = Number(queryParam('threads') ?? 0) || 0;
      this.stride = Number(queryParam('stride') ?? 0) || undefined;
      const res = await fetch(new URL('models/manifest.json', this.assetsBase));
      if (!res.ok) throw new Error(`could not read the bundled models (HTTP ${res.status} for models/manifest.json)`);
      const manifest = (await res.json()) as BundledManifest;
      this.manifest = manifest;
      if (manifest.models.length === 0) throw new Error('no bundled model is available (models/manifest.json is empty)');
      const wanted = queryParam('model') ?? stored(STORAGE.model);
      this.modelId = manifest.models.some((m) => m.id === wanted) ? wanted! : manifest.default;
      await this.loadModel();
    } catch (e) {
      this.fail(e);
      if (this.phase === 'starting') this.phase = 'ready';
    }
  }

  async selectModel(id: string): Promise<void> {
    this.modelId = id;
    store(STORAGE.model, id);
    await this.loadModel();
  }

  async selectBackend(preference: BackendPreference): Promise<void> {
    this.backendPreference = preference;
    store(STORAGE.backend, preference);
    await this.loadModel();
  }

  async loadModel(): Promise<void> {
    const model = this.models.find((m) => m.id === this.modelId);
    if (!model) return;
    this.client ??= this.makeClient();
    const generation = ++this.loadGeneration;
    this.scoreGeneration++; // a load cancels the running score
    this.phase = 'loading';
    this.error = null;
    this.progress = null;
    this.loadProgress = null;
    try {
      const info = await this.client.load(
        {
          model: { kind: 'url', url: new URL(`models/${model.path}`, this.assetsBase).href, name: model.id },
          backend: this.backendPreference,
          threads: this.threads,
          assetsBase: this.assetsBase,
        },
        (file, loaded, total) => (this.loadProgress = { file, loaded, total }),
      );
      if (generation !== this.loadGeneration) return;
      this.loaded = info;
      this.phase = 'ready';
    } catch (e) {
      if (generation !== this.loadGeneration || e instanceof CancelledError) return; // replaced by a newer request
      this.loaded = null;
      this.phase = 'ready';
      this.fail(e);
    } finally {
      if (generation === this.loadGeneration) this.loadProgress = null;
    }
  }

  /** Score the current text; a newer call cancels this one. */
  async score(): Promise<void> {
    if (!this.client || !this.loaded) {
      this.error = 'no model is loaded';
      return;
    }
    const text = this.text;
    const generation = ++this.scoreGeneration;
    this.phase = 'scoring';
    this.error = null;
    this.progress = { done: 0, total: 0 };
    try {
      const { result, timing } = await this.client.score(text, { stride: this.stride }, (done, total) => {
        if (generation === this.scoreGeneration) this.progress = { done, total };
      });
      if (generation !== this.scoreGeneration) return;
      this.result = result;
      this.timing = timing;
      this.scoredText = text;
      this.scoreCount++;
    } catch (e) {
      if (generation !== this.scoreGeneration) return; // replaced by a newer request
      if (!(e instanceof CancelledError)) this.fail(e);
    }
    this.phase = 'ready';
    this.progress = null;
  }

  cancel(): void {
    this.scoreGeneration++;
    this.client?.cancel();
    this.phase = 'ready';
    this.progress = null;
  }

  private makeClient(): InferenceClient {
    const client = new InferenceClient();
    client.onFallback = (reason) => {
      if (this.loaded) this.loaded = { ...this.loaded, backend: 'wasm', fallbackReason: reason };
    };
    return client;
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
    console.error(e);
  }
}

export const app = new AppState();
