/**
 * Comparison mode's state: one model per panel, from the page's model service (a model the Playground
 * has loaded already is shared, not loaded again; models load in parallel, score one after another so
 * that each run has the CPU to itself), the real tokenizers' counts, and the "same tokenizer,
 * two models" pair. The text is the page's one shared text (app-state); this module only reads it and
 * the settings (backend, threads, stride). It lives as long as the page, so switching views keeps the
 * loaded models.
 */
import { CancelledError } from '../worker/client';
import { modelService } from './loaded-models.svelte';
import type { ModelLease } from './model-service';
import { TokenizerClient } from '../worker/tokenizer-client';
import type { TokenCount } from '../worker/tokenizer-protocol';
import type { LoadedModelInfo, ModelRef } from '../worker/protocol';
import type { BundledModel } from '../lib/models/bundled-manifest';
import type { ScoreResult } from '../lib/scoring/types';
import { compareSameTokenizer, defaultPair, type DivergenceReport } from '../lib/compare/divergence';
import { app, MAX_CHARS } from './app-state.svelte';
import { storedSetting, textSetting, writeSetting } from './storage';

/** The three bundled models that differ only in their tokenizer. */
export const DEFAULT_COMPARE_MODELS = ['tiny-byte', 'tiny-bpe1k', 'tiny-bpe8k'];
/** Texts up to this many characters are compared as you type (debounced). */
export const AUTO_COMPARE_MAX_CHARS = 2000;
const AUTO_COMPARE_DELAY_MS = 900;
/** The models last compared, as ids (checked against the models offered when read). */
const COMPARE_MODELS = textSetting('pp.compare-models', '', true);

export type PanelStatus = 'loading' | 'ready' | 'waiting' | 'scoring' | 'scored' | 'error';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A model Compare can show: a bundled one (its size and tokenizer known from the manifest) or one the
 * user brought in the Playground (a URL, a hub repo or local files; known once loaded).
 */
export interface CompareModel {
  id: string;
  label: string;
  ref: ModelRef;
  /** The tokenizer in words, e.g. "byte-level BPE"; null until known. */
  tokenizer: string | null;
  vocab_size: number | null;
  n_ctx: number | null;
  snapshot?: BundledModel['snapshot'];
  /** True for models the user brought. */
  custom: boolean;
}

const TOKENIZER_KINDS: Record<string, string> = { byte: 'bytes (no merges)', 'byte-bpe': 'byte-level BPE' };

/** The models Compare offers: the bundled ones, then the ones the user brought (smallest vocabulary first). */
export function compareModels(bundled: BundledModel[] = app.models): CompareModel[] {
  const own: CompareModel[] = bundled.map((m) => ({
    id: m.id,
    label: m.id,
    ref: { kind: 'url', url: new URL(`models/${m.path}`, app.assetsBase).href, name: m.id, onnx: m.onnx },
    tokenizer: TOKENIZER_KINDS[m.tokenizer_kind] ?? m.tokenizer_kind,
    vocab_size: m.vocab_size,
    n_ctx: m.n_ctx,
    snapshot: m.snapshot,
    custom: false,
  }));
  const brought: CompareModel[] = app.customModels.map((m) => ({
    id: m.id,
    label: m.label,
    ref: m.ref,
    tokenizer: null,
    vocab_size: null,
    n_ctx: null,
    custom: true,
  }));
  const byVocab = (a: CompareModel, b: CompareModel) =>
    (a.vocab_size ?? Infinity) - (b.vocab_size ?? Infinity) || a.id.localeCompare(b.id);
  return [...own.sort(byVocab), ...brought];
}

function modelRequest(model: CompareModel) {
  return {
    model: model.ref,
    backend: app.backendPreference,
    threads: app.threads,
    assetsBase: app.assetsBase,
  };
}

/** One model of the comparison, held through the model service. */
export class ComparePanel {
  readonly model: CompareModel;
  status = $state<PanelStatus>('loading');
  error = $state<string | null>(null);
  info = $state.raw<LoadedModelInfo | null>(null);
  result = $state.raw<ScoreResult | null>(null);
  /** The text `result` belongs to. */
  scoredText = $state('');
  progress = $state<{ done: number; total: number } | null>(null);
  /** Load progress in bytes. */
  loadProgress = $state<{ loaded: number; total: number | null } | null>(null);
  readonly lease: ModelLease;
  /** Settles true once loaded, false when the load failed. */
  readonly loaded: Promise<boolean>;

  constructor(model: CompareModel) {
    this.model = model;
    this.lease = modelService.open(
      modelRequest(model),
      'compare',
      (_file, loaded, total) => (this.loadProgress = { loaded, total }),
    );
    this.loaded = this.lease.info
      .then((info) => {
        this.info = info;
        this.status = 'ready';
        return true;
      })
      .catch((e) => {
        this.status = 'error';
        this.error = `${model.id} could not be loaded: ${message(e)}`;
        return false;
      })
      .finally(() => (this.loadProgress = null));
  }

  get id(): string {
    return this.model.id;
  }

  dispose(): void {
    this.lease.release();
  }
}

/** Comparison mode's page state. */
class CompareState {
  /** Panels in the order the user chose the models. */
  panels = $state<ComparePanel[]>([]);
  /** Completed comparisons since the page opened (tests wait for it to grow). */
  runs = $state(0);
  /** The text of the last comparison. */
  scoredText = $state('');
  running = $state(false);
  /** A message about the text itself (empty, too long); panel errors stay in their panels. */
  error = $state<string | null>(null);

  /** Real tokenizers asked for, and their counts of `countedText`. */
  tokenizerCounts = $state<Record<string, TokenCount | { error: string } | 'loading'>>({});
  countedText = $state('');

  /** Same tokenizer, two models. */
  divergence = $state.raw<DivergenceReport | null>(null);
  divergenceText = $state('');
  /** The reference model's tokens of `divergenceText`. */
  divergenceTokens = $state.raw<ScoreResult['tokens']>([]);
  divergenceStatus = $state<'idle' | 'running' | 'done' | 'error'>('idle');
  divergenceError = $state<string | null>(null);
  divergencePair = $state.raw<{ reference: string; test: string } | null>(null);

  private initialised = false;
  private generation = 0;
  private autoTimer: ReturnType<typeof setTimeout> | null = null;
  private tokenizers: TokenizerClient | null = null;
  private pairLeases: { reference: ModelLease; test: ModelLease; ids: [string, string] } | null = null;
  private divergenceGeneration = 0;

  /** The models chosen at first: ?compare=a,b in the URL, else the last choice, else the defaults. */
  init(bundled: BundledModel[]): void {
    const models = compareModels(bundled);
    if (this.initialised || models.length === 0) return;
    this.initialised = true;
    const fromQuery = new URL(location.href).searchParams.get('compare');
    const stored = storedSetting(COMPARE_MODELS);
    const known = (ids: string[]) => ids.filter((id) => models.some((m) => m.id === id));
    let ids = known((fromQuery ?? stored ?? '').split(',').filter(Boolean));
    if (ids.length === 0) ids = known(DEFAULT_COMPARE_MODELS);
    if (ids.length === 0)
      ids = models
        .filter((m) => !m.snapshot && !m.custom)
        .slice(0, 3)
        .map((m) => m.id);
    this.setModels(ids, models);
    this.divergencePair = defaultPair(bundled);
    if (app.text.length > 0 && app.text.length <= AUTO_COMPARE_MAX_CHARS) void this.compare();
  }

  /** Choose the models: new ones get a panel (and a worker), dropped ones release theirs. */
  setModels(ids: string[], models: CompareModel[] = compareModels()): void {
    const keep = this.panels.filter((p) => ids.includes(p.id));
    for (const p of this.panels) if (!ids.includes(p.id)) p.dispose();
    this.panels = ids.flatMap((id) => {
      const existing = keep.find((p) => p.id === id);
      if (existing) return [existing];
      const model = models.find((m) => m.id === id);
      return model ? [new ComparePanel(model)] : [];
    });
    writeSetting(COMPARE_MODELS, ids.join(','));
  }

  toggleModel(id: string, on: boolean): void {
    const ids = this.panels.map((p) => p.id).filter((x) => x !== id);
    if (on) {
      // in the order they are offered: smallest vocabulary first (bytes, then ever longer tokens)
      ids.push(id);
      const order = compareModels().map((m) => m.id);
      ids.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    }
    this.setModels(ids);
    if (on && this.scoredText) void this.compare(this.scoredText);
  }

  /** The text as the user types it in comparison mode: short texts are compared once typing pauses. */
  editText(text: string): void {
    app.setText(text);
    if (this.autoTimer !== null) clearTimeout(this.autoTimer);
    this.autoTimer = null;
    if (text.length === 0 || text.length > AUTO_COMPARE_MAX_CHARS) return;
    this.autoTimer = setTimeout(() => {
      this.autoTimer = null;
      if (app.text !== this.scoredText) void this.compare();
    }, AUTO_COMPARE_DELAY_MS);
  }

  /** Score the text with every panel's model, one after another; a newer call replaces this one. */
  async compare(text: string = app.text): Promise<void> {
    if (this.autoTimer !== null) clearTimeout(this.autoTimer);
    this.autoTimer = null;
    const generation = ++this.generation;
    if (text.length === 0) {
      this.error = 'Nothing to compare: the text is empty. Type or paste some text above.';
      this.scoredText = '';
      this.running = false;
      for (const p of this.panels) {
        p.result = null;
        if (p.status !== 'error' && p.status !== 'loading') p.status = 'ready';
      }
      return;
    }
    if (text.length > MAX_CHARS) {
      this.error = `This text is ${text.length.toLocaleString('en-US')} characters; comparison mode scores up to ${MAX_CHARS.toLocaleString('en-US')}.`;
      this.running = false;
      for (const p of this.panels)
        if (p.status === 'waiting' || p.status === 'scoring') p.status = p.result ? 'scored' : 'ready';
      return;
    }
    this.error = null;
    this.running = true;
    const panels = [...this.panels];
    for (const p of panels) if (p.status !== 'error' && p.status !== 'loading') p.status = 'waiting';
    for (const p of panels) {
      if (!(await p.loaded)) continue;
      if (generation !== this.generation) return;
      if (!this.panels.includes(p)) continue;
      p.status = 'scoring';
      p.progress = { done: 0, total: 0 };
      try {
        const { result } = await p.lease.score(text, { stride: app.stride }, (done, total) => {
          if (generation === this.generation) p.progress = { done, total };
        });
        if (generation !== this.generation) return;
        p.result = result;
        p.scoredText = text;
        p.error = null;
        p.status = 'scored';
      } catch (e) {
        if (generation !== this.generation) return;
        if (!this.panels.includes(p)) continue; // its model was unticked while it scored
        if (e instanceof CancelledError) return;
        p.result = null;
        p.error = `${p.id} could not score the text: ${message(e)}`;
        p.status = 'error';
      } finally {
        p.progress = null;
      }
    }
    if (generation !== this.generation) return;
    this.scoredText = text;
    this.running = false;
    this.runs++;
    void this.recount();
  }

  cancel(): void {
    this.generation++;
    this.running = false;
    for (const p of this.panels) {
      p.lease.cancel();
      p.progress = null;
      if (p.status === 'scoring' || p.status === 'waiting') p.status = p.result ? 'scored' : 'ready';
    }
  }

  /** Count the text's tokens with a real tokenizer (imported on first use, in its own worker). */
  async countTokens(id: string, text: string = this.scoredText || app.text): Promise<void> {
    this.tokenizers ??= new TokenizerClient();
    if (this.countedText !== text) {
      // counts of another text are stale: recount the ones asked for so far
      const asked = Object.keys(this.tokenizerCounts).filter((k) => k !== id);
      this.countedText = text;
      this.tokenizerCounts = {};
      for (const other of asked) void this.countTokens(other, text);
    }
    this.tokenizerCounts = { ...this.tokenizerCounts, [id]: 'loading' };
    try {
      const count = await this.tokenizers.count(id, text);
      if (this.countedText === text) this.tokenizerCounts = { ...this.tokenizerCounts, [id]: count };
    } catch (e) {
      if (this.countedText === text) this.tokenizerCounts = { ...this.tokenizerCounts, [id]: { error: message(e) } };
    }
  }

  /** After a comparison: recount with the tokenizers asked for so far. */
  private async recount(): Promise<void> {
    const asked = Object.keys(this.tokenizerCounts);
    if (asked.length === 0 || this.countedText === this.scoredText) return;
    this.countedText = this.scoredText;
    this.tokenizerCounts = {};
    await Promise.all(asked.map((id) => this.countTokens(id, this.scoredText)));
  }

  setDivergencePair(reference: string, test: string): void {
    this.divergencePair = { reference, test };
  }

  /**
   * Score the text with both models of the pair, with full distributions where they are affordable
   * (exact KL), and compare their predictions.
   */
  async runDivergence(text: string = app.text): Promise<void> {
    const pair = this.divergencePair;
    if (!pair) return;
    const generation = ++this.divergenceGeneration;
    this.divergenceStatus = 'running';
    this.divergenceError = null;
    const models = [pair.reference, pair.test].map((id) => compareModels().find((m) => m.id === id));
    try {
      if (text.length === 0) throw new Error('the text is empty');
      if (!models[0] || !models[1]) throw new Error(`unknown model: ${pair.reference} or ${pair.test}`);
      if (!this.pairLeases || this.pairLeases.ids[0] !== pair.reference || this.pairLeases.ids[1] !== pair.test) {
        this.releasePair();
        const reference = modelService.open(modelRequest(models[0]), 'compare-pair');
        const test = modelService.open(modelRequest(models[1]), 'compare-pair');
        this.pairLeases = { reference, test, ids: [pair.reference, pair.test] };
        const [a, b] = await Promise.allSettled([reference.info, test.info]);
        if (a.status === 'rejected') throw new Error(`${pair.reference} could not be loaded: ${message(a.reason)}`);
        if (b.status === 'rejected') throw new Error(`${pair.test} could not be loaded: ${message(b.reason)}`);
      }
      const clients = this.pairLeases;
      // exact KL where the worker can afford full distributions; else a top-k lower bound
      const full = true;
      const a = await clients.reference.score(text, { stride: app.stride, k: 16, fullDistribution: full });
      if (generation !== this.divergenceGeneration) return;
      const b = await clients.test.score(text, { stride: app.stride, k: 16, fullDistribution: full });
      if (generation !== this.divergenceGeneration) return;
      this.divergence = compareSameTokenizer(a.result, b.result, a.distributions ?? null, b.distributions ?? null);
      this.divergenceText = text;
      this.divergenceTokens = a.result.tokens;
      this.divergenceStatus = 'done';
    } catch (e) {
      if (generation !== this.divergenceGeneration || e instanceof CancelledError) return;
      this.releasePair();
      this.divergenceError = message(e);
      this.divergenceStatus = 'error';
    }
  }

  private releasePair(): void {
    this.pairLeases?.reference.release();
    this.pairLeases?.test.release();
    this.pairLeases = null;
  }
}

export const compare = new CompareState();
