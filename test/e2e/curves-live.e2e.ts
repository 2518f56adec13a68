/**
 * The training-curve reader on runs as they are written and as TensorBoard leaves them: a log served
 * over HTTP that grows while the page watches it (Range requests from the length already read), and a
 * dropped `runs/` folder of real event files whose train/ and validation/ halves join into one run.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { realArtefact } from '../real-artefacts';
import { expect, screenshotPath, test } from './fixtures';

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

/** A growing log on another origin: CORS, and Range answered with 206 so only new bytes travel. */
function serveGrowing(file: string) {
  const log: { range: string | null; status: number; bytes: number }[] = [];
  const server = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'Range',
      'Access-Control-Expose-Headers': 'Content-Range, Accept-Ranges',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': 'no-store',
    };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    const body = fs.readFileSync(file);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const from = Number(m[1]);
      if (from >= body.length) {
        log.push({ range: req.headers.range!, status: 416, bytes: 0 });
        return res.writeHead(416, { ...cors, 'Content-Range': `bytes */${body.length}` }).end();
      }
      const part = body.subarray(from);
      log.push({ range: req.headers.range!, status: 206, bytes: part.length });
      return res
        .writeHead(206, {
          ...cors,
          'Content-Type': 'text/csv',
          'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}`,
          'Accept-Ranges': 'bytes',
        })
        .end(part);
    }
    log.push({ range: null, status: 200, bytes: body.length });
    res.writeHead(200, { ...cors, 'Content-Type': 'text/csv', 'Accept-Ranges': 'bytes' }).end(body);
  });
  return new Promise<{ url: string; log: typeof log; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/live/train_log.csv`,
        log,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

/** A run that learns for 12 evaluations, then (appended later) overfits: validation up 2.1 -> 2.9. */
function rows(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const step = i * 100;
    const train = 4 * Math.exp(-i / 8) + 1.2;
    const val = i < 12 ? 4 * Math.exp(-i / 8) + 1.35 : 2.2 + (i - 12) * 0.1;
    out += `${step},${train.toFixed(4)},${val.toFixed(4)}\n`;
  }
  return out;
}

test('a log served over HTTP is watched: appended lines add points and a new finding is announced', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-live-'));
  const file = path.join(dir, 'train_log.csv');
  // the last line is half written when the page first reads it
  const row12 = rows(12, 13);
  fs.writeFileSync(file, 'step,train_loss,val_loss\n' + rows(0, 12) + row12.slice(0, 8));
  const server = await serveGrowing(file);
  try {
    await page.goto('./?backend=wasm#/curves');
    await page.getByTestId('log-url').fill(server.url);
    await expect(page.getByTestId('log-watch')).toBeChecked();
    await page.getByTestId('log-url-load').click();

    const run = page.getByTestId('run');
    await expect(run).toHaveCount(1);
    // the half-written last line waits for its newline
    await expect(run).toHaveAttribute('data-train-points', '12');
    await expect(run).toHaveAttribute('data-val-points', '12');
    await expect(run).toHaveAttribute('data-x-unit', 'step');
    await expect(page.getByTestId('watch')).toContainText('Watching');
    await expect(page.locator('[data-testid="diagnosis"][data-kind="overfitting"]')).toHaveCount(0);

    // the run goes on: finish the line, then eight more evaluations in which validation turns up
    fs.appendFileSync(file, row12.slice(8) + rows(13, 21));
    await expect(run).toHaveAttribute('data-train-points', '21', { timeout: 20_000 });
    await expect(run).toHaveAttribute('data-val-points', '21');
    const overfit = page.locator('[data-testid="diagnosis"][data-kind="overfitting"]');
    await expect(overfit).toHaveCount(1, { timeout: 20_000 });
    await expect(overfit).toHaveAttribute('data-severity', 'warning');
    await expect(page.getByTestId('live-announcement')).toContainText(/overfitting/i);
    await page.screenshot({ path: screenshotPath('curves-live'), fullPage: true });

    // only the appended bytes travelled: the first read was whole, the later ones ranges from the end
    expect(server.log[0]).toMatchObject({ range: null, status: 200 });
    const later = server.log.slice(1);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => r.range !== null && (r.status === 206 || r.status === 416))).toBe(true);
    const grown = later.filter((r) => r.status === 206).reduce((s, r) => s + r.bytes, 0);
    expect(grown).toBe(fs.statSync(file).size - server.log[0].bytes);

    await page.getByTestId('watch-stop').click();
    await expect(page.getByTestId('watch')).toHaveCount(0);
    await expect(run).toHaveCount(1); // the points stay
    await expect(page.getByTestId('live-announcement')).toContainText('Stopped watching');

    // watch again, then remove the run: its watch stops too (or the run would come back)
    await page.getByTestId('log-url-load').click();
    await expect(page.getByTestId('watch')).toHaveCount(1);
    await expect(run).toHaveCount(2);
    await run
      .nth(1)
      .getByRole('button', { name: /Remove/ })
      .click();
    await expect(page.getByTestId('watch')).toHaveCount(0);
    await expect(run).toHaveCount(1);
  } finally {
    await server.close();
  }
});

test('a dropped runs/ folder of event files: train/validation halves join, other runs stay apart', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  // a runs/ folder as a user has it, assembled in a temp dir from the real files (read-only copies)
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-runs-'));
  const put = (rel: string, src: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.copyFileSync(realArtefact('tfevents', src), path.join(root, rel));
  };
  const titanic = 'titanic-keras/titanic/solution/my_log_dir';
  put(
    'runs/keras/train/events.out.tfevents.1580911793.SW-HOME.19324.32536.v2',
    `${titanic}/train/events.out.tfevents.1580911793.SW-HOME.19324.32536.v2`,
  );
  put(
    'runs/keras/train/events.out.tfevents.1580911794.SW-HOME.profile-empty',
    `${titanic}/train/events.out.tfevents.1580911794.SW-HOME.profile-empty`,
  );
  put(
    'runs/keras/validation/events.out.tfevents.1580911795.SW-HOME.19324.32754.v2',
    `${titanic}/validation/events.out.tfevents.1580911795.SW-HOME.19324.32754.v2`,
  );
  put(
    'runs/hf-lora/events.out.tfevents.1744230855.b-3-167.5388.4',
    'agnews-lora/runs/run4/events.out.tfevents.1744230855.b-3-167.5388.4',
  );
  fs.writeFileSync(path.join(root, 'runs/hf-lora/config.yaml'), 'lr: 5e-5\n'); // not a log: left out

  await page.goto('./?backend=wasm#/curves');
  await page.getByTestId('log-folder').setInputFiles(path.join(root, 'runs'));
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(2);
  const keras = page.locator('[data-testid="run"][data-run="keras"]');
  await expect(keras).toHaveAttribute('data-train-points', '60');
  await expect(keras).toHaveAttribute('data-val-points', '60');
  await expect(keras).toHaveAttribute('data-x-unit', 'epoch');
  await expect(keras).toContainText('TensorBoard event file');
  const hf = page.locator('[data-testid="run"][data-run="hf-lora"]');
  await expect(hf).toHaveAttribute('data-train-points', '12');
  await expect(hf).toHaveAttribute('data-val-points', '12');
  await expect(hf).toHaveAttribute('data-x-unit', 'step');
  // Keras' validation folder overfits after epoch ~18 (0.416 -> 0.695)
  const overfit = page.locator('[data-testid="diagnosis"][data-kind="overfitting"][data-run="keras"]');
  await expect(overfit).toHaveCount(1);
  const step = Number(await overfit.getAttribute('data-step'));
  expect(step).toBeGreaterThanOrEqual(5);
  expect(step).toBeLessThanOrEqual(25);
  for (const f of await page.getByTestId('diagnosis').all())
    expect(['warning', 'info']).toContain(await f.getAttribute('data-severity'));
  // the learning-rate / gradient-norm panel for the run that logged them (HF: lr decays to 0)
  const signals = page.getByTestId('signals-chart');
  await expect(signals).toBeVisible();
  await expect(signals.locator('path[data-signal="lr"]')).toHaveCount(1);
  await expect(signals.locator('path[data-signal="left"]')).toHaveCount(1);
  await expect(signals.getByRole('img')).toHaveAccessibleName(
    /learning rate on the right axis and gradient norm on the left axis/,
  );
  // epochs (Keras) and steps (HF) on one axis: said plainly
  await expect(page.getByTestId('mixed-x-units')).toContainText('keras by epoch');
  await expect(page.getByTestId('mixed-x-units')).toContainText('hf-lora by step');
  await page.screenshot({ path: screenshotPath('curves-tfevents'), fullPage: true });
});

test('without the File System Access API the page says so and what to do instead', async ({ page, pageErrors }) => {
  void pageErrors;
  // Firefox and Safari: no showDirectoryPicker / showOpenFilePicker
  await page.addInitScript(() => {
    delete (window as unknown as Record<string, unknown>).showDirectoryPicker;
    delete (window as unknown as Record<string, unknown>).showOpenFilePicker;
  });
  await page.goto('./?backend=wasm#/curves');
  const note = page.getByTestId('watch-unsupported');
  await expect(note).toContainText('cannot watch local files');
  await expect(note).toContainText('python -m http.server');
  await expect(page.getByTestId('watch-folder')).toHaveCount(0);
  // the URL route still works
  await expect(page.getByTestId('log-url')).toBeVisible();
  await expect(page.getByTestId('log-watch')).toBeVisible();
});
