/**
 * The CPU scoring head in the page: the WebAssembly module assembled from src/lib/scoring/head.wat is
 * what the worker runs, and where it cannot compile (here: the worker's bundled bytes replaced by bytes
 * that are no module, as a browser without WebAssembly SIMD would see the real ones) the page scores on
 * the TypeScript path with the same numbers and says so on the backend line.
 */
import type { Page } from '@playwright/test';
import { expect, openPlayground, scoreInPage, test } from './fixtures';

const TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.';
/** The header and version, then a section id that does not exist. */
const NOT_A_MODULE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x63, 0x00]).toString('base64');

/**
 * Serve the worker bundle with the head's bytes (tools/vite-wat.ts: base64 of "\0asm...") replaced;
 * the function returned says whether they were found (once the worker has been served).
 */
async function breakHeadBytes(page: Page): Promise<() => boolean> {
  let replaced = false;
  await page.context().route(/\/inference\.worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    const script = await response.text();
    const broken = script.replace(/([`"'])AGFzbQ[A-Za-z0-9+/=]+\1/, `'${NOT_A_MODULE}'`);
    replaced = broken !== script;
    await route.fulfill({ response, body: broken });
  });
  return () => replaced;
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'the CPU head runs on the WASM backend');
});

test('the TypeScript fallback gives the same numbers and is named on the backend line', async ({
  page,
  backend,
  pageErrors,
}) => {
  await openPlayground(page, { backend });
  await expect(page.getByTestId('scoring-head-fallback')).toHaveCount(0);
  const wasm = await scoreInPage(page, TEXT);
  expect(wasm.tokens.filter((t) => t.logprob !== null).length).toBeGreaterThan(10);

  const replaced = await breakHeadBytes(page);
  await page.goto('about:blank'); // a new document, and a new worker (the same URL again would only move the hash)
  await openPlayground(page, { backend });
  expect(replaced(), 'the worker bundle holds the head as base64').toBe(true);
  const line = page.getByTestId('scoring-head-fallback');
  await expect(line).toHaveText('scoring head: TypeScript fallback');
  await expect(line).toHaveAttribute('title', /^the WebAssembly module did not compile: .+/);
  const typescript = await scoreInPage(page, TEXT);

  expect(typescript.tokens.map((t) => t.id)).toEqual(wasm.tokens.map((t) => t.id));
  expect(typescript.tokens.map((t) => t.rank)).toEqual(wasm.tokens.map((t) => t.rank));
  // the same float32 logits; the two heads' exp approximations agree to ~1e-13 relative
  for (let i = 0; i < wasm.tokens.length; i++) {
    const a = wasm.tokens[i].logprob;
    const b = typescript.tokens[i].logprob;
    if (a === null || b === null) expect(b).toBe(a);
    else expect(Math.abs(a - b)).toBeLessThan(1e-9);
  }
  expect(pageErrors).toEqual([]);
});
