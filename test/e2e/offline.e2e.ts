/**
 * The second visit and offline use: once the first result is drawn the app registers its service worker,
 * which precaches the page, the WASM runtime and the default model (src/offline/sw.js). Then the page
 * opens, and scores its text on arrival, with the network gone, to the same numbers.
 */
import { bundledModels, expect, test } from './fixtures';

// the rest of the suite blocks service workers (playwright.config.ts): here they are the subject
test.use({ serviceWorkers: 'allow' });

test('after the first visit the app opens and scores offline, to the same numbers', async ({
  page,
  context,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
  test.skip(bundledModels().length === 0, 'no bundled model in dist/');
  await page.goto('./?backend=wasm');
  const first = page.locator('[data-testid="result"][data-run="1"]');
  await expect(first).toBeVisible({ timeout: 120_000 });
  const ppl = await page.getByTestId('ppl').getAttribute('data-value');
  // the worker has installed: everything the first screen needs is in its cache
  await expect(page.locator('html[data-offline="ready"]')).toHaveCount(1, { timeout: 120_000 });
  const cached = await page.evaluate(async () => {
    const name = (await caches.keys()).find((k) => k.startsWith('pp-app-'));
    if (!name) return [];
    const keys = await (await caches.open(name)).keys();
    return keys.map((r) => new URL(r.url).pathname.replace(/^.*?\/app\//, ''));
  });
  expect(cached).toEqual(expect.arrayContaining(['', 'ort/ort-wasm-simd-threaded.wasm', 'models/manifest.json']));
  expect(cached.some((p) => /^models\/[^/]+\/onnx\/model\.onnx$/.test(p))).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('[data-testid="result"][data-run="1"]')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(await page.getByTestId('ppl').getAttribute('data-value')).toBe(ppl);
  await context.setOffline(false);
});
