/**
 * One model service for the page: with Compare showing three models, the Playground's model among them,
 * and the guessing game played, the page holds one worker (one model session) per distinct model, and
 * the list of loaded models can unload one. Counted through the debug hook `window.__pp.models()`.
 * A model the user brought can stand in Compare next to the bundled ones, without loading it twice.
 */
import path from 'node:path';
import { bundledModels, expect, openPlayground, scoreInPage, test, unfoldYourModel } from './fixtures';

const MODELS = ['tiny-byte', 'tiny-bpe1k', 'tiny-bpe8k'];

interface ServiceCounts {
  workers: number;
  models: number;
  started: number;
  leases: Record<string, number>;
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
  test.skip(!MODELS.every((m) => bundledModels().includes(m)), 'needs the three tokenizer siblings');
});

test('three views, three distinct models: three workers, each model loaded once', async ({ page, pageErrors }) => {
  void pageErrors;
  const counts = () =>
    page.evaluate(() => (window as unknown as { __pp: { models: () => ServiceCounts } }).__pp.models());

  // Compare with the three siblings; the Playground's default model is one of them
  await page.goto(`./?backend=wasm&compare=${MODELS.join(',')}#/compare`);
  await expect(page.getByTestId('compare-panel')).toHaveCount(3, { timeout: 60_000 });
  for (const m of MODELS) {
    await expect(page.locator(`[data-testid="compare-panel"][data-model="${m}"]`)).not.toHaveAttribute(
      'data-state',
      'loading',
      {
        timeout: 180_000,
      },
    );
  }

  // the guessing game plays with the byte-level model, which Compare holds already
  await page.getByTestId('nav-shannon').click();
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption('custom');
  await page.getByTestId('shannon-text').fill('The whale surfaced beside the ship.');
  await page.getByTestId('shannon-shown').fill('4');
  await page.getByTestId('shannon-start').click();
  await expect(page.getByTestId('guess-input')).toBeFocused();
  await page.getByTestId('guess-input').pressSequentially('w');
  await expect(page.getByTestId('model-last-rank')).toBeVisible({ timeout: 60_000 });

  const held = await counts();
  expect(held).toMatchObject({ workers: 3, models: 3, leases: { playground: 1, compare: 3, shannon: 1 } });
  // never a second worker for a model: the warmed one was taken by the first model
  expect(held.started).toBe(3);

  // the Playground lists them, says who uses each, and unloads one on demand
  await page.getByTestId('nav-playground').click();
  await page.getByTestId('your-model-toggle').click();
  await page.getByTestId('your-model-more').locator('summary').first().click();
  const list = page.getByTestId('loaded-models');
  await expect(list).toHaveAttribute('data-count', '3');
  expect(Number(await list.getAttribute('data-bytes'))).toBeGreaterThan(100_000);
  const byte = list.locator('[data-testid="loaded-model"][data-name="tiny-byte"]');
  await expect(byte).toHaveAttribute('data-users', 'compare,shannon');
  await list.locator('summary').click();
  await byte.getByTestId('loaded-unload').click();
  await expect(list).toHaveAttribute('data-count', '2');
  expect(await counts()).toMatchObject({ workers: 2, models: 2 });
});

test('a model the user brought is compared next to the bundled ones, loaded once', async ({ page, pageErrors }) => {
  void pageErrors;
  const text = 'Call me Ishmael. Some years ago, having little money in my purse, I thought I would sail about.';
  const dir = path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'tiny-bpe1k');
  await openPlayground(page, { backend: 'wasm', model: 'tiny-byte' });
  await unfoldYourModel(page);
  const more = page.getByTestId('your-model-more');
  if (!(await more.evaluate((el) => (el as HTMLDetailsElement).open))) await more.locator('> summary').click();
  await page
    .getByTestId('model-files')
    .setInputFiles(
      ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].map((f) => path.join(dir, f)),
    );
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'local files', { timeout: 60_000 });
  const mine = await scoreInPage(page, text);

  await page.getByTestId('nav-compare').click();
  const option = page.locator('[data-testid="compare-model"][value="files:"]');
  await expect(option).toBeVisible();
  await option.check();
  const panel = page.locator('[data-testid="compare-panel"][data-model="files:"]');
  await expect(panel.locator('h3')).toHaveText('local files');
  await page.getByTestId('score-button').click();
  await expect(panel).toHaveAttribute('data-state', 'scored', { timeout: 120_000 });
  // the same model on the same text: the same numbers as in the Playground, and its vocabulary from the model
  expect(Number(await panel.getAttribute('data-tokens'))).toBe(mine.tokens.length);
  expect(Number(await panel.getAttribute('data-ppl'))).toBeCloseTo(mine.summary.ppl, 6);
  await expect(panel.locator('.kind')).toContainText('vocabulary 1,280');
  const counts = await page.evaluate(
    () => (window as unknown as { __pp: { models: () => { leases: Record<string, number> } } }).__pp.models().leases,
  );
  // one worker holds the local files for both views; the files-model key is shared
  const loaded = await page.evaluate(
    () => (window as unknown as { __pp: { models: () => { workers: number } } }).__pp.models().workers,
  );
  expect(counts.compare).toBeGreaterThanOrEqual(1);
  expect(loaded).toBe(
    new Set(await page.getByTestId('compare-panel').evaluateAll((els) => els.map((e) => e.getAttribute('data-model'))))
      .size,
  );
});
