/**
 * Comparison mode in the built app: the panels' numbers against the command line, aligned spans,
 * a model that fails to load, an empty text, a text longer than a context, real tokenizers and the
 * same-tokenizer pair. Backend-independent (the numbers are checked against the CLI on WASM), so it
 * runs in the wasm project only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEncoding } from 'js-tiktoken';
import type { Page } from '@playwright/test';
import type { ScoreResult } from '../../src/lib/scoring/types';
import { alignedSpan, overlapping } from '../../src/lib/compare/aligned-spans';
import { bundledModels, expect, readGolden, screenshotPath, test } from './fixtures';

/** The three bundled tokenizer siblings, those of them this build bundles. */
const SIBLINGS = ['tiny-byte', 'tiny-bpe1k', 'tiny-bpe8k'];
/**
 * The page (onnxruntime-web, WASM) and the command line (onnxruntime-node) run the same float32 graph
 * with different kernels: per-token logprobs agree to ~1e-5 nats (scoring.e2e.ts), so totals over a few
 * hundred tokens agree far inside 1e-4 relative; a wrong window, BOS or token count is off by percents.
 */
const REL_TOLERANCE = 1e-4;

const ROOT = path.join(import.meta.dirname, '..', '..');
const golden = readGolden('tiny-byte');
/** A text from the test split (the models never trained on it). */
const TEST_TEXT =
  golden?.texts.find((t) => t.name.endsWith(':opening'))?.text ??
  'The Counterpane. Upon waking next morning about daylight, I found Queequeg’s arm thrown over me.';
/** Longer than every model's context (256 tokens): several windows each. */
const LONG_TEXT = (golden?.texts.find((t) => t.name.endsWith(':long'))?.text ?? TEST_TEXT.repeat(6)).slice(0, 1800);

function siblings(): string[] {
  const bundled = bundledModels();
  return SIBLINGS.filter((m) => bundled.includes(m));
}

const cliCache = new Map<string, ScoreResult>();
/** `npm run score -- --model models/<id> --json FILE`, as scoring.e2e.ts runs it. */
function cliScore(model: string, text: string): ScoreResult {
  const key = `${model}\u0000${text}`;
  const cached = cliCache.get(key);
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-compare-e2e-'));
  const file = path.join(dir, 'text.txt');
  fs.writeFileSync(file, text);
  try {
    const stdout = execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        path.join(ROOT, 'cli/score.ts'),
        '--model',
        `models/${model}`,
        '--json',
        file,
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    ).toString();
    const result = JSON.parse(stdout) as ScoreResult;
    cliCache.set(key, result);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function openCompare(page: Page, models: string[]): Promise<void> {
  // start from an empty text, so that nothing is compared before the test types its own
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('pp.e2e-started')) {
      sessionStorage.setItem('pp.e2e-started', '1');
      localStorage.setItem('pp.text', '');
    }
  });
  await page.goto(`./?backend=wasm&compare=${models.join(',')}#/compare`);
  await expect(page.getByRole('heading', { name: 'Compare models' })).toBeVisible();
  await expect(page.getByTestId('compare-panel')).toHaveCount(models.length, { timeout: 60_000 });
  // loaded (or failed): no panel is still loading
  for (const m of models) {
    await expect(panel(page, m)).not.toHaveAttribute('data-state', 'loading', { timeout: 180_000 });
  }
}

const panel = (page: Page, model: string) => page.locator(`[data-testid="compare-panel"][data-model="${model}"]`);

/** Type a text, press Compare and wait until the comparison of exactly this text is complete. */
async function compareInPage(page: Page, text: string): Promise<void> {
  const result = page.getByTestId('compare-result');
  const runs = Number(await result.getAttribute('data-run'));
  await page.getByTestId('text-input').fill(text);
  await page.getByTestId('score-button').click();
  await page.waitForFunction(
    ({ runs, chars }) => {
      const el = document.querySelector<HTMLElement>('[data-testid="compare-result"]');
      return (
        !!el && Number(el.dataset.run) > runs && el.dataset.running === 'false' && Number(el.dataset.chars) === chars
      );
    },
    { runs, chars: text.length },
    { timeout: 300_000 },
  );
}

interface PanelValues {
  state: string;
  tokens: number;
  ppl: number;
  bitsPerByte: number;
}

async function readPanel(page: Page, model: string): Promise<PanelValues> {
  const p = panel(page, model);
  const num = async (name: string) => Number(await p.getAttribute(name));
  return {
    state: (await p.getAttribute('data-state')) ?? '',
    tokens: await num('data-tokens'),
    ppl: await num('data-ppl'),
    bitsPerByte: await num('data-bits-per-byte'),
  };
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function expectMatchesCli(page: Page, models: string[], text: string, report: string[]): Promise<ScoreResult[]> {
  const results: ScoreResult[] = [];
  for (const model of models) {
    const cli = cliScore(model, text);
    const shown = await readPanel(page, model);
    expect(shown.state, model).toBe('scored');
    expect(shown.tokens, `${model}: tokens`).toBe(cli.totals.tokens);
    expect(
      relative(shown.ppl, cli.totals.ppl),
      `${model}: ppl ${shown.ppl} vs CLI ${cli.totals.ppl}`,
    ).toBeLessThanOrEqual(REL_TOLERANCE);
    expect(
      relative(shown.bitsPerByte, cli.totals.bits_per_byte!),
      `${model}: bits/byte ${shown.bitsPerByte} vs CLI ${cli.totals.bits_per_byte}`,
    ).toBeLessThanOrEqual(REL_TOLERANCE);
    report.push(
      `${model}: ${shown.tokens} tokens, ppl ${shown.ppl.toPrecision(6)} (CLI ${cli.totals.ppl.toPrecision(6)}), ` +
        `bits/byte ${shown.bitsPerByte.toPrecision(6)} (CLI ${cli.totals.bits_per_byte!.toPrecision(6)}); ` +
        `relative differences ${relative(shown.ppl, cli.totals.ppl).toExponential(1)}, ` +
        `${relative(shown.bitsPerByte, cli.totals.bits_per_byte!).toExponential(1)}`,
    );
    results.push(cli);
  }
  return results;
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'checked against the command line once; runs in the wasm project');
  test.skip(siblings().length < 2, 'needs at least two of tiny-byte, tiny-bpe1k, tiny-bpe8k bundled in dist/');
});

test('panels match the command line, and hovering a token aligns the same characters in every panel', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const models = siblings();
  await openCompare(page, models);
  await compareInPage(page, TEST_TEXT);
  const report: string[] = [];
  const cli = await expectMatchesCli(page, models, TEST_TEXT, report);
  console.log(`[compare] test text (${TEST_TEXT.length} chars)\n  ${report.join('\n  ')}`);
  test.info().annotations.push({ type: 'compare', description: report.join('; ') });

  // the tokens are the input's characters, each once
  for (const model of models) {
    const texts = await panel(page, model).getByTestId('compare-token').allTextContents();
    expect(texts.join(''), model).toBe(TEST_TEXT);
  }

  // aligned span: a byte inside the first long token of the coarsest tokenizer
  const coarse = cli[cli.length - 1];
  // a whole word of the coarsest tokenizer, e.g. ' morning'
  const word =
    coarse.tokens.find((t) => /^ [A-Za-z]{5,}$/.test(t.text)) ??
    coarse.tokens.find((t) => /^ ?[A-Za-z]{3,}$/.test(t.text))!;
  const byteModel = models[0];
  const byteTokens = cli[0].tokens;
  const hovered = byteTokens.find((t) => t.start === word.start + 2)!;
  await panel(page, byteModel).locator(`[data-testid="compare-token"][data-index="${hovered.index}"]`).hover();
  const span = alignedSpan(
    cli.map((r) => r.tokens),
    { start: hovered.start, end: hovered.end },
  );
  expect(span.end - span.start, 'the span grew to whole tokens').toBeGreaterThanOrEqual(word.end - word.start);
  for (const [i, model] of models.entries()) {
    const hit = overlapping(cli[i].tokens, span)!;
    const expected = Array.from({ length: hit.last - hit.first + 1 }, (_, k) => String(hit.first + k));
    const aligned = panel(page, model).locator('[data-testid="compare-token"].aligned');
    await expect(aligned, `${model}: highlighted tokens`).toHaveCount(expected.length);
    expect(await aligned.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.index)), model).toEqual(
      expected,
    );
    expect((await aligned.allTextContents()).join(''), model).toBe(TEST_TEXT.slice(span.start, span.end));
    const bits = -cli[i].tokens.slice(hit.first, hit.last + 1).reduce((s, t) => s + t.logprob!, 0) / Math.LN2;
    const cost = panel(page, model).getByTestId('span-cost');
    expect(relative(Number(await cost.getAttribute('data-bits')), bits), `${model}: bits paid`).toBeLessThanOrEqual(
      1e-3,
    );
    await expect(cost).toContainText(`${hit.last - hit.first + 1} token`);
    await expect(cost).toContainText(/\d+\.\d\d bits/);
  }

  // the chart and the explanations are there, with accessible names
  await expect(page.getByTestId('point-chart').locator('svg[role="img"]')).toHaveAccessibleName(
    /perplexity per token differs/,
  );
  await expect(
    page.getByRole('heading', { name: 'Can I compare perplexity scores from different models?' }),
  ).toBeVisible();
  expect(Number(await page.getByTestId('point-chart').getAttribute('data-ppl-spread'))).toBeGreaterThan(
    Number(await page.getByTestId('point-chart').getAttribute('data-bpb-spread')),
  );

  // a real tokenizer, loaded when asked: GPT-2's count equals js-tiktoken's
  await page.locator('[data-testid="real-tokenizer-load"][data-tokenizer="gpt2"]').click();
  const gpt2 = page.locator('[data-testid="real-tokenizer"][data-tokenizer="gpt2"]');
  await expect(gpt2).toHaveAttribute('data-tokens', String(getEncoding('gpt2').encode(TEST_TEXT, 'all').length), {
    timeout: 120_000,
  });
  expect(Number(await gpt2.getAttribute('data-implied-ppl'))).toBeGreaterThan(1);

  // the screenshot keeps a span highlighted
  await panel(page, byteModel).locator(`[data-testid="compare-token"][data-index="${hovered.index}"]`).hover();
  await page.screenshot({ path: screenshotPath('compare'), fullPage: true });
});

test('a text longer than a context is scored in windows, as the command line does', async ({ page, pageErrors }) => {
  void pageErrors;
  const models = siblings();
  await openCompare(page, models);
  await compareInPage(page, LONG_TEXT);
  const report: string[] = [];
  const cli = await expectMatchesCli(page, models, LONG_TEXT, report);
  console.log(`[compare] long text (${LONG_TEXT.length} chars)\n  ${report.join('\n  ')}`);
  for (const r of cli) expect(r.totals.tokens, `${r.model}: more tokens than its context`).toBeGreaterThan(r.n_ctx);
});

test('a model that fails to load leaves the other panels working, with the message in its panel', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const models = siblings();
  const broken = models[1];
  await page.route(`**/models/${broken}/onnx/model.onnx`, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await openCompare(page, models);
  await expect(panel(page, broken)).toHaveAttribute('data-state', 'error');
  await expect(panel(page, broken).getByTestId('error')).toContainText('onnx/model.onnx');
  const text = 'The whale surfaced beside the ship, and the crew fell silent.';
  await compareInPage(page, text);
  for (const model of models.filter((m) => m !== broken)) {
    const shown = await readPanel(page, model);
    expect(shown.state, model).toBe('scored');
    expect(relative(shown.ppl, cliScore(model, text).totals.ppl), model).toBeLessThanOrEqual(REL_TOLERANCE);
    await expect(panel(page, model).getByTestId('error')).toHaveCount(0);
  }
  await expect(panel(page, broken).getByTestId('error')).toBeVisible();
  await expect(panel(page, broken)).toHaveAttribute('data-ppl', '');
});

test('an empty text says so and shows no numbers', async ({ page, pageErrors }) => {
  void pageErrors;
  const models = siblings();
  await openCompare(page, models);
  await compareInPage(page, 'A short text first.');
  await page.getByTestId('text-input').fill('');
  await page.getByTestId('score-button').click();
  await expect(page.getByTestId('error')).toContainText('empty');
  for (const model of models) await expect(panel(page, model)).toHaveAttribute('data-ppl', '');
  // and a text again brings the panels back
  await compareInPage(page, 'Back again.');
  for (const model of models) expect((await readPanel(page, model)).state, model).toBe('scored');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('same tokenizer, two models: per-token differences and KL divergence', async ({ page, pageErrors }) => {
  void pageErrors;
  const snapshots = bundledModels().filter((id) => id.includes('@'));
  test.skip(snapshots.length === 0, 'no training snapshot or quantized variant bundled yet');
  await openCompare(page, siblings());
  await compareInPage(page, 'It was the best of times, it was the worst of times.');
  await page.getByTestId('divergence-button').click();
  const stats = page.getByTestId('divergence-stats');
  await expect(stats).toBeVisible({ timeout: 240_000 });
  // a short text: the worker can afford full distributions, so the KL is exact (not the top-k bound)
  await expect(stats).toHaveAttribute('data-method', 'exact');
  await expect(page.getByTestId('kl-method')).toContainText('Exact KL');
  const meanKl = Number(await stats.getAttribute('data-mean-kl'));
  // a snapshot early in training predicts differently from the finished model
  expect(meanKl).toBeGreaterThan(0);
  const tokens = page.getByTestId('divergence').getByTestId('compare-token');
  expect(await tokens.count()).toBeGreaterThan(5);
  await tokens.nth(3).hover();
  await expect(page.getByTestId('divergence-readout')).toContainText(/Δ log p\s+\S+ bits, KL\s+\S+ bits/);
  await page.getByTestId('divergence').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('compare-divergence'), fullPage: true });
});
