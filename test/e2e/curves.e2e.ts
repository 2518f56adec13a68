/**
 * The training-curve view, end to end: load logs through the file input, see the curves and the
 * diagnosis, zoom and export, bad input with nothing lost, and the checkpoint scrubber re-scoring the
 * shared text with each training snapshot. Backend-independent: runs in the wasm project only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, screenshotPath, test } from './fixtures';

const LOGS = path.join(import.meta.dirname, '..', 'fixtures', 'logs');
const log = (name: string) => path.join(LOGS, name);

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

test('a log file loads, plots train against validation, and the diagnosis names what it shows', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  await page.goto('./?backend=wasm#/curves');
  await expect(page.getByRole('heading', { name: 'Training curves', exact: true })).toBeVisible();
  await page.getByTestId('log-input').setInputFiles([log('nanogpt-shakespeare-char.log')]);

  const chart = page.getByTestId('curve-chart');
  await expect(chart).toBeVisible();
  const img = chart.getByRole('img');
  await expect(img).toHaveAccessibleName(
    /Loss per token: nanogpt-shakespeare-char\. Loss in nats per token against step/,
  );
  await expect(chart.locator('svg title').first()).toHaveText('Loss per token: nanogpt-shakespeare-char');
  await expect(chart.locator('.legend')).toContainText('validation');

  // the diagnosis: overfitting at the validation minimum (step 2000, evaluations every 250)
  const overfit = page.locator('[data-testid="diagnosis"][data-kind="overfitting"]');
  await expect(overfit).toHaveCount(1);
  expect(Math.abs(Number(await overfit.getAttribute('data-step')) - 2000)).toBeLessThanOrEqual(250);
  await expect(overfit).toContainText('Overfitting');
  await expect(page.locator('[data-testid="finding-marker"][data-kind="overfitting"]')).toHaveCount(1);

  // hover read-out
  const overlay = chart.locator('rect.overlay');
  const box = (await overlay.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await expect(page.getByTestId('readout')).toContainText(/step \d/);
  await expect(page.getByTestId('readout')).toContainText('ppl');
  await page.screenshot({ path: screenshotPath('curves'), fullPage: true });

  // a second run (TensorBoard: two tag files join into one run) with a spike at step 1700
  await page
    .getByTestId('log-input')
    .setInputFiles([log('run-gpt2-small-tag-train_loss.csv'), log('run-gpt2-small-tag-val_loss.csv')]);
  await expect(page.getByTestId('run')).toHaveCount(2);
  await expect(chart).toHaveAttribute('data-runs', '2');
  await expect(page.locator('[data-testid="diagnosis"][data-kind="spike"][data-step="1700"]')).toHaveCount(1);

  // bits, log axes, zoom by dragging, reset
  await page.getByTestId('unit-bits').check();
  await expect(img).toHaveAccessibleName(/Loss in bits per token/);
  await page.getByTestId('log-y').check();
  await expect(img).toHaveAccessibleName(/log-scale loss axis/);
  await page.getByTestId('log-y').uncheck();
  await expect(page.getByTestId('zoom-reset')).toBeDisabled();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('zoom-reset')).toBeEnabled();
  await page.getByTestId('zoom-reset').click();
  await expect(page.getByTestId('zoom-reset')).toBeDisabled();

  // exports: CSV (every point), SVG (standalone, with title), PNG
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(csv.suggestedFilename()).toBe('training-curves-2-runs.csv');
  const csvText = fs.readFileSync((await csv.path())!, 'utf8');
  expect(csvText.split('\n')[0]).toBe('run,series,step,loss_nats,loss_smoothed_nats,perplexity');
  expect(csvText.trim().split('\n').length).toBe(1 + 501 + 21 + 151 + 13);
  const [svgFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
  const svgText = fs.readFileSync((await svgFile.path())!, 'utf8');
  expect(svgText).toContain('<svg');
  expect(svgText).toContain('Loss per token: 2 runs');
  expect(svgText).not.toContain('var(--');
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
  expect(png.suggestedFilename()).toMatch(/\.png$/);
  const pngBytes = fs.readFileSync((await png.path())!);
  expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
  await png.saveAs(screenshotPath('curves-export'));
});

test('bad input: a clear message for each, and nothing already loaded is lost', async ({ page, pageErrors }) => {
  void pageErrors;
  await page.goto('./?backend=wasm#/curves');
  await page.getByTestId('log-input').setInputFiles([log('messy.csv')]);
  await expect(page.getByTestId('run')).toHaveCount(1);
  // messy.csv: repaired and said so (sorted, repeated steps, a non-numeric cell, NaN/Inf)
  await page.getByTestId('run-notes').locator('summary').click();
  await expect(page.getByTestId('run-notes')).toContainText('sorted by step');
  await expect(page.getByTestId('run-notes')).toContainText('"oops" at line 5');
  await expect(page.locator('[data-testid="diagnosis"][data-kind="nan"]')).toHaveAttribute('data-step', '600');

  await page.getByTestId('log-input').setInputFiles([
    { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') },
    { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{"lr": 0.001,\n "batch_size": 64}') },
    { name: 'numbers.csv', mimeType: 'text/csv', buffer: Buffer.from('0,5.1,5.2\n10,4.3,4.4\n') },
    {
      name: 'mine.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('t,objective,heldout_objective\n0,5,5.1\n100,4,4.2\n200,3.5,3.7\n'),
    },
  ]);
  const errors = page.getByTestId('error');
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(0)).toContainText('empty.csv is empty');
  await expect(errors.nth(1)).toContainText('without "log_history"');
  await expect(errors.nth(2)).toContainText('holds numbers, not column names');
  // the run loaded before is still there
  await expect(page.getByTestId('run')).toHaveCount(1);

  // unknown columns: the user maps them
  const mapper = page.getByTestId('column-mapper');
  await expect(mapper).toContainText('unrecognised: t, objective, heldout_objective');
  await expect(page.getByTestId('mapping-apply')).toBeDisabled();
  await mapper.locator('[data-column="t"]').selectOption('step');
  await mapper.locator('[data-column="objective"]').selectOption('train');
  await mapper.locator('[data-column="heldout_objective"]').selectOption('val');
  await page.getByTestId('mapping-apply').click();
  await expect(page.getByTestId('run')).toHaveCount(2);
  await expect(mapper).toHaveCount(0);

  // errors can be dismissed one by one; pasting works too
  await errors.nth(0).getByRole('button', { name: 'Dismiss' }).click();
  await expect(errors).toHaveCount(2);
  await page.getByTestId('paste-toggle').click();
  // a paste that is not a log: the message, and the pasted text stays to be fixed
  await page.getByTestId('log-paste').fill('Call me Ishmael.');
  await page.getByTestId('paste-add').click();
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(2)).toContainText('no training log found');
  await expect(page.getByTestId('log-paste')).toHaveValue('Call me Ishmael.');
  await page
    .getByTestId('log-paste')
    .fill(
      'step 0: train loss 4.2, val loss 4.3\nstep 250: train loss 2.0, val loss 2.1\nstep 500: train loss 1.6, val loss 1.7\n',
    );
  await page.getByTestId('paste-add').click();
  await expect(page.getByTestId('run')).toHaveCount(3);
  await expect(page.getByTestId('log-paste')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('curves-errors'), fullPage: true });

  // the chart follows the dark theme and projector mode
  await page.getByTestId('theme-toggle').click();
  await page.getByTestId('projector-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('curve-chart').screenshot({ path: screenshotPath('curves-dark-projector') });
});

test('the bundled models’ logs load with one click', async ({ page, pageErrors }) => {
  void pageErrors;
  const manifest = path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'manifest.json');
  const withLogs = fs.existsSync(manifest)
    ? (
        JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
          models: { id: string; files: Record<string, number>; snapshot?: unknown }[];
        }
      ).models
        .filter((m) => !m.snapshot && !m.id.includes('@') && 'training_log.csv' in m.files)
        .map((m) => m.id)
    : [];
  test.skip(withLogs.length === 0, 'no bundled training logs');
  await page.goto('./?backend=wasm#/curves');
  await expect(page.getByTestId('demo-run')).toHaveCount(withLogs.length);
  for (const id of withLogs) await page.locator(`[data-testid="demo-run"][data-model="${id}"]`).click();
  await expect(page.getByTestId('run')).toHaveCount(withLogs.length);
  for (const id of withLogs) await expect(page.locator(`[data-testid="run"][data-run="${id}"]`)).toHaveCount(1);
  if (withLogs.includes('tiny-overfit')) {
    await expect(
      page.locator('[data-testid="diagnosis"][data-kind="overfitting"][data-run="tiny-overfit"]'),
    ).toHaveCount(1);
  }
  await page.screenshot({ path: screenshotPath('curves-demos'), fullPage: true });
});

test('the checkpoint scrubber re-scores the text with each training snapshot', async ({ page, pageErrors }) => {
  void pageErrors;
  // training snapshots of the default model: manifest entries "<default>@NNN" with a `snapshot` field
  // (other "@" entries, such as a quantized variant, are not checkpoints)
  const manifestFile = path.join(import.meta.dirname, '..', '..', 'dist', 'models', 'manifest.json');
  const manifest = fs.existsSync(manifestFile)
    ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
        default: string;
        models: { id: string; snapshot?: { of: string } }[];
      })
    : { default: '', models: [] };
  const snapshots = manifest.models.filter((m) => m.id.includes('@') && m.snapshot?.of === manifest.default);
  await page.goto('./?backend=wasm#/curves');
  if (snapshots.length === 0) {
    // until the snapshots are exported, the scrubber explains itself and stays out of the way
    await expect(page.getByTestId('scrubber-unavailable')).toBeVisible();
    test.skip(true, `no training snapshots of ${manifest.default || 'the default model'} in dist/models/manifest.json`);
  }
  const slider = page.getByTestId('scrubber');
  await expect(slider).toBeVisible({ timeout: 60_000 });
  const stops = Number(await slider.getAttribute('max')) + 1;
  expect(stops).toBeGreaterThanOrEqual(2);

  const result = page.getByTestId('scrubber-result');
  await slider.fill('0');
  await expect(result).toHaveAttribute('data-model', /@/, { timeout: 180_000 });
  const earliest = Number(await result.getAttribute('data-ppl'));
  await expect(result.getByTestId('token').first()).toBeVisible();

  await slider.fill(String(stops - 1));
  await expect(result).toHaveAttribute('data-model', /^[^@]+$/, { timeout: 180_000 });
  const final = Number(await result.getAttribute('data-ppl'));
  // the finished model is less surprised by the text than its earliest snapshot
  expect(final).toBeLessThan(earliest);

  await slider.fill(String(Math.floor((stops - 1) / 2)));
  await expect(result).toHaveAttribute('data-model', /@/, { timeout: 180_000 });
  await page.getByTestId('scrubber-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('curves-scrubber'), fullPage: true });
});
