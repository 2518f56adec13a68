/**
 * Page behaviour that does not depend on the backend (routing, persistence, text safety, cancelling,
 * fallbacks, errors). Runs in the wasm project only, where it is fast.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundledModels, expect, openPlayground, scoreInPage, screenshotPath, test } from './fixtures';
import { serveStatic } from '../../tools/static-server';

const MODEL = 'tiny-bpe1k';
const TRICKY = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tricky-strings.json'), 'utf8'),
) as { strings: { name: string; text: string }[] };

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

test('views have their own URLs and nav links', async ({ page, pageErrors }) => {
  void pageErrors;
  await page.goto('./#/compare');
  await expect(page.getByTestId('nav-compare')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: 'Compare models' })).toBeVisible();
  await page.getByTestId('nav-curves').click();
  await expect(page).toHaveURL(/#\/curves$/);
  await expect(page.getByRole('heading', { name: 'Training curves' })).toBeVisible();
  await page.getByTestId('nav-playground').click();
  await expect(page).toHaveURL(/#\/playground$/);
  await expect(page.getByTestId('text-input')).toBeVisible();
});

test('the manifest lists the bundled models and the text survives a reload', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  await openPlayground(page, { backend: 'wasm' });
  const options = await page
    .getByTestId('model-select')
    .locator('option')
    .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
  // every bundled entry is offered (finished models first, training snapshots in their own group)
  expect([...options].sort()).toEqual([...bundledModels()].sort());
  const manifest = JSON.parse(
    fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'manifest.json'), 'utf8'),
  ) as { default: string };
  await expect(page.getByTestId('model-select')).toHaveValue(manifest.default);
  await page.getByTestId('text-input').fill('kept across reloads');
  await page.reload();
  await expect(page.getByTestId('text-input')).toHaveValue('kept across reloads');
});

test('tokens are text, never HTML, and cover the input exactly (tricky strings)', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  for (const { name, text } of TRICKY.strings) {
    if (text.length === 0) continue; // the empty text has nothing to score
    const { tokens } = await scoreInPage(page, text);
    // a textarea's value normalises line breaks to \n (HTML spec), so CRLF never reaches the page
    expect(tokens.map((t) => t.text).join(''), name).toBe(text.replace(/\r\n?/g, '\n'));
    expect(
      tokens.every((t) => t.logprob !== null && t.logprob <= 0),
      name,
    ).toBe(true);
  }
  await scoreInPage(page, '<img src=x onerror=alert(1)> <script>alert("x")</script> &amp;');
  const tokens = page.locator('[data-testid="token"]');
  await expect(tokens.first()).toBeVisible();
  expect(await page.locator('.tokens img, .tokens script').count()).toBe(0);
});

test('cancel stops scoring, and a new score replaces a running one', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  // stride 1: one window per token, thousands of windows, a minute or more if nothing stopped it
  await openPlayground(page, { backend: 'wasm', model: MODEL, stride: 1 });
  const long = 'It is a way I have of driving off the spleen and regulating the circulation. '.repeat(80);
  await page.getByTestId('text-input').fill(long);
  await page.getByTestId('score-button').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('progress')).toHaveCount(0);
  // what stays is the result of the text scored on arrival
  await expect(page.getByTestId('result')).toHaveAttribute('data-run', '1');
  await expect(page.getByTestId('error')).toHaveCount(0);

  // a second score while the first runs: the first is cancelled, the second completes
  await page.getByTestId('score-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-done', /[1-9]/);
  const started = Date.now();
  const { tokens } = await scoreInPage(page, 'A short text to finish with.');
  // the worker really stopped both long runs (it yields between windows, so cancel gets in)
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(tokens.map((t) => t.text).join('')).toBe('A short text to finish with.');
  await expect(page.getByTestId('result')).toHaveAttribute('data-run', '2');
});

test('asking for WebGPU without an adapter falls back to WASM and says why', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  // this project's Chromium runs without --enable-unsafe-webgpu: no adapter
  const running = await openPlayground(page, { backend: 'webgpu', model: MODEL });
  expect(running).toBe('wasm');
  await expect(page.getByTestId('backend-reason')).toContainText(/WebGPU|adapter/i);
  const { summary } = await scoreInPage(page, 'Falling back still scores.');
  expect(summary.ppl).toBeGreaterThan(1);
  await page.screenshot({ path: screenshotPath('fallback-reason'), fullPage: true });
});

test('a model that cannot be loaded shows an error', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  await page.route('**/models/*/onnx/model.onnx', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(`./?backend=wasm&model=${MODEL}`);
  await expect(page.getByTestId('error')).toContainText('onnx/model.onnx');
  await expect(page.getByTestId('score-button')).toBeDisabled();
  await page.screenshot({ path: screenshotPath('load-error'), fullPage: true });
});

test('every bundled model scores', async ({ page, pageErrors }) => {
  void pageErrors;
  const models = bundledModels();
  test.skip(models.length === 0, 'no bundled model');
  await openPlayground(page, { backend: 'wasm' });
  for (const id of models) {
    await page.getByTestId('model-select').selectOption(id);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-model', id, { timeout: 120_000 });
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    await expect(page.getByTestId('score-button')).toBeEnabled();
    const { tokens, summary } = await scoreInPage(page, 'The whale surfaced beside the ship.');
    expect(tokens.length, id).toBeGreaterThan(0);
    expect(Number.isFinite(summary.bitsPerByte), id).toBe(true);
  }
});

test('a training snapshot loads, and the model early in training is more surprised than the finished one', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const snapshots = bundledModels().filter((id) => id.includes('@'));
  test.skip(snapshots.length === 0, 'no training snapshots bundled');
  const text = 'It was the best of times, it was the worst of times, and the whale was nowhere to be seen.';
  const finishedId = snapshots[0].split('@')[0];
  await openPlayground(page, { backend: 'wasm', model: finishedId });
  const finished = await scoreInPage(page, text);
  let previous = Infinity;
  for (const id of snapshots.filter((s) => s.startsWith(`${finishedId}@`))) {
    await page.getByTestId('model-select').selectOption(id);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-model', id, { timeout: 120_000 });
    await expect(page.getByTestId('score-button')).toBeEnabled();
    const early = await scoreInPage(page, text);
    // the same tokenizer: the same tokens, only the weights differ
    expect(early.tokens.map((t) => t.id)).toEqual(finished.tokens.map((t) => t.id));
    expect(early.summary.ppl, `${id} vs ${finishedId}`).toBeGreaterThan(finished.summary.ppl);
    // snapshots come earliest first: surprise falls from one to the next
    expect(early.summary.ppl, `${id}`).toBeLessThan(previous);
    previous = early.summary.ppl;
  }
});

test('on a host without cross-origin-isolation headers WASM still scores, on one thread, with the same numbers', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
  const text = 'The whale surfaced beside the ship, and the crew fell silent.';
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  const isolated = await scoreInPage(page, text);

  const plain = await serveStatic(path.join(import.meta.dirname, '..', '..', 'dist'), 0, { isolated: false });
  try {
    await page.goto(`${plain.url}?backend=wasm&model=${MODEL}#/playground`);
    await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 180_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-threads', '1');
    await expect(page.getByTestId('score-button')).toBeEnabled();
    const single = await scoreInPage(page, text);
    expect(single.tokens.map((t) => t.id)).toEqual(isolated.tokens.map((t) => t.id));
    single.tokens.forEach((t, i) =>
      expect(Math.abs(t.logprob! - isolated.tokens[i].logprob!)).toBeLessThanOrEqual(1e-4),
    );
  } finally {
    await plain.close();
  }
});
