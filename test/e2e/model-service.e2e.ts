/**
 * One model service for the page: with Compare showing three models, the Playground's model among them,
 * and the guessing game played, the page holds one worker (one model session) per distinct model, and
 * the list of loaded models can unload one. Counted through the debug hook `window.__pp.models()`.
 */
import { bundledModels, expect, test } from './fixtures';

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
  const counts = () => page.evaluate(() => (window as unknown as { __pp: { models: () => ServiceCounts } }).__pp.models());

  // Compare with the three siblings; the Playground's default model is one of them
  await page.goto(`./?backend=wasm&compare=${MODELS.join(',')}#/compare`);
  await expect(page.getByTestId('compare-panel')).toHaveCount(3, { timeout: 60_000 });
  for (const m of MODELS) {
    await expect(page.locator(`[data-testid="compare-panel"][data-model="${m}"]`)).not.toHaveAttribute('data-state', 'loading', {
      timeout: 180_000,
    });
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
