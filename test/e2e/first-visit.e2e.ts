/**
 * A first visit, as a new user makes it on this 2-core machine whose only WebGPU adapter is SwiftShader (a
 * software rasteriser, about 100x slower than WASM): a fresh browser profile, nothing touched. The
 * pre-filled text must come back scored, on WASM, with the reason on screen, and the result must start
 * inside the first screen at a laptop's 1366x768 and in projector mode at 1280x720.
 */
import type { Page } from '@playwright/test';
import { bundledModels, expect, screenshotPath, test } from './fixtures';

test.beforeEach(() => {
  test.skip(bundledModels().length === 0, 'no bundled model in dist/');
});

/** The webgpu project starts Chromium with --enable-unsafe-webgpu: the software adapter is there. */
function onSoftwareAdapter(backend: string) {
  test.skip(backend !== 'webgpu', 'needs the software WebGPU adapter (the webgpu project)');
}

/** Tests of what does not depend on the backend run once, in the wasm project. */
function backendIndependent(backend: string) {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
}

/** The bottom edge of an element, in CSS pixels from the top of the first screen. */
async function bottomOf(page: Page, testId: string): Promise<number> {
  const box = await page.getByTestId(testId).first().boundingBox();
  if (!box) throw new Error(`${testId} has no box`);
  return box.y + box.height;
}

async function expectScoredOnArrival(page: Page): Promise<void> {
  // nothing but the navigation: the text on screen is scored by itself
  const result = page.locator('[data-testid="result"][data-run="1"]');
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  const text = await page.getByTestId('text-input').inputValue();
  expect(text.length).toBeGreaterThan(100);
  await expect(result).toHaveAttribute('data-text-length', String(text.length));
  // every token coloured: with BOS prepended the first is scored too
  const unscored = await page.locator('[data-testid="token"][data-logprob=""]').count();
  expect(unscored).toBe(0);
}

test('a first visit scores the pre-filled text on WASM, says why, and shows it on the first screen', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  onSoftwareAdapter(backend);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto('./');
  // the adapter really is there, and it is a software one
  const adapter = await page.evaluate(async () => {
    const gpu = (
      navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> } }
    ).gpu;
    const a = await gpu?.requestAdapter();
    return a ? (a.info?.architecture ?? 'unknown') : null;
  });
  expect(adapter).toMatch(/swiftshader/i);
  await expectScoredOnArrival(page);
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('backend-reason')).toHaveText(
    /^WASM: the only WebGPU adapter is a software one \(.*swiftshader.*\)$/i,
  );
  await expect(page.getByTestId('backend-reason')).toBeVisible();
  // above the fold, without a scroll: the text box, the first token, the perplexity
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  for (const id of ['text-input', 'token', 'ppl', 'backend-reason']) {
    expect(await bottomOf(page, id), `${id} inside the first screen`).toBeLessThanOrEqual(768);
  }
  // "Your model" is folded until asked for
  await expect(page.getByTestId('model-url')).toBeHidden();
  await page.screenshot({ path: screenshotPath('first-visit') });
});

test('in projector mode at 1280x720 the result still starts on the first screen', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  onSoftwareAdapter(backend);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('./');
  await page.getByRole('button', { name: 'Projector' }).click();
  await expect(page.locator(':root[data-projector]')).toHaveCount(1);
  await expectScoredOnArrival(page);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  for (const id of ['text-input', 'token', 'ppl']) {
    expect(await bottomOf(page, id), `${id} inside the first screen`).toBeLessThanOrEqual(720);
  }
  await page.screenshot({ path: screenshotPath('first-visit-projector') });
});

test('where the choice is not obvious, auto times a window on each backend and keeps the faster', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  onSoftwareAdapter(backend);
  // tests have only a software adapter: ask auto to time it as it would a hardware one
  await page.goto('./?probe-software-webgpu=1');
  await expectScoredOnArrival(page);
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  const reason = page.getByTestId('backend-reason');
  await expect(reason).toHaveText(
    /^WASM was faster: a 256-token window took [\d.]+ ms on WASM, [\d.]+ ms on WebGPU \(.+\)$/,
  );
  // the two timings behind it, and WASM's really is the smaller
  const title = (await reason.getAttribute('title')) ?? '';
  const [, wasmMs, webgpuMs] = /WASM ([\d.]+) ms, WebGPU ([\d.]+) ms/.exec(title) ?? [];
  expect(Number(wasmMs)).toBeLessThan(Number(webgpuMs));
});

test('a new model or stride re-scores the text by itself, as typing does', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  backendIndependent(backend);
  await page.goto('./?backend=wasm');
  const result = page.getByTestId('result');
  await expect(result).toHaveAttribute('data-run', '1', { timeout: 120_000 });
  const first = await result.getAttribute('data-model');
  const other = await page.evaluate(
    (current) =>
      [...document.querySelectorAll<HTMLOptionElement>('[data-testid="model-select"] option')]
        .map((o) => o.value)
        .find((v) => v !== current && !v.includes('@')),
    first,
  );
  expect(other).toBeTruthy();
  await page.getByTestId('model-select').selectOption(other!);
  await expect(result).toHaveAttribute('data-run', '2', { timeout: 120_000 });
  await expect(result).toHaveAttribute('data-model', other!);
  await page.getByTestId('stride-input').fill('64');
  await page.getByTestId('stride-input').press('Enter');
  await expect(result).toHaveAttribute('data-run', '3', { timeout: 120_000 });
  await expect(result).toHaveAttribute('data-stride', '64');
});

/** The weights files a page asked for, by model folder: `{ 'tiny-bpe8k': 1 }`. */
function countWeights(page: Page): Record<string, number> {
  const counts: Record<string, number> = {};
  page.on('request', (r) => {
    const m = /\/models\/([^/]+)\/onnx\/[^/]+\.onnx$/.exec(new URL(r.url()).pathname);
    if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  });
  return counts;
}

test('the model the page opens starts loading with the page, and is loaded once', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  backendIndependent(backend);
  const models = bundledModels().filter((id) => !id.includes('@'));
  test.skip(models.length < 2, 'needs two bundled models');
  const manifest = (await (await page.request.get('./models/manifest.json')).json()) as { default: string };
  const expectOneLoad = async (counts: Record<string, number>, id: string) => {
    const result = page.locator('[data-testid="result"][data-run="1"]');
    await expect(result).toBeVisible({ timeout: 120_000 });
    await expect(result).toHaveAttribute('data-model', id);
    // one worker, and its weights fetched once: the app's first load took over the one the page started
    expect(counts).toEqual({ [id]: 1 });
    const debug = await page.evaluate(() =>
      (window as unknown as { __pp: { models(): { started: number } } }).__pp.models(),
    );
    expect(debug.started).toBe(1);
  };

  // a fresh visit: the manifest's default
  let counts = countWeights(page);
  await page.goto('./?backend=wasm');
  await expectOneLoad(counts, manifest.default);

  // the model chosen last time is the one loaded early, not the default
  const other = models.find((id) => id !== manifest.default)!;
  await page.evaluate((id) => localStorage.setItem('pp.model', id), other);
  page.removeAllListeners('request');
  counts = countWeights(page);
  await page.goto('./?backend=wasm');
  await expectOneLoad(counts, other);

  // a model the page cannot tell before the app starts (not bundled: one of the user's, or none): only the
  // runtime starts early, and the app loads what it picks (here the default, as it knows no such model), once
  page.removeAllListeners('request');
  counts = countWeights(page);
  await page.goto('./?backend=wasm&model=hub:nobody/nothing');
  await expectOneLoad(counts, manifest.default);
});

test('the text’s tokens show before the model has opened, and take their colours as windows finish', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  backendIndependent(backend);
  // what the page showed the moment the preview's tokens first appeared, and the order of things
  await page.addInitScript(`
    window.__preview = {};
    new MutationObserver(() => {
      const p = window.__preview;
      if (!p.at && document.querySelector('[data-testid="preview-token"]')) {
        p.at = performance.now();
        p.status = document.querySelector('[data-testid="preview-status"]')?.textContent ?? '';
        p.resultThen = document.querySelector('[data-testid="token"]') !== null;
      }
      if (!p.resultAt && document.querySelector('[data-testid="result"] [data-testid="token"]')) p.resultAt = performance.now();
    }).observe(document, { subtree: true, childList: true });
  `);
  await page.goto('./?backend=wasm');
  await expect(page.locator('[data-testid="result"][data-run="1"]')).toBeVisible({ timeout: 120_000 });
  const seen = await page.evaluate(
    () =>
      (window as unknown as { __preview: { at?: number; resultAt?: number; status?: string; resultThen?: boolean } })
        .__preview,
  );
  expect(seen.at, 'the preview appeared').toBeGreaterThan(0);
  expect(seen.resultThen).toBe(false);
  expect(seen.resultAt! - seen.at!, 'the tokens came before the result').toBeGreaterThan(0);
  // read from the tokenizer while the model was still loading (it is read first, before the weights)
  expect(seen.status).toMatch(/tokens? by .*’s tokenizer\. The model is loading/);
  // the preview is gone, and the result's tokens are the ones it showed
  await expect(page.getByTestId('preview')).toHaveCount(0);

  // a long text: the tokens are there while the windows run, coloured up to the windows done, with the
  // numbers the result then has
  const base = await page.getByTestId('text-input').inputValue();
  const long = Array.from({ length: 20 }, (_, i) => `Paragraph ${i + 1}. ${base}`).join('\n\n');
  expect(long.length).toBeGreaterThan(8_000); // many windows: 2,000 tokens, 128 a window
  expect(long.length).toBeLessThanOrEqual(20_000); // scored on arrival
  const context = await page
    .context()
    .browser()!
    .newContext({ baseURL: page.url(), viewport: { width: 1366, height: 768 } });
  const fresh = await context.newPage();
  await fresh.addInitScript((text) => {
    if (!sessionStorage.getItem('pp.seeded')) {
      localStorage.setItem('pp.text', text);
      sessionStorage.setItem('pp.seeded', '1');
    }
  }, long);
  await fresh.goto('./?backend=wasm');
  const mixed = await fresh.waitForFunction(
    () => {
      const coloured = document.querySelectorAll('[data-testid="preview-token"]:not(.pending)');
      const pending = document.querySelectorAll('[data-testid="preview-token"].pending').length;
      if (coloured.length === 0 || pending === 0) return null;
      const ppl = document.querySelector('[data-testid="preview-ppl"]')?.getAttribute('data-value') ?? '';
      return {
        tokens: document.querySelectorAll('[data-testid="preview-token"]').length,
        ppl: Number(ppl),
        coloured: [...coloured].map((el) => ({
          index: (el as HTMLElement).dataset.index!,
          logprob: (el as HTMLElement).dataset.logprob!,
          rank: (el as HTMLElement).dataset.rank!,
          background: (el as HTMLElement).style.backgroundColor,
        })),
      };
    },
    null,
    { timeout: 120_000, polling: 50 },
  );
  const midway = (await mixed.jsonValue())!;
  // the strip scrolled to where the colours stop, for the README
  await fresh
    .locator('[data-testid="preview-token"].pending')
    .first()
    .evaluate((el) => {
      const strip = el.closest<HTMLElement>('[data-testid="preview-tokens"]')!;
      strip.scrollTop += el.getBoundingClientRect().top - strip.getBoundingClientRect().top - strip.clientHeight / 2;
    });
  await fresh.screenshot({ path: screenshotPath('preview') });
  expect(midway.ppl).toBeGreaterThan(1);
  // only a prefix is coloured: the windows finish in order
  const indexes = midway.coloured.map((c) => Number(c.index));
  expect(indexes).toEqual(indexes.map((_, i) => i));
  expect(midway.coloured.every((c) => c.background !== '' && c.logprob !== '')).toBe(true);
  await expect(fresh.locator('[data-testid="result"][data-run="1"]')).toBeVisible({ timeout: 120_000 });
  await expect(fresh.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  expect(await fresh.getByTestId('token').count()).toBe(midway.tokens);
  // each coloured token showed the numbers the result has (the same window's, not an estimate)
  const final = await fresh
    .getByTestId('token')
    .evaluateAll(
      (els, n) => els.slice(0, n).map((el) => [(el as HTMLElement).dataset.logprob, (el as HTMLElement).dataset.rank]),
      indexes.length,
    );
  expect(final).toEqual(midway.coloured.map((c) => [c.logprob, c.rank]));
  await context.close();
});
