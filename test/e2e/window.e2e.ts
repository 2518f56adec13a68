/**
 * The window cap: a model scored in windows shorter than its context (for speed) gives exactly what the
 * command line gives with --window, each token seeing less context (so a higher loss), and the field
 * shows only values it uses.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledModels, expect, openPlayground, scoreInPage, test } from './fixtures';

const MODEL = 'tiny-byte';
const ROOT = path.join(import.meta.dirname, '..', '..');
/** Longer than one 64-token window many times over, and than the 256-token context. */
const TEXT =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing ' +
  'particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.';

function cli(window: number | null): { tokens: { logprob: number | null }[]; totals: { nats_per_token: number } } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-window-'));
  const file = path.join(dir, 'text.txt');
  fs.writeFileSync(file, TEXT);
  try {
    const args = [
      path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      path.join(ROOT, 'cli/score.ts'),
      '--model',
      `models/${MODEL}`,
      '--json',
    ];
    if (window !== null) args.push('--window', String(window));
    return JSON.parse(execFileSync(process.execPath, [...args, file], { cwd: ROOT }).toString());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
});

test('a window below the context scores as the command line does with --window, and costs context', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('pp.e2e-window')) {
      sessionStorage.setItem('pp.e2e-window', '1');
      localStorage.removeItem('pp.window');
    }
  });
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  const full = await scoreInPage(page, TEXT);
  const input = page.getByTestId('window-input');
  await expect(input).toHaveAttribute('placeholder', /256/);

  const run = Number(await page.getByTestId('result').getAttribute('data-run'));
  await input.fill('64');
  await input.press('Enter');
  await input.blur();
  // a new window re-scores by itself
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="result"]')?.getAttribute('data-run')) > n,
    run,
  );
  await expect(page.getByTestId('result')).toHaveAttribute('data-stride', '32');
  await expect(page.getByTestId('stride-input')).toHaveAttribute('placeholder', /^32 /);
  const capped = await scoreInPage(page, TEXT);
  const reference = cli(64);
  const scored = capped.tokens.filter((t) => t.logprob !== null);
  expect(scored.length).toBe(reference.tokens.filter((t) => t.logprob !== null).length);
  const worst = Math.max(
    ...scored.map((t, i) => Math.abs(t.logprob! - reference.tokens.filter((r) => r.logprob !== null)[i].logprob!)),
  );
  expect(worst).toBeLessThan(1e-4);
  // less context, more surprise: the whole-context score is lower
  const nats = (s: { ppl: number }) => Math.log(s.ppl);
  expect(nats(capped.summary)).toBeGreaterThan(nats(full.summary));
  expect(Math.abs(nats(full.summary) - cli(null).totals.nats_per_token)).toBeLessThan(1e-4);

  // kept for the next visit; a value it cannot use is corrected visibly
  await page.reload();
  await expect(page.getByTestId('window-input')).toHaveValue('64');
  await page.getByTestId('window-input').fill('1');
  await page.getByTestId('window-input').press('Enter');
  await expect(page.getByTestId('window-input')).toHaveValue('');
  await expect(page.getByTestId('window-note')).toContainText('not a window');
});
