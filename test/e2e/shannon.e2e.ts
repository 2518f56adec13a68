/**
 * Shannon's guessing game in Chromium: a short game with scripted guesses, checked against the bounds
 * computed here from the same guesses and the model's figures from the command line's scores of the same
 * text (the same engine on onnxruntime-node). Also: leaving and coming back (and reloading) keeps the
 * game, an empty passage is refused, characters off the keyboard can be skipped or typed, class mode
 * pools the players and exports CSV. Backend-independent: runs in the wasm project only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { seriousAxeViolations as axeViolations } from './axe';
import type { ScoreResult } from '../../src/lib/scoring/types';
import { PASSAGES } from '../../src/lib/shannon/passages';
import { bundledModels, expect, readGolden, screenshotPath, test } from './fixtures';

const MODEL = 'tiny-byte';
/** float32 WASM in the page against float32 onnxruntime-node: per-byte logprobs agree to ~1e-6 nats;
 * a mean over a dozen bytes to well under 1e-4 bits, while a wrong position or context is off by > 0.01. */
const MODEL_BITS_TOLERANCE = 1e-4;
/** The page's numbers are the page's own doubles: only the decimal round trip of data-value differs. */
const EXACT = 1e-12;

const TEXT = 'The whale surfaced beside the ship. It was huge.';
const SHOWN = 'The whale surfaced beside the ship. '.length; // 36
/**
 * The scripted game: for each hidden character, the guesses typed, the right one last. Repeats ('b'
 * twice at "h") are not counted again.  Guess counts: I 3, t 1, ␣ 1, w 2, a 1, s 1, ␣ 1, h 4, u 2, g 1, e 1, . 1
 */
const SCRIPT: string[][] = [
  ['T', 'A', 'I'],
  ['t'],
  [' '],
  ['i', 'w'],
  ['a'],
  ['s'],
  [' '],
  ['b', 'v', 'b', 'l', 'h'],
  ['o', 'u'],
  ['g'],
  ['e'],
  ['.'],
];
const COUNTS = [3, 1, 1, 2, 1, 1, 1, 4, 2, 1, 1, 1];

/** Shannon's bounds, written out again here so that the page is checked against an independent sum. */
function bounds(counts: number[]): { upper: number; lower: number } {
  const N = Math.max(...counts);
  // q[i] = share of positions that took exactly i guesses, i = 1..N; q[N + 1] = 0
  const q = Array.from({ length: N + 2 }, (_, i) => counts.filter((c) => c === i).length / counts.length);
  let upper = 0;
  let lower = 0;
  for (let i = 1; i <= N; i++) {
    if (q[i] > 0) upper -= q[i] * Math.log2(q[i]);
    lower += i * (q[i] - q[i + 1]) * Math.log2(i);
  }
  return { upper, lower };
}

/** The command line's scores of a text with the byte-level model. */
function cliScore(text: string): ScoreResult {
  const root = path.join(import.meta.dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-shannon-'));
  const file = path.join(dir, 'text.txt');
  fs.writeFileSync(file, text);
  try {
    const stdout = execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/tsx/dist/cli.mjs'),
        path.join(root, 'cli/score.ts'),
        '--model',
        `models/${MODEL}`,
        '--json',
        file,
      ],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    ).toString();
    return JSON.parse(stdout) as ScoreResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const value = async (page: Page, id: string) => Number(await page.getByTestId(id).getAttribute('data-value'));

async function openGame(page: Page): Promise<void> {
  await page.goto('./?backend=wasm#/shannon');
  await expect(page.getByTestId('nav-shannon')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: 'Shannon’s guessing game' })).toBeVisible();
}

async function startOwnText(page: Page, text: string, shown: number, player = ''): Promise<void> {
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption('custom');
  await page.getByTestId('shannon-text').fill(text);
  await page.getByTestId('shannon-shown').fill(String(shown));
  await page.getByTestId('shannon-player').fill(player);
  await page.getByTestId('shannon-start').click();
  await expect(page.getByTestId('guess-input')).toBeFocused();
}

/** Type guesses one character at a time, as a player would. */
async function play(page: Page, script: string[][]): Promise<void> {
  const input = page.getByTestId('guess-input');
  for (const guesses of script) {
    for (const g of guesses) await input.pressSequentially(g);
  }
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
});

test('a scripted game: the bounds and the model’s figures shown are the expected ones', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const cli = cliScore(TEXT);
  // byte-level model, ASCII text: token i is character i
  expect(cli.tokens.map((t) => t.text).join('')).toBe(TEXT);
  const hidden = cli.tokens.slice(SHOWN);
  expect(hidden.map((t) => t.text)).toEqual(SCRIPT.map((g) => g.at(-1)));

  await openGame(page);

  // an empty passage is refused with a message
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption('custom');
  await page.getByTestId('shannon-text').fill('');
  await page.getByTestId('shannon-start').click();
  await expect(page.getByTestId('error')).toContainText('empty');
  await page.getByTestId('shannon-text').fill('   \n  ');
  await page.getByTestId('shannon-start').click();
  await expect(page.getByTestId('error')).toContainText('empty');
  await expect(page.getByTestId('guess-input')).toHaveCount(0);
  expect(await axeViolations(page), 'axe, choosing a passage').toEqual([]);

  await startOwnText(page, TEXT, SHOWN, 'Ada');
  await expect(page.getByTestId('shannon-revealed')).toContainText('The whale surfaced beside the ship.');
  await expect(page.getByTestId('shannon-revealed')).not.toContainText('huge');

  // misses are shown; a wrong guess does not reveal
  await play(page, [['T', 'A']]);
  await expect(page.getByTestId('shannon-misses')).toHaveAttribute('data-count', '2');
  await expect(page.getByTestId('shannon-misses')).toContainText('T');
  await expect(page.getByTestId('shannon-feedback')).toContainText('Not “A”');
  await play(page, [['I'], ...SCRIPT.slice(1, 6)]);
  await expect(page.getByTestId('shannon-positions')).toHaveAttribute('data-value', '6');

  // leaving the view and coming back keeps the game; so does a reload
  await page.getByTestId('nav-playground').click();
  await expect(page.getByTestId('text-input')).toBeVisible();
  await page.getByTestId('nav-shannon').click();
  await expect(page.getByTestId('shannon-positions')).toHaveAttribute('data-value', '6');
  await expect(page.getByTestId('shannon-revealed')).toContainText('ship. It was');
  await page.reload();
  await expect(page.getByTestId('shannon-positions')).toHaveAttribute('data-value', '6');
  await expect(page.getByTestId('guess-input')).toBeFocused();

  // the rest of the game, with the model's figures appearing live
  await play(page, SCRIPT.slice(6));
  await expect(page.getByTestId('shannon-finished')).toBeVisible();
  await expect(page.getByTestId('shannon-revealed')).toHaveText(TEXT);
  await expect(page.getByTestId('model-bits-per-char')).not.toHaveAttribute('data-value', '');

  const expected = bounds(COUNTS);
  // hand check of the same numbers: q1 = 8/12, q2 = 2/12, q3 = 1/12, q4 = 1/12
  //   F_upper = 2/3·log2 1.5 + 1/6·log2 6 + 2·1/12·log2 12 = 0.3900 + 0.4308 + 0.5975 = 1.4183
  //   F_lower = 2·(1/6 − 1/12)·1 + 3·(1/12 − 1/12)·log2 3 + 4·(1/12)·2 = 0.1667 + 0 + 0.6667 = 0.8333
  expect(expected.upper).toBeCloseTo(1.4183, 4);
  expect(expected.lower).toBeCloseTo(0.8333, 4);
  expect(Math.abs((await value(page, 'shannon-upper')) - expected.upper)).toBeLessThan(EXACT);
  expect(Math.abs((await value(page, 'shannon-lower')) - expected.lower)).toBeLessThan(EXACT);
  await expect(page.getByTestId('shannon-upper')).toHaveText(expected.upper.toFixed(2));

  // the model on the same positions: its bits are the CLI's surprisals, its guesses the CLI's ranks
  const modelBits = hidden.reduce((s, t) => s - t.logprob!, 0) / hidden.length / Math.LN2;
  expect(Math.abs((await value(page, 'model-bits-per-char')) - modelBits)).toBeLessThan(MODEL_BITS_TOLERANCE);
  const modelBounds = bounds(hidden.map((t) => t.rank!));
  expect(Math.abs((await value(page, 'model-upper')) - modelBounds.upper)).toBeLessThan(EXACT);
  expect(Math.abs((await value(page, 'model-lower')) - modelBounds.lower)).toBeLessThan(EXACT);
  expect(await value(page, 'model-last-rank')).toBe(hidden.at(-1)!.rank);
  expect(Math.abs((await value(page, 'model-last-bits')) - -hidden.at(-1)!.logprob! / Math.LN2)).toBeLessThan(
    MODEL_BITS_TOLERANCE,
  );

  // the chart: an image with an accessible name, one bar per played position and series
  const chart = page.getByRole('img', { name: /Guesses per character for Ada and the model tiny-byte/ });
  await expect(chart).toBeVisible();
  await expect(page.getByTestId('guess-chart').locator('rect.you')).toHaveCount(COUNTS.length);
  await expect(page.getByTestId('guess-chart').locator('rect.model')).toHaveCount(COUNTS.length);

  // class mode: a second player, all right first time; the pooled estimate counts both
  await page.getByTestId('next-player-name').fill('Bo');
  await page.getByTestId('next-player').click();
  await expect(page.getByTestId('guess-input')).toBeFocused();
  await play(
    page,
    SCRIPT.slice(0, 6).map((g) => [g.at(-1)!]),
  );
  await expect(page.getByTestId('shannon-upper')).toHaveAttribute('data-value', '0');
  await expect(page.getByTestId('shannon-lower')).toHaveAttribute('data-value', '0');
  const pooled = bounds([...COUNTS, 1, 1, 1, 1, 1, 1]);
  expect(Math.abs((await value(page, 'pooled-upper')) - pooled.upper)).toBeLessThan(EXACT);
  expect(Math.abs((await value(page, 'pooled-lower')) - pooled.lower)).toBeLessThan(EXACT);
  await expect(page.getByTestId('class-table').locator('tbody tr')).toHaveCount(2);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-summary').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
  expect(csv[0].startsWith('player,unit,positions,skipped,first_try_share,upper_bits,lower_bits')).toBe(true);
  const ada = csv[1].split(',');
  expect(ada.slice(0, 3)).toEqual(['Ada', 'char', '12']);
  expect(Math.abs(Number(ada[5]) - expected.upper)).toBeLessThan(EXACT);
  expect(csv[3].startsWith('class (pooled),char,18,')).toBe(true);

  await page.getByTestId('shannon-revealed').scrollIntoViewIfNeeded();
  expect(await axeViolations(page), 'axe, light theme').toEqual([]);
  await page.screenshot({ path: screenshotPath('shannon'), fullPage: true });
  // as a class sees it on a projector: large type, dark
  if ((await page.getByTestId('projector-toggle').count()) && (await page.getByTestId('theme-toggle').count())) {
    await page.getByTestId('projector-toggle').click();
    if ((await page.locator('html').getAttribute('data-theme')) !== 'dark')
      await page.getByTestId('theme-toggle').click();
    await page.getByTestId('guess-input').focus();
    expect(await axeViolations(page), 'axe, dark projector').toEqual([]);
    await page.screenshot({ path: screenshotPath('shannon-projector'), fullPage: true });
  }
});

test('characters off the keyboard can be typed or skipped, and count for nobody when skipped', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  await openGame(page);
  await startOwnText(page, 'Tea at the café 👍🏽!', 'Tea at the caf'.length);
  // é can be typed (composed or not)
  await expect(page.getByTestId('shannon-skip')).toBeVisible();
  await page.getByTestId('guess-input').pressSequentially('e');
  await page.getByTestId('guess-input').pressSequentially('é');
  await play(page, [[' ']]);
  // the emoji is skipped
  await page.getByTestId('shannon-skip').click();
  await expect(page.getByTestId('shannon-feedback')).toContainText('Skipped');
  await expect(page.getByTestId('shannon-skip')).toHaveCount(0); // "!" is on the keyboard
  await play(page, [['?', '!']]);
  await expect(page.getByTestId('shannon-finished')).toBeVisible();
  await expect(page.getByTestId('shannon-positions')).toHaveAttribute('data-value', '3'); // é, space, ! (not the emoji)
  const expected = bounds([2, 1, 2]);
  expect(Math.abs((await value(page, 'shannon-upper')) - expected.upper)).toBeLessThan(EXACT);
  // the model on the same three positions, the emoji left out too
  await expect(page.getByTestId('model-bits-per-char')).not.toHaveAttribute('data-value', '');
  const cli = cliScore('Tea at the café 👍🏽!');
  const bitsAt = (start: number) =>
    -cli.tokens.filter((t) => t.start === start).reduce((s, t) => s + t.logprob!, 0) / Math.LN2;
  const e = 'Tea at the caf'.length;
  const modelBits = (bitsAt(e) + bitsAt(e + 1) + bitsAt(e + 2 + '👍🏽'.length)) / 3; // é, space, ! after the emoji
  expect(Math.abs((await value(page, 'model-bits-per-char')) - modelBits)).toBeLessThan(MODEL_BITS_TOLERANCE);
});

test('the word variant: guess whole words, the model pays for the whole word', async ({ page, pageErrors }) => {
  void pageErrors;
  await openGame(page);
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption('custom');
  await page.getByTestId('shannon-text').fill(TEXT);
  await page.getByTestId('shannon-shown').fill(String(SHOWN));
  await page.getByTestId('shannon-unit-word').check();
  await page.getByTestId('shannon-start').click();
  const input = page.getByTestId('guess-input');
  await expect(input).toBeFocused();
  // It / was / huge: "this" then "it" (capitals don't matter), "was", "big" then "huge"
  for (const w of ['this', 'it', 'was', 'big', 'huge']) await input.pressSequentially(`${w} `);
  await expect(page.getByTestId('shannon-finished')).toBeVisible();
  await expect(page.getByTestId('shannon-revealed')).toHaveText(TEXT);
  const expected = bounds([2, 1, 2]); // per word
  expect(Math.abs((await value(page, 'shannon-upper')) - expected.upper)).toBeLessThan(EXACT);
  // the model's bits per letter: the words' bytes' surprisals over their 9 letters
  await expect(page.getByTestId('model-bits-per-char')).not.toHaveAttribute('data-value', '');
  const cli = cliScore(TEXT);
  const words = ['It', 'was', 'huge'];
  let at = SHOWN;
  let bits = 0;
  for (const w of words) {
    at = TEXT.indexOf(w, at);
    for (let i = at; i < at + w.length; i++) bits -= cli.tokens[i].logprob! / Math.LN2;
    at += w.length;
  }
  expect(Math.abs((await value(page, 'model-bits-per-char')) - bits / 9)).toBeLessThan(MODEL_BITS_TOLERANCE);
  await page.screenshot({ path: screenshotPath('shannon-words'), fullPage: true });
});

/**
 * A naive scripted player, like Shannon's letter-frequency baseline: it guesses in English letter
 * frequency order and gives the right answer after at most MAX_WRONG wrong guesses.
 */
const FREQUENCY_ORDER = " etaoinshrdlcumwfgypbvkjxqz,.-'";
const MAX_WRONG = 6;
function naiveGuesses(target: string): string[] {
  const wrong = [...FREQUENCY_ORDER].filter((c) => c !== target).slice(0, MAX_WRONG);
  const at = FREQUENCY_ORDER.indexOf(target);
  return [...wrong.slice(0, at >= 0 ? Math.min(at, MAX_WRONG) : MAX_WRONG), target];
}

test('a bundled held-out passage: the model’s figures are the golden references’', async ({ page, pageErrors }) => {
  void pageErrors;
  const passage = PASSAGES.find((p) => p.id === 'moby-dick-line')!;
  const golden = readGolden(MODEL)?.texts.find((t) => t.name === passage.source);
  test.skip(!golden, `no golden reference for ${passage.source}`);
  // the passage is the golden text's opening: the model's per-byte values there are the golden ones
  expect(golden!.text.startsWith(passage.text)).toBe(true);
  const hidden = [...passage.text.slice(passage.shown)];
  const script = hidden.map(naiveGuesses);

  await openGame(page);
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption(passage.id);
  await expect(page.getByTestId('shannon-shown')).toHaveValue(String(passage.shown));
  await page.getByTestId('shannon-player').fill('Frequency table');
  await page.getByTestId('shannon-start').click();
  await expect(page.getByTestId('guess-input')).toBeFocused();
  await play(page, script);
  await expect(page.getByTestId('shannon-finished')).toBeVisible();

  const expected = bounds(script.map((g) => g.length));
  expect(Math.abs((await value(page, 'shannon-upper')) - expected.upper)).toBeLessThan(EXACT);
  expect(Math.abs((await value(page, 'shannon-lower')) - expected.lower)).toBeLessThan(EXACT);

  // ASCII passage, byte-level model: byte i is character i
  const at = hidden.map((_, i) => passage.shown + i);
  await expect(page.getByTestId('model-bits-per-char')).not.toHaveAttribute('data-value', '');
  const modelBits = at.reduce((s, i) => s - golden!.logprob[i], 0) / at.length / Math.LN2;
  expect(Math.abs((await value(page, 'model-bits-per-char')) - modelBits)).toBeLessThan(MODEL_BITS_TOLERANCE);
  const modelBounds = bounds(at.map((i) => golden!.rank[i]));
  expect(Math.abs((await value(page, 'model-upper')) - modelBounds.upper)).toBeLessThan(EXACT);
  expect(Math.abs((await value(page, 'model-lower')) - modelBounds.lower)).toBeLessThan(EXACT);

  // the explanation opens from the keyboard and shows the guess-count frequencies q_i
  await page.getByText('How the bounds work').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('guess-frequencies')).toBeVisible();
  expect(await axeViolations(page), 'axe, finished game').toEqual([]);
  await page.screenshot({ path: screenshotPath('shannon-passage'), fullPage: true });
});
