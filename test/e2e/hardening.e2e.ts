/**
 * Hardening (issue 17), in the page: special-token strings in the user's text are plain text unless
 * asked otherwise, and the page says so; the text survives a full storage and a second tab; share links
 * with out-of-range strides or models the recipient lacks. Backend-independent: wasm project only.
 */
import type { Page } from '@playwright/test';
import {
  bundledModels,
  expect,
  openPlayground,
  readTokens,
  scoreInPage,
  screenshotPath,
  test,
  unfoldYourModel,
} from './fixtures';

const MODEL = 'tiny-bpe1k';

test.beforeEach(({ backend }) => {
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled in dist/`);
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

/** Wait for the next completed score (data-run above `after`). */
async function nextResult(page: Page, after: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      Number(document.querySelector<HTMLElement>('[data-testid="result"]')?.dataset.run) > n ||
      document.querySelector('[data-testid="error"]'),
    after,
    { timeout: 120_000 },
  );
}

test('a literal <|endoftext|> is scored as text, the page says so, and the option reads the token', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  // the input: 200 copies scored as 200 tokens of the special id, with no word of it
  const text = '<|endoftext|>'.repeat(200);
  await scoreInPage(page, text);
  const note = page.getByTestId('special-tokens-note');
  await expect(note).toContainText('The text contains <|endoftext|>: scored as plain text');
  const eot = 1279; // tiny-bpe1k's <|endoftext|> (its tokenizer.json added_tokens)
  const plain = await readTokens(page);
  expect(plain.some((t) => t.id === eot)).toBe(false);
  expect(plain.map((t) => t.text).join('')).toBe(text);
  await note.screenshot({ path: screenshotPath('special-tokens-note') });

  const runs = Number(await page.getByTestId('result').getAttribute('data-run'));
  await page.getByTestId('parse-special').check();
  await nextResult(page, runs);
  await expect(note).toContainText('read as the special token');
  const parsed = await readTokens(page);
  expect(parsed.map((t) => t.id)).toEqual(new Array(200).fill(eot));
});

test('two tabs keep their own texts across reloads', async ({ page, context, backend, pageErrors }) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  const other = await context.newPage();
  await openPlayground(other, { backend, model: MODEL });
  await page.getByTestId('text-input').fill('The text of the first tab.');
  await other.getByTestId('text-input').fill('The text of the second tab, typed last.');
  await page.waitForTimeout(800); // past the write delay
  // before: one text for the whole browser, the last writer won silently
  await page.reload();
  await expect(page.getByTestId('text-input')).toHaveValue('The text of the first tab.');
  await other.reload();
  await expect(other.getByTestId('text-input')).toHaveValue('The text of the second tab, typed last.');
  // a new tab starts from the text saved last
  const third = await context.newPage();
  await third.goto(`./?backend=${backend}#/playground`);
  await expect(third.getByTestId('text-input')).toHaveValue('The text of the second tab, typed last.');
});

test('a text too large for a full localStorage survives a reload (IndexedDB)', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  // fill localStorage to its quota with other data
  const filled = await page.evaluate(() => {
    let n = 0;
    const chunk = 'f'.repeat(256 * 1024);
    try {
      for (; n < 200; n++) localStorage.setItem(`pp.test-fill-${n}`, chunk);
    } catch {
      /* full */
    }
    return n;
  });
  expect(filled).toBeLessThan(200);
  const text = `A long text that no longer fits. ${'word '.repeat(60_000)}`;
  await page.getByTestId('text-input').fill(text);
  await page.waitForTimeout(1500); // the write delay, then IndexedDB
  await expect(page.getByTestId('text-not-kept')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('text-input')).toHaveValue(text);
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith('pp.test-fill-')) localStorage.removeItem(key);
  });
});

test('a share link with a stride past the context scores at the largest stride', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  const hash = `#/playground?model=${MODEL}&stride=100000&text=${encodeURIComponent('Call me Ishmael. Some years ago.')}`;
  await page.goto(`./?backend=${backend}${hash}`);
  const result = page.getByTestId('result');
  await expect(result).toHaveAttribute('data-run', '1', { timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(result).toHaveAttribute('data-stride', '255');
  await expect(page.getByTestId('stride-input')).toHaveValue('255');
});

test('a share link naming a model this page lacks says so', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  await page.goto(`./?backend=${backend}#/playground?model=gpt-17-ultra&text=${encodeURIComponent('Hello there.')}`);
  await expect(page.getByTestId('error')).toContainText(
    'The link asks for the model “gpt-17-ultra”, which this page does not have',
    {
      timeout: 120_000,
    },
  );
  await expect(page.getByTestId('result')).toHaveAttribute('data-run', '1', { timeout: 120_000 });
  await expect(page.getByTestId('error')).toContainText('gpt-17-ultra'); // still up after the score
});

test('the stride field shows only strides it uses', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  const field = page.getByTestId('stride-input');
  for (const [typed, shown, note] of [
    ['0', '', /0 is not a stride/],
    ['-5', '', /-5 is not a stride/],
    ['1.5', '', /1.5 is not a stride/],
    ['256', '255', /256 is past this model's context: 255 is used/],
    ['64', '64', null],
  ] as const) {
    await field.fill(typed);
    await field.press('Enter');
    await field.blur();
    await expect(field, typed).toHaveValue(shown);
    if (note) await expect(page.getByTestId('stride-note')).toContainText(note);
    else await expect(page.getByTestId('stride-note')).toHaveCount(0);
  }
  await page.getByTestId('stride-input').fill('256');
  await field.blur();
  await page
    .locator('label.field')
    .filter({ has: field })
    .screenshot({ path: screenshotPath('stride-corrected') });
});

test('a refused hub endpoint is never saved', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  await unfoldYourModel(page);
  await page.getByTestId('your-model-more').locator('> summary').click();
  const field = page.getByTestId('hub-endpoint');
  await field.fill('javascript:alert(1)');
  await field.dispatchEvent('change');
  await expect(page.getByTestId('error')).toContainText('must be an http(s) URL; it was not saved');
  expect(await page.evaluate(() => localStorage.getItem('pp.hub-endpoint'))).toBeNull();
  // a good one is saved, normalised
  await field.fill('http://localhost:9/hub/');
  await field.dispatchEvent('change');
  expect(await page.evaluate(() => localStorage.getItem('pp.hub-endpoint'))).toBe('http://localhost:9/hub');
  // one saved by an older version that refused but saved it is not used after a reload
  await page.evaluate(() => localStorage.setItem('pp.hub-endpoint', 'javascript:alert(1)'));
  await page.reload();
  await unfoldYourModel(page);
  await page.getByTestId('your-model-more').locator('> summary').click();
  await expect(page.getByTestId('hub-endpoint')).toHaveValue('https://huggingface.co');
});

test('Compare scores a literal <|endoftext|> as text in every panel and says so', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes('tiny-byte'), 'tiny-byte is not bundled in dist/');
  await page.goto(`./?backend=wasm&compare=tiny-byte,${MODEL}#/compare`);
  const byte = page.locator('[data-testid="compare-panel"][data-model="tiny-byte"]');
  await expect(byte).not.toHaveAttribute('data-state', 'loading', { timeout: 180_000 });
  const text = 'a<|endoftext|>b';
  await page.getByTestId('text-input').fill(text);
  await page.getByTestId('score-button').click();
  await page.waitForFunction(
    (chars) => {
      const el = document.querySelector<HTMLElement>('[data-testid="compare-result"]');
      return !!el && el.dataset.running === 'false' && Number(el.dataset.chars) === chars;
    },
    text.length,
    { timeout: 120_000 },
  );
  await expect(page.getByTestId('compare-special-note')).toContainText(
    'The text contains <|endoftext|>: every model scores it as plain text',
  );
  await expect(byte).toHaveAttribute('data-tokens', String(text.length)); // one byte token per character, no special token
});
