/**
 * Polish from the first-minute walkthrough (issue 14): the guessing game's legend, the class table on a
 * phone, chart text in projector mode, axe over every view, the scrubber's snapshot model in the
 * Playground, and the skip link. Backend-independent: runs in the wasm project only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { seriousAxeViolations } from './axe';
import { bundledModels, expect, openPlayground, screenshotPath, test } from './fixtures';

const SHORT_TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.';

interface Manifest {
  default: string;
  models: { id: string; files: Record<string, number>; snapshot?: { of: string } }[];
}
function manifest(): Manifest {
  const file = path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'manifest.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest) : { default: '', models: [] };
}
const snapshotsOfDefault = () => manifest().models.filter((m) => m.snapshot?.of === manifest().default);

/**
 * Score a short text and wait for its heatmap and chart. Unlike scoreInPage this does not wait for one
 * exact score count: a short text is also scored as it is typed, and which of the two runs lands first
 * does not matter here.
 */
async function scoreShort(page: Page, text: string): Promise<void> {
  await page.getByTestId('text-input').fill(text);
  await page.getByTestId('score-button').click();
  await expect
    .poll(() => page.$$eval('[data-testid="token"]', (els) => els.map((e) => e.textContent).join('')), {
      timeout: 240_000,
    })
    .toBe(text);
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  await expect(page.getByTestId('loss-chart')).toBeVisible();
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

// ---- the guessing game ----

/** A game on our own text; `script` lists each position's guesses, the right one last. */
async function playShannon(page: Page, text: string, shown: number, script: string[][]): Promise<void> {
  await page.goto('./?backend=wasm#/shannon');
  if (await page.getByTestId('shannon-new').count()) await page.getByTestId('shannon-new').click();
  await page.getByTestId('shannon-passage').selectOption('custom');
  await page.getByTestId('shannon-text').fill(text);
  await page.getByTestId('shannon-shown').fill(String(shown));
  await page.getByTestId('shannon-player').fill('Ada');
  await page.getByTestId('shannon-start').click();
  const input = page.getByTestId('guess-input');
  await expect(input).toBeFocused();
  for (const guesses of script) for (const g of guesses) await input.pressSequentially(g);
}

const GAME_TEXT = 'The whale surfaced beside the ship. It was huge.';
const GAME_SHOWN = 'The whale surfaced beside the ship. '.length;
/** Guesses per position: 8 (I), 1, 1, 2 (w), 1, 1, 1, 5 (h), 3 (u): one in each shade. */
const GAME_SCRIPT = [
  ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'I'],
  ['t'],
  [' '],
  ['i', 'w'],
  ['a'],
  ['s'],
  [' '],
  ['b', 'v', 'l', 'k', 'h'],
  ['o', 'e', 'u'],
];

test('the guessing game’s shading has a legend that does not rely on colour alone', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes('tiny-byte'), 'tiny-byte is not bundled');
  await playShannon(page, GAME_TEXT, GAME_SHOWN, GAME_SCRIPT);
  const legend = page.getByTestId('shannon-legend');
  await expect(legend).toBeVisible();
  const entries = legend.locator('[data-shade]');
  await expect(entries).toHaveCount(4);
  await expect(legend).toContainText('first guess');
  await expect(legend).toContainText('8 or more');

  // every played letter looks like its legend entry: same background and the same underline
  const look = (el: Element) => {
    const s = getComputedStyle(el);
    return `${s.backgroundColor} | ${s.textDecorationLine} ${s.textDecorationStyle}`;
  };
  const swatches = new Map<string, string>();
  for (const entry of await entries.all()) {
    swatches.set((await entry.getAttribute('data-shade'))!, await entry.locator('.sample').evaluate(look));
  }
  // not colour alone: each shade also has its own underline
  expect(new Set([...swatches.values()].map((v) => v.split(' | ')[1])).size).toBe(4);
  const played = page.getByTestId('shannon-revealed').locator('[data-guesses]');
  await expect(played).toHaveCount(GAME_SCRIPT.length);
  const seen = new Set<string>();
  for (const [i, span] of (await played.all()).entries()) {
    const guesses = Number(await span.getAttribute('data-guesses'));
    expect(guesses).toBe(GAME_SCRIPT[i].length);
    const shade = guesses <= 1 ? 'g1' : guesses <= 3 ? 'g2' : guesses <= 7 ? 'g3' : 'g4';
    await expect(span).toHaveAttribute('data-shade', shade);
    expect(await span.evaluate(look), `letter ${i} (${guesses} guesses)`).toBe(swatches.get(shade));
    seen.add(shade);
  }
  expect(seen.size).toBe(4);
  await page.getByTestId('shannon-board').screenshot({ path: screenshotPath('shannon-legend') });
});

test('the class table fits a phone: no page-wide overflow, every cell reachable', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes('tiny-byte'), 'tiny-byte is not bundled');
  await page.setViewportSize({ width: 390, height: 844 });
  await playShannon(page, GAME_TEXT, GAME_SHOWN, GAME_SCRIPT.slice(0, 4));
  // a second player makes a pooled row too
  await page.getByTestId('next-player-name').fill('Bartholomew the Second');
  await page.getByTestId('next-player').click();
  await page.getByTestId('guess-input').pressSequentially('It');
  const table = page.getByTestId('class-table');
  await expect(table.locator('tfoot')).toHaveCount(1);
  await table.scrollIntoViewIfNeeded();

  const pageOverflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(pageOverflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
  // the table sits in its own box; if it is wider than the box, the box scrolls, takes the keyboard and says so
  const box = page.getByTestId('class-table-scroll');
  const boxRect = (await box.boundingBox())!;
  expect(boxRect.x).toBeGreaterThanOrEqual(0);
  expect(boxRect.x + boxRect.width).toBeLessThanOrEqual(390);
  const { overflows, overflowX, tabIndex } = await box.evaluate((el) => ({
    overflows: el.scrollWidth > el.clientWidth,
    overflowX: getComputedStyle(el).overflowX,
    tabIndex: (el as HTMLElement).tabIndex,
  }));
  if (overflows) {
    expect(['auto', 'scroll']).toContain(overflowX);
    expect(tabIndex).toBe(0);
    await expect(page.getByTestId('class-table-more')).toBeVisible();
  }
  await page.screenshot({ path: screenshotPath('shannon-phone-class-table') });
  // every cell can be brought into view inside the box, and its text is not cut inside the cell
  const cells = table.locator('th, td');
  const n = await cells.count();
  expect(n).toBeGreaterThanOrEqual(15);
  for (let i = 0; i < n; i++) {
    const cell = cells.nth(i);
    await cell.evaluate((el) => el.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
    const r = (await cell.boundingBox())!;
    const b = (await box.boundingBox())!;
    expect(r.x, `cell ${i} starts inside its box`).toBeGreaterThanOrEqual(b.x - 0.5);
    expect(r.x + r.width, `cell ${i} ends inside its box`).toBeLessThanOrEqual(b.x + b.width + 0.5);
    expect(r.x + r.width, `cell ${i} ends on the screen`).toBeLessThanOrEqual(390.5);
    expect(await cell.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `cell ${i} clips its text`).toBe(true);
  }
  if (overflows) {
    await box.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
    await page.screenshot({ path: screenshotPath('shannon-phone-class-table-scrolled') });
  }
});

// ---- projector mode ----

/** The first tick label of a chart: its computed font size and its height on the screen. */
async function tickSize(page: Page, chart: string): Promise<{ computed: number; rendered: number }> {
  const tick = page.getByTestId(chart).locator('text.tick').first();
  await expect(tick).toBeVisible();
  return tick.evaluate((el) => ({
    computed: parseFloat(getComputedStyle(el).fontSize),
    rendered: el.getBoundingClientRect().height,
  }));
}

async function setProjector(page: Page, on: boolean): Promise<void> {
  const toggle = page.getByTestId('projector-toggle');
  if ((await toggle.getAttribute('aria-pressed')) !== String(on)) await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', String(on));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Normal, then projector: the chart's tick labels are larger on the screen, not only in CSS. */
async function expectLargerInProjector(page: Page, chart: string, shot: string): Promise<void> {
  await setProjector(page, false);
  const normal = await tickSize(page, chart);
  await setProjector(page, true);
  const large = await tickSize(page, chart);
  await page.getByTestId(chart).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath(shot) });
  await setProjector(page, false);
  console.log(
    `[projector] ${chart}: tick ${normal.computed} -> ${large.computed} px computed, ${normal.rendered.toFixed(1)} -> ${large.rendered.toFixed(1)} px on screen`,
  );
  // the projector's root size is 20 px against 15 px: 4/3; anything under 1.2 is not a projector
  expect(large.rendered / normal.rendered, `${chart}: ${JSON.stringify({ normal, large })}`).toBeGreaterThan(1.2);
  expect(large.computed, `${chart}: computed font size`).toBeGreaterThan(normal.computed);
}

test('projector mode enlarges the text of every chart', async ({ page, pageErrors }) => {
  void pageErrors;
  const bundled = bundledModels();
  test.skip(!['tiny-bpe1k', 'tiny-byte'].every((m) => bundled.includes(m)), 'tiny-bpe1k and tiny-byte are not bundled');
  await page.setViewportSize({ width: 1280, height: 720 });

  await openPlayground(page, { backend: 'wasm', model: 'tiny-bpe1k' });
  await scoreShort(page, SHORT_TEXT);
  await expectLargerInProjector(page, 'loss-chart', 'projector-loss-chart');

  await page.goto('./?backend=wasm&compare=tiny-byte,tiny-bpe1k#/compare');
  await expect(page.getByTestId('point-chart')).toBeVisible({ timeout: 180_000 });
  await expectLargerInProjector(page, 'point-chart', 'projector-point-chart');

  await page.goto('./?backend=wasm#/curves');
  await page.getByTestId('demo-run').first().click();
  await expectLargerInProjector(page, 'curve-chart', 'projector-curve-chart');

  await playShannon(page, GAME_TEXT, GAME_SHOWN, GAME_SCRIPT.slice(0, 4));
  await expectLargerInProjector(page, 'guess-chart', 'projector-guess-chart');
});

// ---- axe over every view ----

test('axe: no critical or serious violations in any view', async ({ page, pageErrors }) => {
  void pageErrors;
  const bundled = bundledModels();
  test.skip(!['tiny-bpe1k', 'tiny-byte'].every((m) => bundled.includes(m)), 'tiny-bpe1k and tiny-byte are not bundled');

  await openPlayground(page, { backend: 'wasm', model: 'tiny-bpe1k' });
  await scoreShort(page, SHORT_TEXT);
  expect(await seriousAxeViolations(page), 'axe, playground').toEqual([]);

  await page.goto('./?backend=wasm&compare=tiny-byte,tiny-bpe1k#/compare');
  await expect(page.getByTestId('point-chart')).toBeVisible({ timeout: 180_000 });
  expect(await seriousAxeViolations(page), 'axe, compare').toEqual([]);

  await page.goto('./?backend=wasm#/curves');
  await page.getByTestId('demo-run').first().click();
  await expect(page.getByTestId('run')).toHaveCount(1);
  if (snapshotsOfDefault().length) {
    const slider = page.getByTestId('scrubber');
    await expect(slider).toBeVisible({ timeout: 60_000 });
    await slider.fill('0');
    await expect(page.getByTestId('scrubber-result')).toHaveAttribute('data-model', /@/, { timeout: 180_000 });
  }
  expect(await seriousAxeViolations(page), 'axe, curves with a run and the scrubber').toEqual([]);

  await page.goto('./?backend=wasm#/shannon');
  expect(await seriousAxeViolations(page), 'axe, shannon setup').toEqual([]);
  await playShannon(page, GAME_TEXT, GAME_SHOWN, GAME_SCRIPT.slice(0, 4));
  expect(await seriousAxeViolations(page), 'axe, shannon game').toEqual([]);
});

// ---- the scrubber's model in the Playground ----

test('after the scrubber, the Playground says it is on a snapshot and goes back in one click', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const snapshots = snapshotsOfDefault();
  test.skip(snapshots.length === 0, 'no training snapshots of the default model in this build');
  const finished = manifest().default;
  await openPlayground(page, { backend: 'wasm', model: finished });
  await expect(page.getByTestId('snapshot-note')).toHaveCount(0);

  await page.getByTestId('nav-curves').click();
  const slider = page.getByTestId('scrubber');
  await expect(slider).toBeVisible({ timeout: 60_000 });
  await slider.fill('0');
  const result = page.getByTestId('scrubber-result');
  await expect(result).toHaveAttribute('data-model', /@/, { timeout: 180_000 });
  const snapshot = (await result.getAttribute('data-model'))!;

  await page.getByTestId('nav-playground').click();
  const note = page.getByTestId('snapshot-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText(snapshot);
  await expect(note).toContainText('training snapshot');
  await expect(page.getByTestId('model-select')).toHaveValue(snapshot);
  await page.screenshot({ path: screenshotPath('playground-snapshot-note') });

  await page.getByTestId('snapshot-note-back').click();
  await expect(page.getByTestId('model-select')).toHaveValue(finished);
  await expect(note).toHaveCount(0);
  await expect(page.getByTestId('backend')).toHaveText(/^(webgpu|wasm)$/, { timeout: 180_000 });
  // the finished model scores the text again
  await scoreShort(page, SHORT_TEXT);
  await expect(note).toHaveCount(0);
});

// ---- the skip link ----

test('one Tab and Enter reach the text box through the skip link', async ({ page, pageErrors }) => {
  void pageErrors;
  test.skip(!bundledModels().includes('tiny-bpe1k'), 'tiny-bpe1k is not bundled');
  await openPlayground(page, { backend: 'wasm', model: 'tiny-bpe1k' });
  const skip = page.getByTestId('skip-link');
  // out of sight until it takes the focus
  expect(
    await skip.evaluate((el) => el.getBoundingClientRect().width * el.getBoundingClientRect().height),
  ).toBeLessThanOrEqual(1);
  await page.keyboard.press('Tab');
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await expect(skip).toHaveText('Skip to text');
  const r = (await skip.boundingBox())!;
  expect(r.width).toBeGreaterThan(40);
  expect(r.height).toBeGreaterThan(15);
  expect(r.x).toBeGreaterThanOrEqual(0);
  expect(r.y).toBeGreaterThanOrEqual(0);
  await page.screenshot({ path: screenshotPath('skip-link-focused'), clip: { x: 0, y: 0, width: 1280, height: 200 } });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('text-input')).toBeFocused();
  // typing goes into the text
  await page.keyboard.type('!');
  await expect(page.getByTestId('text-input')).toHaveValue(/!/);

  // in another view, it skips to that view's content
  await page.goto('./?backend=wasm#/compare');
  await expect(page.getByRole('heading', { name: 'Compare models' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('text-input')).toBeFocused();
  await expect(page.getByTestId('nav-compare')).toHaveAttribute('aria-current', 'page');
});
