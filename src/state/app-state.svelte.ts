/**
 * The page's state, shared by the views: the text (one text for every view, kept in localStorage), the
 * bundled models, the loaded model and the last score. Views read it and call its actions; only this
 * module talks to the inference worker.
 */
import { CancelledError } from '../worker/client';
import { modelService } from './loaded-models.svelte';
import { bundledModelRef, loadSpec, readManifest, startupRuntime, wantedModel } from './page-models';
import type { ModelLease } from './model-service';
import type { LoadedModelInfo, ModelRef, ScoreTiming } from '../worker/protocol';
import type { BundledManifest, BundledModel } from '../lib/models/bundled-manifest';
import type { BackendPreference } from '../lib/runtime/backends';
import type { ScoreResult } from '../lib/scoring/types';
import type { PartialScore } from '../worker/client';
import { fillPreview, previewTokens, type Preview } from '../lib/playground/preview';
import { COLOUR_MODES, type ColourMode } from '../lib/playground/colour-modes';
import { parseShareHash, shareHash, usableStride } from '../lib/playground/share-link';
import { registerServiceWorker } from '../offline/register';
import { DEFAULT_TEXT } from '../lib/playground/default-text';
import { indexedDbTextStore, TextStore } from './text-store';
import {
  BACKEND_SETTING,
  MODEL_SETTING,
  clearSetting,
  enumSetting,
  jsonSetting,
  readSetting,
  webStorage,
  writeSetting,
  type Setting,
} from './storage';

const COLOUR_MODE = enumSetting<ColourMode>('pp.colour-mode', COLOUR_MODES, 'surprisal');
/** URL and hub models come back after a reload (from the cache when offline); dropped files cannot. */
const CUSTOM_MODELS = jsonSetting<CustomModel[]>('pp.custom-models', [], (list) =>
  Array.isArray(list)
    ? list.filter((m: Partial<CustomModel> | null) => m?.ref?.kind === 'url' && typeof m.id === 'string')
    : undefined,
);
/** A window cap: a whole number of tokens, 2 or more (checked against the model's context once it loads). */
const WINDOW: Setting<number | undefined> = {
  key: 'pp.window',
  defaultValue: undefined,
  parse: (raw) => usableWindow(Number(raw), null),
};

/** A window cap as the field takes it: a whole number of tokens, 2 or more, at most the context; else none. */
export function usableWindow(window: number | undefined, nCtx: number | null | undefined): number | undefined {
  if (window === undefined || !Number.isInteger(window) || window < 2) return undefined;
  return nCtx && window >= nCtx ? undefined : window;
}

/** A model the user brought (src/components/YourModelPanel.svelte): listed in the picker after the bundled ones. */
export interface CustomModel {
  /** The picker's option value; never a bundled id. */
  id: string;
  /** The picker's option text. */
  label: string;
  ref: ModelRef;
}

/** One file of the running load: bytes so far, size (null when unknown), whether it came from the cache. */
export interface FileProgress {
  loaded: number;
  total: number | null;
  cached: boolean;
}

/** Texts up to this many characters are scored as you type (debounced); longer ones on demand. */
export const AUTO_SCORE_MAX_CHARS = 2000;
/** Quiet time after the last keystroke before scoring as you type, ms. */
export const AUTO_SCORE_DELAY_MS = 700;
/**
 * Texts up to this many characters are scored by themselves when a model has loaded (on arrival, after
 * picking another model): a few seconds on WASM. Longer ones wait for Score.
 */
export const AUTO_SCORE_ON_LOAD_MAX_CHARS = 20_000;
/** The longest text the page scores: beyond it the tab would hold too many token elements. */
export const MAX_CHARS = 200_000;

/** The user's text: per tab, debounced, IndexedDB when Web Storage is full (text-store.ts). */
const textStore = new TextStore({
  local: webStorage('localStorage'),
  session: webStorage('sessionStorage'),
  large: indexedDbTextStore(),
});
for (const event of ['pagehide', 'visibilitychange'] as const) {
  globalThis.addEventListener?.(event, () => {
    if (event === 'pagehide' || document.visibilityState === 'hidden') textStore.flush();
  });
}

/** Query parameters that tests and benchmarks use: ?backend=wasm|webgpu|auto&threads=N&model=id&stride=N */
function queryParam(name: string): string | null {
  return new URL(location.href).searchParams.get(name);
}

export type Phase = 'starting' | 'loading' | 'ready' | 'scoring';

/** A new macrotask: lets the page paint and take input between two pieces of work. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

class AppState {
  /** The text every view works on. */
  text = $state(textStore.initial() ?? DEFAULT_TEXT);
  /** Why the text is not kept across visits (storage full or off), or null while it is. */
  textNotKept = $state<string | null>(null);
  manifest = $state<BundledManifest | null>(null);
  modelId = $state('');
  backendPreference = $state<BackendPreference>('auto');
  /** The model the user keeps on WebGPU although its numbers disagreed with WASM's (not kept across visits). */
  webgpuInsistedFor = $state<string | null>(null);
  threads = $state(0);
  /** Tokens per window below the model's context (a cap for speed); undefined = the model's context. */
  window = $state<number | undefined>(readSetting(WINDOW));
  /** Window stride in tokens; undefined = the engine's default, floor(window / 2). */
  stride = $state<number | undefined>(undefined);
  /** Read special tokens' strings in the text (`<|endoftext|>`) as those tokens; by default they are plain text. */
  parseSpecial = $state(false);
  /** What the heatmap colours by. */
  colourMode = $state<ColourMode>(readSetting(COLOUR_MODE));
  /** Models the user brought, in the order they were added. */
  customModels = $state.raw<CustomModel[]>(readSetting(CUSTOM_MODELS));
  /** Per-file progress of the running load (file -> bytes). */
  loadFiles = $state<Record<string, FileProgress>>({});

  phase = $state<Phase>('starting');
  loaded = $state<LoadedModelInfo | null>(null);
  loadProgress = $state<{ file: string; loaded: number; total: number | null } | null>(null);
  progress = $state<{ done: number; total: number } | null>(null);
  result = $state.raw<ScoreResult | null>(null);
  /** The text's tokens while its first result is on its way (null once it is there). */
  preview = $state.raw<Preview | null>(null);
  /** The preview's tokens 0 .. done - 1 are final; `scored` of them, with `nats` in all (the loss so far). */
  previewDone = $state({ done: 0, scored: 0, nats: 0 });
  /** The preview asked of the worker and not answered yet (not asked twice). */
  private previewAsked: Omit<Preview, 'tokens'> | null = null;
  timing = $state.raw<ScoreTiming | null>(null);
  /** The text the result belongs to (the text area may have changed since). */
  scoredText = $state('');
  /** Completed scores since the page opened (tests wait for it to grow). */
  scoreCount = $state(0);
  error = $state<string | null>(null);
  /** Load the model the user brought again, after its load failed (the error's Retry), or null. */
  retryLoad = $state.raw<(() => void) | null>(null);

  /** Absolute URL of the app root ('./' resolved against the page), where ort/ and models/ live. */
  readonly assetsBase = new URL('./', document.baseURI).href;
  /** The model service's hold on the loaded model, and on the one loading (which replaces it once loaded). */
  private lease: ModelLease | null = null;
  private pendingLease: ModelLease | null = null;
  /** The picker id of the model `lease` holds. */
  private loadedId = '';
  /** Bumped by every load (and score), so that a superseded request leaves the state alone. */
  private loadGeneration = 0;
  private scoreGeneration = 0;
  private autoScoreTimer: ReturnType<typeof setTimeout> | null = null;
  /** The text was set since the page opened (a late IndexedDB read must not replace it). */
  private textEdited = false;
  /** Score once the model is loaded (a share link was opened). */
  private scoreWhenLoaded = false;

  get models(): BundledModel[] {
    return this.manifest?.models ?? [];
  }

  setText(text: string): void {
    this.text = text;
    this.textEdited = true;
    textStore.save(text);
    if (this.preview && this.preview.text !== text) this.preview = null;
  }

  /**
   * Show the text's tokens while nothing else is on screen: asked of the model loading (answered once
   * its tokenizer is read) or loaded. A newer text, load or result makes the answer moot.
   */
  private requestPreview(lease: ModelLease, name: string): void {
    const text = this.text;
    const parseSpecial = this.parseSpecial;
    if (this.result || text.length === 0 || text.length > MAX_CHARS) return;
    const same = (p: Omit<Preview, 'tokens'> | null) =>
      p?.text === text && p.model === name && p.parseSpecial === parseSpecial;
    if (same(this.preview) || same(this.previewAsked)) return;
    const asked = { text, model: name, parseSpecial };
    this.previewAsked = asked;
    const generation = this.loadGeneration;
    lease
      .tokenize(text, parseSpecial)
      .then(
        (spans) => {
          if (generation !== this.loadGeneration || this.result || this.text !== text) return;
          this.preview = { ...asked, tokens: previewTokens(text, spans) };
          this.previewDone = { done: 0, scored: 0, nats: 0 };
        },
        () => undefined, // the load's or the score's own error says what went wrong
      )
      .finally(() => {
        if (this.previewAsked === asked) this.previewAsked = null;
      });
  }

  /** The text as the user types it: short texts are scored once typing pauses. */
  editText(text: string): void {
    this.setText(text);
    this.clearAutoScore();
    if (text.length === 0 || text.length > AUTO_SCORE_MAX_CHARS || !this.loaded) return;
    this.autoScoreTimer = setTimeout(() => {
      this.autoScoreTimer = null;
      if (this.text !== this.scoredText || !this.result) void this.score();
    }, AUTO_SCORE_DELAY_MS);
  }

  /** Replace the text and score it now (presets). */
  useText(text: string): void {
    this.setText(text);
    void this.score();
  }

  setColourMode(mode: ColourMode): void {
    this.colourMode = mode;
    writeSetting(COLOUR_MODE, mode);
  }

  /** Read special tokens' strings as those tokens (or as plain text), and score again. */
  setParseSpecial(on: boolean): void {
    this.parseSpecial = on;
    if (this.loaded && this.text.length > 0) void this.score();
  }

  /** Tokens per window: the model's context, or the user's cap below it (for speed). */
  get contextInUse(): number | null {
    const n = this.loaded?.n_ctx ?? null;
    return n === null ? null : Math.min(n, this.window ?? n);
  }

  /** A window cap (undefined = the model's context): kept for the next visit, and the text re-scored. */
  setWindow(window: number | undefined): void {
    const valid = usableWindow(window, this.loaded?.n_ctx);
    if (valid === this.window) return;
    this.window = valid;
    if (valid === undefined) clearSetting(WINDOW);
    else writeSetting(WINDOW, valid);
    this.stride = usableStride(this.stride, this.contextInUse);
    if (this.loaded && (this.result || this.text.length <= AUTO_SCORE_ON_LOAD_MAX_CHARS)) void this.score();
  }

  /** A new stride (undefined = the default) rescores the text that was scored. */
  setStride(stride: number | undefined): void {
    const valid = usableStride(stride, this.contextInUse);
    if (valid === this.stride) return;
    this.stride = valid;
    if (this.loaded && (this.result || this.text.length <= AUTO_SCORE_ON_LOAD_MAX_CHARS)) void this.score();
  }

  /** The link that reproduces this view: text, model, stride and colour mode in the hash. */
  shareUrl(): string {
    const url = new URL(location.href);
    url.hash = shareHash({ text: this.text, model: this.modelId, stride: this.stride, mode: this.colourMode });
    return url.href;
  }

  private clearAutoScore(): void {
    if (this.autoScoreTimer !== null) clearTimeout(this.autoScoreTimer);
    this.autoScoreTimer = null;
  }

  /** Fetch the manifest and load the first model. */
  async start(): Promise<void> {
    textStore.options.onStatus = (status) => (this.textNotKept = status.kept ? null : status.message);
    if (textStore.needsLarge()) {
      void textStore.load().then((text) => {
        if (text !== undefined && !this.textEdited) this.text = text;
      });
    }
    try {
      ({ backend: this.backendPreference, threads: this.threads } = startupRuntime());
      this.stride = Number(queryParam('stride') ?? 0) || undefined;
      // the worker, its runtime and the bundled model's load started with the page (src/main.ts)
      // a share link: its text and settings replace the stored ones, then the hash goes back to the
      // plain view so that a reload shows what the user types next (kept in localStorage)
      const shared = parseShareHash(location.hash);
      if (shared) {
        this.setText(shared.text);
        if (shared.stride) this.stride = shared.stride;
        if (shared.mode) this.setColourMode(shared.mode);
        if (shared.model) writeSetting(MODEL_SETTING, shared.model);
        this.scoreWhenLoaded = shared.text.length > 0 && shared.text.length <= MAX_CHARS;
        history.replaceState(history.state, '', location.href.replace(/#.*$/, '#/playground'));
      }
      const manifest = await readManifest(this.assetsBase);
      this.manifest = manifest;
      // the same choice the page's first code made for its early load (the share link's model is in the setting now)
      const wanted = wantedModel();
      this.modelId =
        manifest.models.some((m) => m.id === wanted) || this.customModels.some((m) => m.id === wanted)
          ? wanted!
          : manifest.default;
      const missing = shared?.model && shared.model !== this.modelId ? shared.model : null;
      if (missing) {
        // say so, rather than silently scoring the link's text with another model
        this.error =
          `The link asks for the model “${missing}”, which this page does not have (not bundled, and not one of your models): ` +
          `the text is scored with ${this.modelId} instead, so its numbers differ from the sender's.`;
      }
      await this.loadModel({ keepError: missing !== null });
    } catch (e) {
      this.fail(e);
      if (this.phase === 'starting') this.phase = 'ready';
    }
  }

  async selectModel(id: string): Promise<void> {
    this.modelId = id;
    writeSetting(MODEL_SETTING, id);
    await this.loadModel();
    // it failed: the model loaded before is still there, so the picker goes back to it (the error stays)
    if (this.modelId === id && this.lease && this.loadedId && this.loadedId !== id) {
      this.modelId = this.loadedId;
      writeSetting(MODEL_SETTING, this.loadedId);
    }
  }

  async selectBackend(preference: BackendPreference): Promise<void> {
    this.backendPreference = preference;
    writeSetting(BACKEND_SETTING, preference);
    await this.loadModel();
  }

  /** Keep the selected model on WebGPU although its numbers disagreed with WASM's (the backend line's button). */
  async insistOnWebgpu(): Promise<void> {
    this.webgpuInsistedFor = this.modelId;
    await this.loadModel();
  }

  /** Load the selected model; `keepError` keeps the message of a load that failed just before. */
  async loadModel(options: { keepError?: boolean } = {}): Promise<void> {
    const custom = this.customModels.find((m) => m.id === this.modelId);
    const model = custom ? null : this.models.find((m) => m.id === this.modelId);
    if (!model && !custom) return;
    const runtime = { backend: this.backendPreference, threads: this.threads };
    // a bundled model exactly as the page's first code asked for it (page-models.ts), so the worker's
    // early load of it is taken over rather than started again
    const spec = loadSpec(custom ? custom.ref : bundledModelRef(model!, this.assetsBase), runtime, this.assetsBase);
    const generation = ++this.loadGeneration;
    const id = this.modelId;
    this.scoreGeneration++; // a load cancels the running score
    if (this.preview?.model !== spec.model.name) this.preview = null; // another tokenizer splits it otherwise
    this.lease?.cancel();
    this.phase = 'loading';
    if (!options.keepError) this.error = null;
    this.retryLoad = null;
    this.progress = null;
    this.loadProgress = null;
    this.loadFiles = {};
    // the model loaded now stays usable until the new one is ready (and again if it fails)
    this.pendingLease?.release();
    this.pendingLease = null;
    try {
      const lease = modelService.open(
        { ...spec, acceptWebgpuDisagreement: this.webgpuInsistedFor === id || undefined },
        'playground',
        (file, loaded, total, cached) => {
          if (generation !== this.loadGeneration) return;
          this.loadProgress = { file, loaded, total };
          this.loadFiles[file] = { loaded, total, cached: cached === true };
        },
      );
      this.pendingLease = lease;
      if (this.text.length <= AUTO_SCORE_ON_LOAD_MAX_CHARS || this.scoreWhenLoaded)
        this.requestPreview(lease, spec.model.name);
      const info = await lease.info;
      if (generation !== this.loadGeneration) return;
      this.pendingLease = null;
      if (this.lease !== lease) this.lease?.release();
      this.lease = lease;
      this.loadedId = id;
      lease.onFallback = (now) => {
        if (this.lease === lease) this.loaded = now;
      };
      lease.onEnded = (message) => {
        if (this.lease !== lease) return;
        this.lease = null;
        this.loadedId = '';
        this.loaded = null;
        this.result = null;
        this.preview = null;
        this.error = message;
      };
      this.loaded = info;
      // a stride from a link or the query may be past this model's context: the engine's limit, as the field has
      this.window = usableWindow(this.window, info.n_ctx);
      this.stride = usableStride(this.stride, this.contextInUse);
      this.phase = 'ready';
      // the text on screen is scored by the model now loaded, without a click (a share link's text at any
      // length), unless the result on screen is already this text by this model (a failed load brought
      // the previous model back)
      const current =
        this.result?.model === info.name &&
        this.scoredText === this.text &&
        (this.stride ?? this.result.stride) === this.result.stride;
      const wanted =
        this.scoreWhenLoaded || (!current && this.text.length > 0 && this.text.length <= AUTO_SCORE_ON_LOAD_MAX_CHARS);
      this.scoreWhenLoaded = false;
      if (wanted) void this.score({ keepError: options.keepError });
    } catch (e) {
      if (generation !== this.loadGeneration) return; // replaced by a newer request
      this.pendingLease?.release();
      this.pendingLease = null;
      this.preview = null; // nothing will colour it
      if (e instanceof CancelledError) {
        // the user cancelled this load (cancelLoad): the model loaded before is still there
        this.phase = 'ready';
        return;
      }
      this.phase = 'ready';
      this.fail(e);
    } finally {
      if (generation === this.loadGeneration) this.loadProgress = null;
    }
  }

  /** Score the current text; a newer call cancels this one. `keepError` leaves a failed load's message up. */
  async score(options: { keepError?: boolean } = {}): Promise<void> {
    if (!this.lease || !this.loaded) {
      this.error = 'no model is loaded';
      return;
    }
    this.clearAutoScore();
    const text = this.text;
    if (text.length === 0) {
      this.error = 'Nothing to score: the text is empty. Type or paste some text, or pick a preset.';
      return;
    }
    if (text.length > MAX_CHARS) {
      this.error =
        `This text is ${text.length.toLocaleString('en-US')} characters; the playground scores up to ` +
        `${MAX_CHARS.toLocaleString('en-US')}. Your text is kept: cut it down, or score it with the command line (npm run score).`;
      return;
    }
    const generation = ++this.scoreGeneration;
    this.phase = 'scoring';
    if (!options.keepError) this.error = null;
    this.progress = { done: 0, total: 0 };
    // nothing on screen yet: the tokens at once, coloured as the windows finish
    const name = this.loaded.name;
    const preview = !this.result;
    if (preview) {
      // a preview another score began colouring starts again uncoloured (that score's numbers may differ)
      const p = this.preview;
      const stale = p && (p.text !== text || p.model !== name || p.parseSpecial !== this.parseSpecial);
      if (stale || this.previewDone.done > 0) this.preview = null;
      this.requestPreview(this.lease, name);
    }
    try {
      const { result, timing } = await this.lease.score(
        text,
        { window: this.window, stride: this.stride, parseSpecial: this.parseSpecial },
        (done, total) => {
          if (generation === this.scoreGeneration) this.progress = { done, total };
        },
        preview ? (part) => this.colourPreview(generation, text, part) : undefined,
      );
      if (generation !== this.scoreGeneration) return;
      // the records were rebuilt in this task; drawing them starts in the next one, so that neither
      // holds the page for long
      await nextTask();
      if (generation !== this.scoreGeneration) return;
      this.result = result;
      this.preview = null;
      this.timing = timing;
      this.scoredText = text;
      this.scoreCount++;
      if (this.scoreCount === 1) registerServiceWorker();
    } catch (e) {
      if (generation !== this.scoreGeneration) return; // replaced by a newer request
      this.preview = null; // half coloured would read as a result
      if (!(e instanceof CancelledError)) this.fail(e);
    }
    this.phase = 'ready';
    this.progress = null;
  }

  /** A score's final tokens into the preview of its text. */
  private colourPreview(generation: number, text: string, part: PartialScore): void {
    const preview = this.preview;
    if (generation !== this.scoreGeneration || !preview || preview.text !== text) return;
    const { nats, scored } = fillPreview(preview.tokens, part);
    const was = this.previewDone;
    this.previewDone = {
      done: Math.max(was.done, part.from + part.logprob.length),
      scored: was.scored + scored,
      nats: was.nats + nats,
    };
  }

  /**
   * Add (or replace) a model the user brought, select it and load it. When it fails or is cancelled it
   * leaves the picker, the model selected before comes back, and the error stays on screen.
   * @example await app.addCustomModel({ id: 'hub:Xenova/gpt2', label: 'Xenova/gpt2 (hub)', ref });
   */
  async addCustomModel(entry: CustomModel): Promise<boolean> {
    const previous = this.modelId === entry.id ? '' : this.modelId;
    this.customModels = [...this.customModels.filter((m) => m.id !== entry.id), entry];
    this.modelId = entry.id;
    await this.loadModel();
    if (this.modelId !== entry.id) return false; // another model was picked meanwhile
    if (this.loaded?.name === entry.ref.name) {
      this.storeCustomModels();
      writeSetting(MODEL_SETTING, entry.id);
      return true;
    }
    this.removeCustomModel(entry.id);
    this.modelId =
      previous && (this.models.some((m) => m.id === previous) || this.customModels.some((m) => m.id === previous))
        ? previous
        : (this.manifest?.default ?? '');
    await this.loadModel({ keepError: true });
    if (this.error) {
      this.retryLoad = () => {
        this.retryLoad = null;
        void this.addCustomModel(entry);
      };
    }
    return false;
  }

  /** Take a model the user brought out of the picker (its cached files stay until deleted). */
  removeCustomModel(id: string): void {
    this.customModels = this.customModels.filter((m) => m.id !== id);
    this.storeCustomModels();
  }

  /** Stop the running load. */
  cancelLoad(): void {
    this.pendingLease?.release();
    this.pendingLease = null;
  }

  private storeCustomModels(): void {
    writeSetting(
      CUSTOM_MODELS,
      this.customModels.filter((m) => m.ref.kind === 'url'),
    );
  }

  cancel(): void {
    this.clearAutoScore();
    this.scoreGeneration++;
    this.preview = null;
    this.lease?.cancel();
    this.phase = 'ready';
    this.progress = null;
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
    console.error(e);
  }
}

export const app = new AppState();
