/**
 * Shared e2e fixtures: the backend option every project sets, the page hooks (DESIGN.md "Automation
 * hooks") read into plain values, and the golden references.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
export { readGolden, type Golden, type GoldenText } from '../fixtures/golden';

export type Backend = 'wasm' | 'webgpu';

export interface E2eOptions {
  /** The backend a project forces through `?backend=`. */
  backend: Backend;
}

export interface PageToken {
  index: number;
  id: number;
  text: string;
  /** nats; null when unscored */
  logprob: number | null;
  rank: number | null;
}

export interface PageSummary {
  ppl: number;
  bitsPerByte: number;
  tokensScored: number;
}

export const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');

/** Whether the build bundles this model (dist/models/manifest.json). */
export function bundledModels(): string[] {
  const manifest = path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'manifest.json');
  if (!fs.existsSync(manifest)) return [];
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { models: { id: string }[] }).models.map((m) => m.id);
}

export const test = base.extend<E2eOptions & { pageErrors: string[] }>({
  backend: ['wasm', { option: true }],
  // uncaught exceptions in the page fail the test; onnxruntime-web's warnings (console.error) do not.
  // A test asks for it by name and reads it with `void pageErrors;`
  pageErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await use(errors);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/**
 * Open the playground with a backend and model forced through the query, and wait until the model is
 * loaded (the `backend` hook shows what runs).
 */
export async function openPlayground(
  page: Page,
  options: { backend: string; model?: string; stride?: number; threads?: number; query?: Record<string, string> },
): Promise<string> {
  const query = new URLSearchParams({ backend: options.backend, ...options.query });
  if (options.model) query.set('model', options.model);
  if (options.stride) query.set('stride', String(options.stride));
  if (options.threads) query.set('threads', String(options.threads));
  await page.goto(`./?${query}#/playground`);
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveText(/^(webgpu|wasm)$/, { timeout: 180_000 });
  await expect(page.getByTestId('score-button')).toBeEnabled();
  // the text on screen is scored on arrival: wait for it, so that it cannot land after a test's own score
  await page.waitForSelector('[data-testid="result"][data-run="1"], [data-testid="error"]', { timeout: 240_000 });
  return (await backend.textContent())!.trim();
}

/** Unfold the Playground's "Your model" panel (folded until asked for, so the result shows first). */
export async function unfoldYourModel(page: Page): Promise<void> {
  const toggle = page.getByTestId('your-model-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(page.getByTestId('model-url')).toBeVisible();
}

/** Unfold the "Your model" panel's extras: local files, the hub endpoint, the cache (folded by default). */
export async function openMore(page: Page): Promise<void> {
  const more = page.getByTestId('your-model-more');
  if (!(await more.evaluate((el) => (el as HTMLDetailsElement).open))) await more.locator('> summary').click();
  await expect(page.getByTestId('model-drop')).toBeVisible();
}

export async function setEndpoint(page: Page, endpoint: string): Promise<void> {
  await openMore(page);
  await page.getByTestId('hub-endpoint').fill(endpoint);
  await page.getByTestId('hub-endpoint').dispatchEvent('change');
}

/** Type a text, press Score and wait for the result of exactly this text. */
export async function scoreInPage(page: Page, text: string): Promise<{ tokens: PageToken[]; summary: PageSummary }> {
  await page.getByTestId('text-input').fill(text);
  // `data-run` counts completed scores, so an earlier result is not mistaken for this one
  const result = page.getByTestId('result');
  const runs = (await result.count()) ? Number(await result.getAttribute('data-run')) : 0;
  await page.getByTestId('score-button').click();
  // a later run of this text's length: a score that was running before the click (the text scored on
  // arrival) may land first
  await page.waitForFunction(
    ([n, length]) => {
      const result = document.querySelector<HTMLElement>('[data-testid="result"]');
      const done = result && Number(result.dataset.run) > n && Number(result.dataset.textLength) === length;
      return done || document.querySelector('[data-testid="error"]');
    },
    // the text area's own value: it normalises CRLF to LF
    [runs, (await page.getByTestId('text-input').inputValue()).length] as const,
    { timeout: 240_000 },
  );
  const error = page.getByTestId('error');
  if (await error.count()) throw new Error(`scoring failed in the page: ${await error.textContent()}`);
  // long texts render in chunks, one per frame
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  await expect(page.getByTestId('loss-chart')).toBeVisible(); // drawn a frame after the heatmap
  return { tokens: await readTokens(page), summary: await readSummary(page) };
}

export async function readTokens(page: Page): Promise<PageToken[]> {
  return page.$$eval('[data-testid="token"]', (els) =>
    els.map((el) => {
      const e = el as HTMLElement;
      const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
      return {
        index: Number(e.dataset.index),
        id: Number(e.dataset.id),
        text: e.textContent ?? '',
        logprob: num(e.dataset.logprob),
        rank: num(e.dataset.rank),
      };
    }),
  );
}

export async function readSummary(page: Page): Promise<PageSummary> {
  const value = async (id: string) => Number(await page.getByTestId(id).getAttribute('data-value'));
  return {
    ppl: await value('ppl'),
    bitsPerByte: await value('bits-per-byte'),
    tokensScored: await value('tokens-scored'),
  };
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}
