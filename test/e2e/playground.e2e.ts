/**
 * The playground's features (issue 4): colour modes and legend, the token inspector and keyboard
 * navigation, presets, share link, exports, themes, accessibility, safety of HTML-looking text, and
 * persistence. The inspector test runs once per backend project; the rest do not depend on the
 * backend and run in the wasm project only, where they are fast.
 */
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { seriousAxeViolations as axeViolations } from './axe';
import {
  bundledModels,
  expect,
  openPlayground,
  readSummary,
  readTokens,
  scoreInPage,
  screenshotPath,
  test,
  type PageToken,
} from './fixtures';
import { PRESETS } from '../../src/lib/playground/presets';
import { repeatLoss } from '../../src/lib/playground/explain';
import { csvParseRows as parseCsv } from 'd3-dsv';
import { CSV_COLUMNS } from '../../src/lib/playground/export';
import { visibleWhitespace } from '../../src/lib/playground/whitespace';

const MODEL = 'tiny-bpe1k';
const SHORT_TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.\n\tThe end.';
const HOSTILE = '<img src=x onerror=alert(1)>\n<script>alert(1)</script> &amp; "quotes"';

test.beforeEach(() => {
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled in dist/`);
});

/** The backend-independent tests run in the wasm project only. */
function wasmOnly(backend: string) {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
}

/** Wait for the next completed score (data-run above `after`) without pressing Score. */
async function nextResult(page: Page, after: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      Number(document.querySelector('[data-testid="result"]')?.getAttribute('data-run') ?? 0) > n ||
      document.querySelector('[data-testid="error"]'),
    after,
    { timeout: 120_000 },
  );
  const error = page.getByTestId('error');
  if (await error.count()) throw new Error(`scoring failed in the page: ${await error.textContent()}`);
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
}

async function runCount(page: Page): Promise<number> {
  const result = page.getByTestId('result');
  return (await result.count()) ? Number(await result.getAttribute('data-run')) : 0;
}

async function attr(page: Page, testId: string, name = 'data-value'): Promise<number> {
  return Number(await page.getByTestId(testId).getAttribute(name));
}

test('the inspector shows the numbers of the token it inspects', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  test.skip(backend === 'webgpu', 'what the inspector shows does not depend on the backend (CI time)');
  await openPlayground(page, { backend, model: MODEL });
  const { tokens } = await scoreInPage(page, SHORT_TEXT);
  const inspector = page.getByTestId('token-inspector');

  // a token in the middle, clicked (tap), then one with a newline in it
  const newline = tokens.findIndex((t) => t.text.includes('\n'));
  for (const i of [3, newline]) {
    const t = tokens[i];
    await page.locator(`[data-testid="token"][data-index="${i}"]`).click();
    await expect(inspector).toHaveAttribute('data-index', String(i));
    // the page's per-token logprob is the engine's double; the inspector shows the same number
    expect(await attr(page, 'inspector-logprob')).toBe(t.logprob);
    expect(await attr(page, 'inspector-p')).toBeCloseTo(Math.exp(t.logprob!), 12);
    expect(await attr(page, 'inspector-bits')).toBeCloseTo(-t.logprob! / Math.LN2, 12);
    expect(await attr(page, 'inspector-rank')).toBe(t.rank);
    expect(await attr(page, 'inspector-options')).toBeCloseTo(Math.exp(-t.logprob!), 6);
    expect(await attr(page, 'inspector-branching')).toBeGreaterThanOrEqual(1);
    // each "N equally likely options" reads as 2^(the bits shown next to it), within display rounding:
    // bits to 2 decimals (a factor 2^0.005 either way) and the count to 0.1 below 10, to 1 above
    for (const id of ['inspector-options', 'inspector-branching']) {
      const sentence = page.getByTestId(id);
      // "one out of 1,585" or "about 12.5": the count is the last number in the bold part
      const count = Number((await sentence.locator('strong').innerText()).match(/[\d,.]+$/)?.[0].replace(/,/g, ''));
      const bits = Number(await sentence.locator('sup').innerText());
      expect(Number.isFinite(count) && Number.isFinite(bits), `${id}: ${count}, ${bits}`).toBe(true);
      expect(Math.abs(count - 2 ** bits), id).toBeLessThanOrEqual(2 ** bits * (2 ** 0.005 - 1) + 0.5);
    }
    await expect(page.getByTestId('inspector-text')).toHaveText(visibleWhitespace(t.text));
    await expect(page.getByTestId('inspector-logprob')).toContainText(t.logprob!.toFixed(4));
    // the actual token is marked in the bar chart: in the top k at its rank, or after them
    const actual = page.locator('[data-testid="alternative"][data-actual="true"]');
    await expect(actual).toHaveCount(1);
    await expect(actual).toContainText('actual');
  }
  expect(tokens[newline].text).toContain('\n');
  await expect(page.getByTestId('inspector-text')).toContainText('↵');

  // hovering shows another token without moving the pinned one
  await page.locator('[data-testid="token"][data-index="1"]').hover();
  await expect(inspector).toHaveAttribute('data-index', '1');
  await page.getByTestId('ppl').hover();
  await expect(inspector).toHaveAttribute('data-index', String(newline));

  await page.locator(`[data-testid="token"][data-index="5"]`).click();
  await page.getByTestId('ppl').hover();
  if (backend === 'wasm') await page.screenshot({ path: screenshotPath('inspector-open'), fullPage: true });
});

test('keyboard: arrow keys, Home and End move between tokens', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const { tokens } = await scoreInPage(page, SHORT_TEXT);
  const inspector = page.getByTestId('token-inspector');
  const heatmap = page.getByTestId('tokens');
  await heatmap.focus();
  await page.keyboard.press('ArrowRight');
  await expect(inspector).toHaveAttribute('data-index', '0');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(inspector).toHaveAttribute('data-index', '2');
  await expect(page.locator('[data-testid="token"].selected')).toHaveAttribute('data-index', '2');
  expect(await attr(page, 'inspector-logprob')).toBe(tokens[2].logprob);
  await page.keyboard.press('ArrowLeft');
  await expect(inspector).toHaveAttribute('data-index', '1');
  await page.keyboard.press('End');
  await expect(inspector).toHaveAttribute('data-index', String(tokens.length - 1));
  await page.keyboard.press('ArrowRight'); // stays on the last
  await expect(inspector).toHaveAttribute('data-index', String(tokens.length - 1));
  await page.keyboard.press('Home');
  await expect(inspector).toHaveAttribute('data-index', '0');
  await page.keyboard.press('ArrowLeft'); // stays on the first
  await expect(inspector).toHaveAttribute('data-index', '0');
  await page.keyboard.press('Escape');
  await expect(inspector).toHaveAttribute('data-index', '');
  // Ctrl+Enter in the text area scores
  const runs = await runCount(page);
  await page.getByTestId('text-input').fill('Scored from the keyboard, '.repeat(100)); // long: not as you type
  await page.getByTestId('text-input').press('Control+Enter');
  await nextResult(page, runs);
  expect((await readTokens(page)).map((t) => t.text).join('')).toBe('Scored from the keyboard, '.repeat(100));
});

test('hovering inspects a token without redrawing the strip; whitespace marks are not positioned', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  await scoreInPage(page, SHORT_TEXT);
  // tag every token element: a re-render would replace them
  const count = await page.$$eval(
    '[data-testid="token"]',
    (els) => els.map((e) => ((e as HTMLElement).dataset.tagged = 'yes')).length,
  );
  const inspector = page.getByTestId('token-inspector');
  for (const i of [3, 7, 4]) {
    await page.locator(`[data-testid="token"][data-index="${i}"]`).hover();
    await expect(inspector).toHaveAttribute('data-index', String(i));
  }
  expect(await page.locator('[data-testid="token"][data-tagged="yes"]').count()).toBe(count);
  // leaving the strip shows the pinned token again (none)
  await page.getByTestId('ppl').hover();
  await expect(inspector).toHaveAttribute('data-index', '');
  // marks: CSS over the input's own characters, in no positioned element (each would be a paint layer to hit-test)
  await page.getByTestId('show-spaces').check();
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  const marks = await page.$$eval('[data-testid="tokens"] .ws', (els) =>
    els.map((e) => ({
      kind: e.className,
      position: getComputedStyle(e).position,
      mark: getComputedStyle(e, '::before').content,
    })),
  );
  expect(marks.filter((m) => m.kind.includes('space')).length).toBe(SHORT_TEXT.split(' ').length - 1);
  expect(marks.every((m) => m.position === 'static')).toBe(true);
  expect(new Set(marks.map((m) => m.mark))).toEqual(new Set(['"·"', '"↵"', '"→"']));
  expect(await page.getByTestId('tokens').evaluate((e) => e.textContent)).toBe(SHORT_TEXT);
});

test('colour modes recolour the tokens and the legend reads in bits and 1 in N', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const { tokens } = await scoreInPage(page, SHORT_TEXT);
  const backgrounds = () =>
    page.$$eval('[data-testid="token"]', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
  await expect(page.getByTestId('legend')).toContainText('1 in 8'); // 3 bits
  await expect(page.getByTestId('legend')).toContainText('1 in 4,096'); // 12 bits
  const seen = new Set<string>();
  for (const mode of ['rank', 'entropy', 'excess', 'surprisal']) {
    await page.getByTestId(`mode-${mode}`).check({ force: true });
    await expect(page.getByTestId('tokens')).toHaveAttribute('data-mode', mode);
    await expect(page.getByTestId('legend')).toHaveAttribute('data-mode', mode);
    const bg = await backgrounds();
    expect(bg.every((c) => c !== 'rgba(0, 0, 0, 0)')).toBe(true); // every token is scored and coloured
    seen.add(bg.join());
    if (mode === 'rank') {
      // GLTR's green for the model's first choice, purple beyond the top 100
      const gltr = { 1: 'rgb(92, 184, 92)' } as Record<number, string>;
      tokens.forEach((t, i) => {
        if (t.rank === 1) expect(bg[i]).toBe(gltr[1]);
        if (t.rank! > 100) expect(bg[i]).toBe('rgb(167, 104, 201)');
      });
      await expect(page.getByTestId('legend')).toContainText('top 10');
    }
  }
  expect(seen.size).toBe(4);
  // newlines break lines and tabs stay tabs: the heatmap's text is the input, character for character
  expect(await page.getByTestId('tokens').evaluate((e) => e.textContent)).toBe(SHORT_TEXT);
  const lines = await page
    .getByTestId('tokens')
    .evaluate((e) => Math.round(e.scrollHeight / parseFloat(getComputedStyle(e).lineHeight)));
  expect(lines).toBeGreaterThanOrEqual(2);
  // spaces can be marked without changing the text
  await page.getByTestId('show-spaces').check();
  await expect(page.locator('[data-testid="token"] .ws.space').first()).toBeVisible();
  expect(await page.getByTestId('tokens').evaluate((e) => e.textContent)).toBe(SHORT_TEXT);
});

test('every preset scores with one click', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const ppl: Record<string, number> = {};
  let repeated: PageToken[] = [];
  for (const preset of PRESETS) {
    const runs = await runCount(page);
    await page.getByTestId(`preset-${preset.name}`).click();
    await nextResult(page, runs);
    await expect(page.getByTestId('text-input')).toHaveValue(preset.text);
    const tokens = await readTokens(page);
    expect(tokens.map((t) => t.text).join(''), preset.name).toBe(preset.text);
    const summary = await readSummary(page);
    expect(summary.tokensScored, preset.name).toBe(tokens.length);
    expect(Number.isFinite(summary.ppl) && summary.ppl > 1, preset.name).toBe(true);
    ppl[preset.name] = summary.ppl;
    if (preset.name === 'repeated') {
      repeated = tokens;
      // the explanation quotes this text's own drop from the first copy to the second
      let at = 0;
      const records = tokens.map((t) => ({
        ...t,
        start: at,
        end: (at += t.text.length),
        scored: t.logprob !== null,
        entropy: null,
        top: [],
      }));
      const drop = repeatLoss(preset.text, records)!.drop;
      expect(Number(await page.getByTestId('repeat-live').getAttribute('data-value'))).toBeCloseTo(drop, 9);
      await expect(page.getByTestId('repeat-live')).toContainText(`${(100 * drop).toFixed(1)}% lower`);
    }
  }
  // the lessons the presets teach hold for this model
  expect(ppl.shuffled).toBeGreaterThan(ppl.prose);
  expect(ppl.random).toBeGreaterThan(ppl.prose);
  // the second copy is less surprising than the first: only slightly for these tiny models (about 2% for
  // tiny-bpe1k by the command line; they have little in-context copying), far more for a larger model
  const copy = PRESETS.find((p) => p.name === 'repeated')!.text.indexOf('\n\n');
  const firstText = repeated.filter(
    (t) =>
      t.text &&
      repeated
        .slice(0, t.index + 1)
        .map((u) => u.text)
        .join('').length <= copy,
  );
  const secondStart = repeated.findIndex(
    (t, i) =>
      repeated
        .slice(0, i)
        .map((u) => u.text)
        .join('').length >=
      copy + 2,
  );
  const mean = (ts: PageToken[]) => -ts.reduce((s, t) => s + t.logprob!, 0) / ts.length;
  expect(mean(repeated.slice(secondStart))).toBeLessThan(mean(firstText));
});

test('the share link reproduces the view in a fresh browser', async ({ page, browser, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const text = `Shared: ${HOSTILE}\nAnd a second line with ümlauts & emoji 🐋.`;
  await scoreInPage(page, text);
  await page.getByTestId('stride-input').fill('64');
  await page.getByTestId('stride-input').press('Tab');
  await expect(page.getByTestId('result')).toHaveAttribute('data-stride', '64');
  await page.getByTestId('mode-rank').check({ force: true });
  const before = await readTokens(page);
  const ppl = await attr(page, 'ppl');
  await page.getByTestId('share-button').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toContain('#/playground?');

  // a new context: no localStorage, only the link
  const context = await browser.newContext();
  const other = await context.newPage();
  const otherErrors: string[] = [];
  other.on('pageerror', (e) => otherErrors.push(e.message));
  other.on('dialog', (d) => {
    otherErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await other.goto(url);
  await expect(other.getByTestId('text-input')).toHaveValue(text);
  await expect(other.getByTestId('model-select')).toHaveValue(MODEL);
  await expect(other.getByTestId('stride-input')).toHaveValue('64');
  await expect(other.getByTestId('mode-rank')).toBeChecked();
  // it scores by itself, with the same numbers
  await expect(other.getByTestId('result')).toHaveAttribute('data-stride', '64', { timeout: 120_000 });
  await expect(other.getByTestId('tokens')).toHaveAttribute('data-mode', 'rank');
  await expect(other.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  const after = await readTokens(other);
  expect(after.map((t) => [t.text, t.logprob, t.rank])).toEqual(before.map((t) => [t.text, t.logprob, t.rank]));
  expect(await attr(other, 'ppl')).toBe(ppl);
  // the hash goes back to the plain view, and the text is now this browser's own (kept on reload)
  await expect(other).toHaveURL(/#\/playground$/);
  await other.reload();
  await expect(other.getByTestId('text-input')).toHaveValue(text);
  expect(await other.locator('[data-testid="tokens"] img, [data-testid="tokens"] script').count()).toBe(0);
  await context.close();
  expect(otherErrors).toEqual([]);
});

test('CSV and JSON exports parse and match the page; PNG and SVG download', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const text = `${SHORT_TEXT}\n"Quoted", with commas, = signs and ${HOSTILE}`;
  const { tokens, summary } = await scoreInPage(page, text);

  const save = async (testId: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    const file = await download.path();
    return { name: download.suggestedFilename(), bytes: fs.readFileSync(file!) };
  };

  const csv = await save('export-csv');
  expect(csv.name).toMatch(/\.csv$/);
  const rows = parseCsv(csv.bytes.toString('utf8'));
  expect(rows[0]).toEqual([...CSV_COLUMNS]);
  expect(rows.length - 1).toBe(tokens.length);
  const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
  rows.slice(1).forEach((r, i) => {
    const t = tokens[i];
    expect(Number(r[col('index')])).toBe(t.index);
    expect(Number(r[col('id')])).toBe(t.id);
    expect(r[col('text')]).toBe(t.text);
    expect(Number(r[col('logprob_nats')])).toBe(t.logprob);
    expect(Number(r[col('rank')])).toBe(t.rank);
    expect(Number(r[col('surprisal_bits')])).toBeCloseTo(-t.logprob! / Math.LN2, 12);
    expect(Array.isArray(JSON.parse(r[col('top')]))).toBe(true);
  });
  expect(
    rows
      .slice(1)
      .map((r) => r[col('text')])
      .join(''),
  ).toBe(text);

  const json = await save('export-json');
  expect(json.name).toMatch(/\.json$/);
  const data = JSON.parse(json.bytes.toString('utf8'));
  expect(data.model).toBe(MODEL);
  expect(data.text).toBe(text);
  expect(data.totals.ppl).toBe(summary.ppl);
  expect(data.totals.bits_per_byte).toBe(summary.bitsPerByte);
  expect(data.tokens.map((t: PageToken) => [t.index, t.id, t.text, t.logprob, t.rank])).toEqual(
    tokens.map((t) => [t.index, t.id, t.text, t.logprob, t.rank]),
  );

  const png = await save('export-png');
  expect(png.name).toMatch(/\.png$/);
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.bytes.length).toBeGreaterThan(2000);
  fs.writeFileSync(test.info().outputPath('heatmap.png'), png.bytes); // to look at
  const svg = await save('export-svg');
  expect(svg.name).toMatch(/\.svg$/);
  const source = svg.bytes.toString('utf8');
  expect(source).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
  expect(source).toContain('&lt;'); // the text's < is escaped (the tokenizer splits "<img", so not one run)
  expect(source).not.toContain('<img');
  expect(source).not.toContain('<script');
  // the SVG is well-formed XML
  const parsed = await page.evaluate(
    (s) => new DOMParser().parseFromString(s, 'image/svg+xml').getElementsByTagName('parsererror').length,
    source,
  );
  expect(parsed).toBe(0);
});

test('HTML-looking text shows literally and never runs', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await openPlayground(page, { backend, model: MODEL });
  const { tokens } = await scoreInPage(page, HOSTILE);
  expect(tokens.map((t) => t.text).join('')).toBe(HOSTILE);
  await expect(page.getByTestId('tokens')).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.getByTestId('tokens')).toContainText('<script>alert(1)</script>');
  // the inspector and its chart are text too
  for (let i = 0; i < tokens.length; i++) {
    await page.locator(`[data-testid="token"][data-index="${i}"]`).click();
  }
  await page.getByTestId('share-button').click();
  expect(await page.locator('main img, main script, main iframe, main [onerror]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('the text survives reloads and errors; short texts score as you type', async ({ page, backend, pageErrors }) => {
  void pageErrors;
  wasmOnly(backend);
  await openPlayground(page, { backend, model: MODEL });
  const input = page.getByTestId('text-input');

  // as you type: no button
  const runs = await runCount(page);
  await input.fill('');
  await input.pressSequentially('The sea was calm.', { delay: 20 });
  await nextResult(page, runs);
  expect((await readTokens(page)).map((t) => t.text).join('')).toBe('The sea was calm.');

  // an empty text: a clear message
  await input.fill('');
  await page.getByTestId('score-button').click();
  await expect(page.getByTestId('error')).toContainText('empty');

  // a huge paste: a clear message, and the text is kept
  const huge = 'x'.repeat(200_001);
  await input.fill(huge);
  await page.getByTestId('score-button').click();
  await expect(page.getByTestId('error')).toContainText('200,000');
  expect((await input.inputValue()).length).toBe(huge.length);

  await input.fill('kept across reloads, even after an error');
  await page.reload();
  await expect(input).toHaveValue('kept across reloads, even after an error');
});

test('themes, projector mode and phone width; screenshots; no serious axe violations', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  wasmOnly(backend);
  await page.emulateMedia({ colorScheme: 'light' });
  await openPlayground(page, { backend, model: MODEL });
  const prose = PRESETS.find((p) => p.name === 'prose')!;
  let runs = await runCount(page);
  await page.getByTestId('preset-prose').click();
  await nextResult(page, runs);
  await expect(page.getByTestId('text-input')).toHaveValue(prose.text);
  await page.locator('[data-testid="token"][data-index="12"]').click();
  await page.mouse.move(0, 0);

  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await axeViolations(page), 'axe, light theme').toEqual([]);
  await page.screenshot({ path: screenshotPath('playground-light'), fullPage: true });

  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(bg).not.toBe('rgb(251, 251, 250)');
  expect(await axeViolations(page), 'axe, dark theme').toEqual([]);
  await page.screenshot({ path: screenshotPath('playground-dark'), fullPage: true });
  await page.reload(); // the theme is kept
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(page.getByTestId('score-button')).toBeEnabled({ timeout: 120_000 });

  // projector mode: larger type
  const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const normal = await size();
  await page.getByTestId('projector-toggle').click();
  expect(await size()).toBeGreaterThan(normal * 1.2);
  runs = await runCount(page);
  await page.getByTestId('preset-repeated').click();
  await nextResult(page, runs);
  await page.getByTestId('summary').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshotPath('playground-projector') });
  await page.getByTestId('projector-toggle').click();

  // phone width: nothing wider than the screen, and everything still works
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId('score-button')).toBeEnabled({ timeout: 120_000 });
  runs = await runCount(page);
  await page.getByTestId('preset-repeated').click();
  await nextResult(page, runs);
  await page.locator('[data-testid="token"][data-index="4"]').click();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: screenshotPath('playground-phone'), fullPage: true });
});
