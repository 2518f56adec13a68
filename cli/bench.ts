/**
 * Benchmark: every bundled model scores the same ~20,000-character text (Moby-Dick chapters of the test
 * split) in headless Chromium (WASM 1 thread, WASM all threads, WebGPU when an adapter exists) and
 * natively in Node with onnxruntime-node, in one run.
 *
 *   npm run bench [-- --models tiny-bpe1k,tiny-byte] [--chars 20000] [--webgpu-chars N] [--no-build]
 *                 [--no-browser] [--no-native] [--configs wasm-1,wasm-N,webgpu] [--repeat N] [--out bench-results]
 *
 * First, a first visit as a new user makes it (no query: auto backend, default model, nothing touched, a
 * fresh profile at 1366x768): the time from navigation to the text's first tokens on screen (uncoloured,
 * while the model opens) and to the first scored heatmap, cold (empty caches) and warm (the same profile
 * again, served by the app's service worker), and the longest main-thread task before it. --configs first-visit runs only that among the browser runs.
 * For each model and backend it prints tokens/s and the ratio to native; the cold start (navigation to
 * the pre-filled text's heatmap, scored on arrival, in a fresh browser context); forward passes (= windows); bytes read
 * back per token; the longest main-thread task from the click to the rendered result (PerformanceObserver
 * 'longtask', so 0 means none over 50 ms); the share of the scoring time spent outside session.run; and
 * which CPU scoring head ran ("head": wasm, or "TS fallback" where the WebAssembly one was unavailable or
 * failed, the reason in the JSON's scoring_head).
 * Before the measured run each page scores a warm-up text as long, from the validation chapters (300
 * characters on WebGPU), so that V8 has compiled onnxruntime's WebAssembly and the page's code to
 * optimised code. The text is pasted half a second before the click, as a person would, so the page has
 * laid it out.
 * Writes bench-results/<date>.json. With --repeat N each browser configuration runs N times, each in a
 * fresh context, and the run of median time is reported, with every repeat's time and share in `repeats`
 * (a 2-core machine's timings vary by tens of percent from run to run).
 *
 * On a software WebGPU adapter (SwiftShader, ~100x slower than WASM) the WebGPU runs score only the
 * first --webgpu-chars characters (default 1,500) so the run ends; the JSON records the length used.
 *
 * --configs real-model (also part of a full run): the largest real export the tests use (onnxruntime-genai's
 * builder Llama in ../shared/real: float16, external data, contrib operators) loaded by repo id from a local
 * imitation of the hub, then the same text scored on WASM and on WebGPU, with the page's memory after it
 * (performance.measureUserAgentSpecificMemory: the JavaScript and WebAssembly heaps of the page and its
 * workers; GPU buffers are not in it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadModelFolder } from '../src/lib/models/model-source';
import type { BundledManifest, BundledModel } from '../src/lib/models/bundled-manifest';
import { headStatus, scoreLogits } from '../src/lib/scoring/log-softmax';
import { scoreText } from '../src/lib/scoring/score-text';
import { DEFAULT_TEXT } from '../src/lib/playground/default-text';
import type { WindowScorer } from '../src/lib/scoring/types';
import { serveStatic } from '../tools/static-server';
import { startFakeHub } from '../tools/fake-hub';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, WEBGPU_FLAG } from '../tools/chromium';
import { nodeModelSource } from './node-model-source';
import { openNodeModel } from './ort-node';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The model folders; the build bundles the same (tools/vite-bundled-assets.ts). */
const MODELS_DIR = path.resolve(ROOT, process.env.PP_MODELS_DIR ?? 'models');
/** The test split's Moby-Dick chapters (training/data/split.json), in this order. */
const BENCH_CHAPTERS = [4, 60, 67, 116, 128];
/**
 * The validation split's Moby-Dick chapters: the warm-up text each page scores before the measured run.
 * Until a page has scored a few windows, V8 is still compiling onnxruntime's WebAssembly to optimised
 * code on background threads (measured: about 1.5 s of CPU during the first long text, on a 2-core
 * machine), which slows the page and the worker alike; the measured run should not pay for that.
 */
const WARMUP_CHAPTERS = [122, 127, 52, 53, 6];
/** Warm-up length on a software WebGPU adapter, whose every window takes seconds. */
const WEBGPU_WARMUP_CHARS = 300;
// the memory measurement answers at once instead of waiting for the next garbage collection
const BENCH_FLAGS = [...CHROMIUM_FLAGS, WEBGPU_FLAG, '--enable-blink-features=ForceEagerMeasureMemory'];

/** The real exporter's model the real-model runs load (read in place, never copied). */
const REAL_MODEL_DIR = path.join(ROOT, '..', 'shared', 'real', 'genai-builder-llama-fp16');
/** Characters of the benchmark text the real model scores (2,048-token windows of a 32,000-token vocabulary). */
const REAL_MODEL_CHARS = 4_000;

interface RealModelRun {
  config: string;
  backend: string;
  reason: string;
  chars: number;
  tokens_scored: number;
  seconds: number;
  tokens_per_second: number;
  load_ms: number;
  /** performance.measureUserAgentSpecificMemory() after scoring: page and workers, JS and WASM heaps. */
  memory_bytes: number | null;
}

/** The real exporter's model on one backend: loaded by repo id from a local hub, the text scored, memory read. */
async function benchRealModel(
  browser: Browser,
  baseUrl: string,
  endpoint: string,
  backend: 'wasm' | 'webgpu',
  text: string,
): Promise<RealModelRun> {
  const context = await browser.newContext();
  await context.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), endpoint);
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}?backend=${backend}#/playground`);
    await readResult(page, 1);
    await page.getByTestId('your-model-toggle').click();
    const t0 = Date.now();
    await page.getByTestId('model-url').fill('real/genai-llama-fp16');
    await page.getByTestId('model-load').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="backend"]')?.getAttribute('data-model')?.includes('genai-llama-fp16'),
      null,
      {
        timeout: 600_000,
      },
    );
    const loadMs = Date.now() - t0;
    const runs = Number(await page.getByTestId('result').getAttribute('data-run'));
    // the loaded model re-scores the text on screen by itself: let it, then score the benchmark text
    await readResult(page, runs + 1);
    await page.getByTestId('text-input').fill(text);
    await page.getByTestId('score-button').click();
    const r = await readResult(page, runs + 2);
    const memory = await page.evaluate(async () => {
      const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
        .measureUserAgentSpecificMemory;
      return measure && crossOriginIsolated ? (await measure.call(performance)).bytes : null;
    });
    return {
      config: backend,
      backend: r.backend,
      reason:
        (
          await page
            .getByTestId('backend-reason')
            .textContent()
            .catch(() => '')
        )?.trim() ?? '',
      chars: text.length,
      tokens_scored: r.tokensScored,
      seconds: r.totalMs / 1000,
      tokens_per_second: r.tokensScored / (r.totalMs / 1000),
      load_ms: loadMs,
      memory_bytes: memory,
    };
  } finally {
    await context.close();
  }
}

interface Options {
  models: string[] | null;
  chars: number;
  webgpuChars: number | null;
  build: boolean;
  browser: boolean;
  native: boolean;
  /** browser configurations to run (wasm-1, wasm-N, webgpu); null = all */
  configs: string[] | null;
  /** runs per browser configuration; the one of median time is reported */
  repeat: number;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    models: null,
    chars: 20_000,
    webgpuChars: null,
    build: true,
    browser: true,
    native: true,
    configs: null,
    repeat: 1,
    out: 'bench-results',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--models') o.models = value().split(',').filter(Boolean);
    else if (arg === '--chars') o.chars = Number(value());
    else if (arg === '--webgpu-chars') o.webgpuChars = Number(value());
    else if (arg === '--no-build') o.build = false;
    else if (arg === '--no-browser') o.browser = false;
    else if (arg === '--no-native') o.native = false;
    else if (arg === '--configs') o.configs = value().split(',').filter(Boolean);
    else if (arg === '--out') o.out = value();
    else if (arg === '--repeat') o.repeat = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(fs.readFileSync(import.meta.filename, 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (!(o.chars > 0)) throw new Error('--chars must be a positive number');
  if (!(Number.isInteger(o.repeat) && o.repeat >= 1)) throw new Error('--repeat must be a positive integer');
  return o;
}

/** The fixed benchmark text: the test chapters joined, cut to `chars` characters (or the warm-up's chapters). */
export function benchText(chars: number, chapters: number[] = BENCH_CHAPTERS): string {
  const dir = path.join(ROOT, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data');
  const text = chapters.map((c) => fs.readFileSync(path.join(dir, `chapter_${c}.txt`), 'utf8').trim()).join('\n\n');
  if (text.length < chars) throw new Error(`the benchmark text has only ${text.length} characters`);
  return text.slice(0, chars);
}

interface Run {
  model: string;
  /** 'native' | 'wasm-1' | 'wasm-N' | 'webgpu' */
  config: string;
  backend: string;
  threads: number | null;
  chars: number;
  tokens_scored: number;
  windows: number;
  seconds: number;
  tokens_per_second: number;
  ratio_to_native: number | null;
  cold_start_ms: number;
  bytes_read_back_per_token: number | null;
  longest_main_thread_task_ms: number | null;
  /**
   * 1 - (time in session.run) / (scoring time): tokenizing, windows, log-softmax, records, messages. In the
   * browser the scoring time is the main thread's round trip, from the request to the result's arrival.
   */
  share_outside_forward: number | null;
  /**
   * Browser runs: where the time outside session.run went, ms. scoring_maths: log-softmax, rank, entropy
   * and top k in TypeScript (WASM; on WebGPU the head is a graph inside session.run); calls: the rest of
   * the scorer's window calls (input tensors, the run queue, promise turns); event_loop: the worker's turns between
   * windows; tokenize: encoding and spans; engine: windows, the result's columns, totals;
   * message: the result's trip to the page and its records rebuilt there.
   */
  outside_ms?: {
    scoring_maths: number;
    calls: number;
    event_loop: number;
    tokenize: number;
    engine: number;
    message: number;
  };
  /**
   * The CPU scoring head: 'wasm' (head.wat), or 'typescript' where the WebAssembly one was unavailable or
   * failed, with the reason and (native runs) how many scored tokens took the TypeScript path because of
   * it; null on WebGPU, whose head is a graph inside session.run.
   */
  scoring_head: { path: 'wasm' | 'typescript'; reason: string | null; fallback_rows: number | null } | null;
  /** With --repeat: every repeat's scoring time (s) and share outside session.run; this run is the median time. */
  repeats?: { seconds: number[]; share_outside_forward: (number | null)[] };
  note?: string;
}

async function benchNative(entry: BundledModel, text: string): Promise<Run> {
  const model = entry.id;
  const folder = path.join(MODELS_DIR, entry.path);
  const t0 = performance.now();
  const source = nodeModelSource(folder);
  const { config, tokenizer } = await loadModelFolder(source);
  const m = await openNodeModel(await source.readBytes(entry.onnx ?? 'onnx/model.onnx'), config, folder);
  await scoreText(DEFAULT_TEXT, { tokenizer, config, scorer: m.scorer, model });
  const coldMs = performance.now() - t0;
  // the same scorer as m.scorer, timed around the forward pass
  let runMs = 0;
  let logitsBytes = 0;
  let windows = 0;
  const scorer: WindowScorer = {
    backend: 'node',
    async scoreWindow({ ids, from, k }) {
      const s = performance.now();
      const logits = await m.forward(ids);
      runMs += performance.now() - s;
      logitsBytes += (logits instanceof Float32Array ? logits : logits.bits).byteLength;
      windows++;
      return scoreLogits(logits, ids, from, k);
    },
  };
  const fallbackBefore = headStatus().fallbackRows;
  const s = performance.now();
  const result = await scoreText(text, { tokenizer, config, scorer, model });
  const seconds = (performance.now() - s) / 1000;
  await m.release();
  const head = headStatus();
  return {
    model,
    config: 'native',
    backend: 'onnxruntime-node (cpu)',
    threads: null,
    chars: text.length,
    tokens_scored: result.totals.tokens_scored,
    windows,
    seconds,
    tokens_per_second: result.totals.tokens_scored / seconds,
    ratio_to_native: 1,
    cold_start_ms: coldMs,
    bytes_read_back_per_token: logitsBytes / result.totals.tokens_scored,
    longest_main_thread_task_ms: null,
    share_outside_forward: 1 - runMs / (seconds * 1000),
    scoring_head: { path: head.path, reason: head.reason, fallback_rows: head.fallbackRows - fallbackBefore },
  };
}

/** Collect long tasks from the first moment of every page of the context. */
const LONGTASK_OBSERVER = `
  window.__longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
`;

interface PageResult {
  run: number;
  backend: string;
  totalMs: number;
  workerMs: number;
  scorerMs: number;
  yieldMs: number;
  tokenizeMs: number;
  windows: number;
  runMs: number;
  headMs: number;
  bytesReadBack: number;
  tokensScored: number;
}

async function readResult(page: Page, run: number): Promise<PageResult> {
  await page.waitForFunction(
    (n) =>
      document.querySelector(`[data-testid="result"][data-run="${n}"]`) ??
      document.querySelector('[data-testid="error"]'),
    run,
    { timeout: 1_800_000, polling: 200 },
  );
  const error = page.getByTestId('error');
  if (await error.count()) throw new Error(`the page failed: ${await error.textContent()}`);
  return page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid="result"]')!;
    const d = el.dataset;
    return {
      run: Number(d.run),
      backend: d.backend ?? '',
      // the main thread's round trip: the worker's time plus the result's message back
      totalMs: Number(d.roundTripMs ?? d.totalMs),
      workerMs: Number(d.totalMs),
      scorerMs: Number(d.scorerMs),
      yieldMs: Number(d.yieldMs),
      tokenizeMs: Number(d.tokenizeMs),
      windows: Number(d.windows),
      runMs: Number(d.runMs),
      headMs: Number(d.headMs ?? 0),
      bytesReadBack: Number(d.bytesReadBack),
      tokensScored: Number(document.querySelector<HTMLElement>('[data-testid="tokens-scored"]')!.dataset.value),
    };
  });
}

async function benchBrowser(
  browser: Browser,
  baseUrl: string,
  model: string,
  config: { name: string; backend: 'wasm' | 'webgpu'; threads: number },
  text: string,
): Promise<Run | { skipped: string }> {
  // a fresh context: nothing cached, so the first result is a cold start
  const context = await browser.newContext();
  await context.addInitScript(LONGTASK_OBSERVER);
  const page = await context.newPage();
  try {
    const query = new URLSearchParams({ backend: config.backend, model, threads: String(config.threads) });
    await page.goto(`${baseUrl}?${query}#/playground`);
    // the page scores its pre-filled text on arrival: the cold start ends with that heatmap drawn
    await readResult(page, 1);
    await page.waitForSelector('[data-testid="tokens"][data-complete="true"]', { timeout: 300_000 });
    const coldMs = await page.evaluate(() => performance.now());
    const backend = (await page.getByTestId('backend').textContent())?.trim() ?? '';
    if (backend !== config.backend) {
      const reason = await page
        .getByTestId('backend-reason')
        .textContent()
        .catch(() => '');
      return { skipped: `${config.backend} unavailable (${reason || `runs on ${backend}`})` };
    }
    const threads = Number((await page.getByTestId('backend').getAttribute('data-threads')) ?? NaN);
    // warm-up: a text as long (on WASM) from other chapters, so the measured run finds compiled code
    const warmup = benchText(
      config.backend === 'webgpu' ? Math.min(text.length, WEBGPU_WARMUP_CHARS) : text.length,
      WARMUP_CHAPTERS,
    );
    await page.getByTestId('text-input').fill(warmup);
    await page.getByTestId('score-button').click();
    await readResult(page, 2);
    // and its heatmap drawn (it appends its tokens over many frames), so the page is idle again
    await page.waitForSelector('[data-testid="tokens"][data-complete="true"]', { timeout: 120_000 });
    await page.getByTestId('text-input').fill(text);
    // a person moves to the button after pasting; the page lays the new text out meanwhile (half a
    // second: short texts are scored as you type after 700 ms, AUTO_SCORE_DELAY_MS in src/state/app-state)
    await page.waitForTimeout(500);
    const clickAt = await page.evaluate(() => performance.now());
    await page.getByTestId('score-button').click();
    const r = await readResult(page, 3);
    // the heatmap appends its tokens over several frames: the longest task counts until the last is in
    await page.waitForSelector('[data-testid="tokens"][data-complete="true"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="loss-chart"]', { timeout: 120_000 });
    await page.waitForTimeout(300); // long-task entries arrive after the task
    const longest = await page.evaluate(
      (from) =>
        (window as unknown as { __longtasks: { start: number; duration: number }[] }).__longtasks
          .filter((t) => t.start + t.duration >= from)
          .reduce((m, t) => Math.max(m, t.duration), 0),
      clickAt,
    );
    const seconds = r.totalMs / 1000;
    // the backend line names the TypeScript fallback of the worker's scoring head (WASM only)
    const headFallback = page.getByTestId('scoring-head-fallback');
    const headReason = (await headFallback.count()) ? await headFallback.getAttribute('title') : null;
    return {
      model,
      config: config.name,
      backend: r.backend,
      threads: Number.isFinite(threads) ? threads : null,
      chars: text.length,
      tokens_scored: r.tokensScored,
      windows: r.windows,
      seconds,
      tokens_per_second: r.tokensScored / seconds,
      ratio_to_native: null,
      cold_start_ms: coldMs,
      bytes_read_back_per_token: r.bytesReadBack / r.tokensScored,
      longest_main_thread_task_ms: longest,
      share_outside_forward: 1 - r.runMs / r.totalMs,
      outside_ms: {
        scoring_maths: r.headMs,
        calls: r.scorerMs - r.runMs - r.headMs,
        event_loop: r.yieldMs,
        tokenize: r.tokenizeMs,
        engine: r.workerMs - r.scorerMs - r.yieldMs - r.tokenizeMs,
        message: r.totalMs - r.workerMs,
      },
      scoring_head:
        r.backend !== 'wasm'
          ? null
          : headReason === null
            ? { path: 'wasm', reason: null, fallback_rows: 0 }
            : { path: 'typescript', reason: headReason, fallback_rows: null },
    };
  } finally {
    await context.close();
  }
}

/** A first visit as a new user makes it: no query, auto backend, the default model, nothing touched. */
interface FirstVisit {
  /** Navigation to the first scored heatmap drawn, ms: a fresh profile (cold), then the same one again (warm: the service worker's cache). */
  cold_ms: number[];
  warm_ms: number[];
  /** Navigation to the text's first tokens on screen (uncoloured, before the model has opened), ms. */
  tokens_cold_ms: number[];
  tokens_warm_ms: number[];
  backend: string;
  reason: string;
  /** The longest main-thread task from navigation to the first heatmap, ms (0: none over 50 ms), cold visits. */
  longest_task_ms: number[];
}

/** Records, in the page, when the text's first tokens show and when the first scored heatmap is complete (ms since navigation). */
const FIRST_HEATMAP_OBSERVER = `
  new MutationObserver((_, observer) => {
    if (!window.__firstTokens && document.querySelector('[data-testid="preview-token"], [data-testid="token"]')) {
      window.__firstTokens = performance.now();
    }
    if (document.querySelector('[data-testid="result"][data-run="1"] [data-testid="tokens"][data-complete="true"]')) {
      window.__firstHeatmap = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-complete'] });
`;

async function firstHeatmapMs(page: Page, url: string): Promise<{ ms: number; tokens: number; longest: number }> {
  await page.goto(url);
  const handle = await page.waitForFunction(
    () => (window as unknown as { __firstHeatmap?: number }).__firstHeatmap,
    null,
    {
      timeout: 300_000,
      polling: 100,
    },
  );
  const ms = (await handle.jsonValue()) as number;
  const tokens = await page.evaluate(() => (window as unknown as { __firstTokens: number }).__firstTokens);
  await page.waitForTimeout(200); // long-task entries arrive after the task
  const longest = await page.evaluate(
    (until) =>
      (window as unknown as { __longtasks: { start: number; duration: number }[] }).__longtasks
        .filter((t) => t.start <= until)
        .reduce((m, t) => Math.max(m, t.duration), 0),
    ms,
  );
  return { ms, tokens, longest };
}

async function benchFirstVisit(browser: Browser, baseUrl: string, repeat: number): Promise<FirstVisit> {
  const visit: FirstVisit = {
    cold_ms: [],
    warm_ms: [],
    tokens_cold_ms: [],
    tokens_warm_ms: [],
    backend: '',
    reason: '',
    longest_task_ms: [],
  };
  for (let i = 0; i < repeat; i++) {
    // a fresh profile each time: an empty HTTP cache, no service worker
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(LONGTASK_OBSERVER + FIRST_HEATMAP_OBSERVER);
    const page = await context.newPage();
    try {
      const cold = await firstHeatmapMs(page, baseUrl);
      visit.cold_ms.push(cold.ms);
      visit.tokens_cold_ms.push(cold.tokens);
      visit.longest_task_ms.push(cold.longest);
      visit.backend = ((await page.getByTestId('backend').textContent()) ?? '').trim();
      visit.reason = (
        (await page
          .getByTestId('backend-reason')
          .textContent()
          .catch(() => '')) ?? ''
      ).trim();
      // the service worker has cached what the first screen needs; a later visit reads it from there
      await page.waitForSelector('html[data-offline="ready"]', { state: 'attached', timeout: 300_000 });
      const warm = await firstHeatmapMs(page, baseUrl);
      visit.warm_ms.push(warm.ms);
      visit.tokens_warm_ms.push(warm.tokens);
    } finally {
      await context.close();
    }
  }
  return visit;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const msRange = (xs: number[]) =>
  `${median(xs).toFixed(0)} ms${xs.length > 1 ? ` (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})` : ''}`;

function table(runs: Run[]): string {
  const head = [
    'model',
    'config',
    'chars',
    'tokens',
    'windows',
    'tok/s',
    'x native',
    'cold ms',
    'B/token',
    'longtask ms',
    'outside run',
    'head',
  ];
  const rows = runs.map((r) => [
    r.model,
    r.config,
    String(r.chars),
    String(r.tokens_scored),
    String(r.windows),
    r.tokens_per_second.toFixed(0),
    r.ratio_to_native === null ? '' : r.ratio_to_native.toFixed(2),
    r.cold_start_ms.toFixed(0),
    r.bytes_read_back_per_token === null ? '' : r.bytes_read_back_per_token.toFixed(0),
    r.longest_main_thread_task_ms === null ? '' : r.longest_main_thread_task_ms.toFixed(0),
    r.share_outside_forward === null ? '' : `${(100 * r.share_outside_forward).toFixed(1)}%${shareRange(r)}`,
    headCell(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The scoring head column: "wasm", or "TS fallback" with the rows where known (the reason is in the JSON). */
function headCell(r: Run): string {
  const h = r.scoring_head;
  if (!h) return '';
  if (h.path === 'wasm' && !h.fallback_rows) return 'wasm';
  return `TS fallback${h.fallback_rows ? ` (${h.fallback_rows} rows)` : ''}`;
}

/** " (min-max)" of the share outside session.run over a run's repeats, or "". */
function shareRange(r: Run): string {
  const shares = (r.repeats?.share_outside_forward ?? []).filter((s): s is number => s !== null);
  if (shares.length < 2) return '';
  return ` (${(100 * Math.min(...shares)).toFixed(1)}-${(100 * Math.max(...shares)).toFixed(1)})`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const text = benchText(o.chars);
  if (o.build) {
    console.error('building the app (vite build) ...');
    const b = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (b.status !== 0) throw new Error('vite build failed');
  }
  const manifestPath = path.join(ROOT, 'dist', 'models', 'manifest.json');
  if (!fs.existsSync(manifestPath)) throw new Error('dist/ has no build: run without --no-build');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as BundledManifest;
  // by default every model and its quantized variant; training snapshots are the same network again
  const models = (o.models ?? manifest.models.filter((m) => !m.snapshot).map((m) => m.id)).filter((id) => {
    const ok = manifest.models.some((m) => m.id === id);
    if (!ok) console.error(`skipping ${id}: not bundled in dist/`);
    return ok;
  });
  if (models.length === 0) throw new Error('no bundled model to benchmark');

  const runs: Run[] = [];
  const skipped: string[] = [];
  const report = (r: Run) => {
    runs.push(r);
    console.error(
      `  ${r.model} ${r.config}: ${r.tokens_per_second.toFixed(0)} tokens/s (${r.tokens_scored} tokens, ${r.seconds.toFixed(1)} s)`,
    );
    if (r.outside_ms) {
      const parts = Object.entries(r.outside_ms).map(([k, v]) => `${k.replace('_', ' ')} ${v.toFixed(0)}`);
      console.error(`    outside session.run, ms: ${parts.join(', ')}`);
    }
    if (r.repeats) {
      const shares = r.repeats.share_outside_forward.map((s) => (s === null ? '-' : `${(100 * s).toFixed(1)}%`));
      console.error(
        `    ${r.repeats.seconds.length} runs: ${r.repeats.seconds.map((s) => s.toFixed(2)).join(', ')} s; outside session.run ${shares.join(', ')}`,
      );
    }
  };

  if (o.native) {
    for (const model of models)
      report(
        await benchNative(
          manifest.models.find((m) => m.id === model)!,
          text,
        ),
      );
  }

  let webgpuInfo = '';
  let firstVisit: FirstVisit | null = null;
  const realModel: RealModelRun[] = [];
  if (o.browser) {
    const server = await serveStatic(path.join(ROOT, 'dist'));
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: BENCH_FLAGS });
    try {
      const cores = os.availableParallelism();
      const probe = await browser.newPage();
      await probe.goto(server.url);
      const adapter = await probe.evaluate(async () => {
        const gpu = (
          navigator as Navigator & {
            gpu?: {
              requestAdapter(): Promise<{
                info?: { vendor?: string; architecture?: string; description?: string };
                isFallbackAdapter?: boolean;
              } | null>;
            };
          }
        ).gpu;
        const a = gpu ? await gpu.requestAdapter() : null;
        return a
          ? {
              description: [a.info?.vendor, a.info?.architecture, a.info?.description].filter(Boolean).join(' '),
              fallback: !!a.isFallbackAdapter,
            }
          : null;
      });
      await probe.close();
      if (!o.configs || o.configs.includes('first-visit')) {
        firstVisit = await benchFirstVisit(browser, server.url, o.repeat);
        console.error(
          `  first visit: first tokens cold ${msRange(firstVisit.tokens_cold_ms)}, first heatmap cold ${msRange(firstVisit.cold_ms)}, warm ${msRange(firstVisit.warm_ms)} (${firstVisit.backend}: ${firstVisit.reason})`,
        );
      }
      const software = !!adapter && (adapter.fallback || /swiftshader|llvmpipe/i.test(adapter.description));
      webgpuInfo = adapter ? `${adapter.description}${software ? ' (software)' : ''}` : 'no adapter';
      const webgpuText = text.slice(0, o.webgpuChars ?? (software ? 1_500 : text.length));
      const configs = [
        { name: 'wasm-1', backend: 'wasm' as const, threads: 1 },
        ...(cores > 1 ? [{ name: `wasm-${cores}`, backend: 'wasm' as const, threads: cores }] : []),
        ...(adapter ? [{ name: 'webgpu', backend: 'webgpu' as const, threads: 1 }] : []),
      ].filter(
        (c) =>
          !o.configs ||
          o.configs.includes(c.name) ||
          (c.name.startsWith('wasm-') && c.threads > 1 && o.configs.includes('wasm-N')),
      );
      if (!adapter) skipped.push('webgpu: no WebGPU adapter in this Chromium');
      if (!o.configs || o.configs.includes('real-model')) {
        const files = Object.fromEntries(
          [
            'config.json',
            'tokenizer.json',
            'tokenizer_config.json',
            'special_tokens_map.json',
            'onnx/model.onnx',
            'onnx/model.onnx.data',
          ].map((f) => [f, fs.readFileSync(path.join(REAL_MODEL_DIR, f))]),
        );
        const hub = await startFakeHub({ 'real/genai-llama-fp16': { files } });
        try {
          for (const backend of adapter ? (['wasm', 'webgpu'] as const) : (['wasm'] as const)) {
            const r = await benchRealModel(browser, server.url, hub.endpoint, backend, text.slice(0, REAL_MODEL_CHARS));
            realModel.push(r);
            const mb =
              r.memory_bytes === null
                ? 'memory not measured'
                : `${(r.memory_bytes / 1e6).toFixed(0)} MB of page memory`;
            console.error(
              `  real model (genai-builder Llama fp16) ${backend}: ran on ${r.backend}, ${r.tokens_per_second.toFixed(0)} tokens/s, loaded in ${r.load_ms} ms, ${mb}`,
            );
          }
        } finally {
          await hub.close();
        }
      }
      for (const model of models) {
        for (const config of configs) {
          const tries: Run[] = [];
          let skip: string | null = null;
          for (let i = 0; i < o.repeat && skip === null; i++) {
            const t = await benchBrowser(
              browser,
              server.url,
              model,
              config,
              config.backend === 'webgpu' ? webgpuText : text,
            );
            if ('skipped' in t) skip = t.skipped;
            else tries.push(t);
          }
          if (skip !== null) skipped.push(`${model} ${config.name}: ${skip}`);
          else {
            const r = [...tries].sort((a, b) => a.seconds - b.seconds)[(tries.length - 1) >> 1];
            if (tries.length > 1) {
              r.repeats = {
                seconds: tries.map((t) => t.seconds),
                share_outside_forward: tries.map((t) => t.share_outside_forward),
              };
            }
            if (r.chars < text.length) r.note = `first ${r.chars} characters (software WebGPU adapter)`;
            report(r);
          }
        }
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }

  for (const r of runs) {
    const native = runs.find((n) => n.model === r.model && n.config === 'native');
    if (native && r.config !== 'native') r.ratio_to_native = r.tokens_per_second / native.tokens_per_second;
  }

  const date = new Date().toISOString();
  const out = {
    date,
    machine: {
      cpus: os.cpus()[0]?.model ?? '',
      cores: os.availableParallelism(),
      platform: `${os.platform()} ${os.arch()}`,
      node: process.version,
    },
    load_average: os.loadavg(),
    webgpu_adapter: webgpuInfo || null,
    text: { source: `moby-dick chapters ${BENCH_CHAPTERS.join(', ')} (test split)`, chars: text.length },
    first_visit: firstVisit,
    real_model: realModel,
    runs,
    skipped,
  };
  fs.mkdirSync(path.resolve(ROOT, o.out), { recursive: true });
  const file = path.resolve(ROOT, o.out, `${date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  if (firstVisit) {
    console.log(
      `first visit (no query, auto, default model, 1366x768): first tokens cold ${msRange(firstVisit.tokens_cold_ms)}, ` +
        `warm ${msRange(firstVisit.tokens_warm_ms)}; first heatmap cold ${msRange(firstVisit.cold_ms)}, ` +
        `warm ${msRange(firstVisit.warm_ms)}; longest task before it ${msRange(firstVisit.longest_task_ms)}; ` +
        `${firstVisit.backend}: ${firstVisit.reason}`,
    );
  }
  for (const r of realModel) {
    const mb = r.memory_bytes === null ? 'memory not measured' : `${(r.memory_bytes / 1e6).toFixed(0)} MB page memory`;
    console.log(
      `real model (genai-builder Llama fp16, ${r.chars} chars) asked ${r.config}: ran on ${r.backend}, ${r.tokens_per_second.toFixed(0)} tokens/s, ` +
        `load ${r.load_ms} ms, ${mb}; ${r.reason}`,
    );
  }
  console.log(table(runs));
  if (skipped.length) console.log(`skipped: ${skipped.join('; ')}`);
  console.log(
    `WebGPU adapter: ${webgpuInfo || 'not probed'}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

// run only as the script, so that other tools can import benchText without starting a benchmark
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().catch((e) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  });
}
