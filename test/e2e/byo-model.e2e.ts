/**
 * Bring your own model: a bundled model served under another name by a local imitation of the hub
 * (tools/fake-hub.ts: resolve/<rev>/ URLs, 302 to a CDN path, 404s, 401 for unknown repos, a slow file, a
 * connection dropped mid-file), local files through the file input, and an Optimum-style export with
 * position_ids and empty past inputs (training/export_optimum.py). The numbers equal the bundled
 * model's; the second load works with the server stopped; every bad input says what is wrong, keeps the
 * user's text and caches nothing. Backend-independent: runs in the wasm project.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  bundledModels,
  expect,
  openMore,
  openPlayground,
  scoreInPage,
  screenshotPath,
  setEndpoint,
  test,
  unfoldYourModel,
  type PageToken,
} from './fixtures';
import { bigramLogprob, bigramTable } from '../unit/helpers/bigram-model';
import { bigramOnnx } from '../unit/helpers/tiny-onnx';
import { folderFiles, startFakeHub, type FakeHub, type FakeRepo } from '../../tools/fake-hub';

const MODEL = 'tiny-bpe1k';
const ROOT = path.join(import.meta.dirname, '..', '..');
// the build's copy: the fake hub serves exactly the bytes the app bundles
const MODEL_DIR = path.join(ROOT, 'dist', 'models', MODEL);
const TEXT = 'Call me Ishmael. Some years ago, having little money in my purse, I thought I would sail about.';
const HUGE_CONTEXT = 1_048_576;
const BIGRAM = bigramTable(1280, 5);
const USER_TEXT = 'My own text, which must survive every error. 🐋';

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled`);
});

function tinyFiles(): Record<string, Buffer> {
  return folderFiles(MODEL_DIR, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
}

/** Another model's tokenizer: tiny-bpe8k's when the tree has it, else tiny-bpe1k's with an id past 1280. */
function largerTokenizer(tiny: Buffer): Buffer {
  const bpe8k = path.join(ROOT, 'models', 'tiny-bpe8k', 'tokenizer.json');
  if (fs.existsSync(bpe8k)) return fs.readFileSync(bpe8k);
  const json = JSON.parse(tiny.toString('utf8')) as { added_tokens: object[] };
  json.added_tokens.push({
    id: 8191,
    content: '<|other|>',
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return Buffer.from(JSON.stringify(json));
}

function repos(): Record<string, FakeRepo> {
  const tiny = tinyFiles();
  const { 'tokenizer.json': _tok, ...noTokenizer } = tiny;
  void _tok;
  const garbage = Buffer.alloc(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 0x9e) & 0xff;
  return {
    'byo-test/tiny': { files: tiny },
    'byo-test/slow': { files: tiny, slowMs: 60 },
    'byo-test/flaky': { files: tiny },
    'byo-test/no-tokenizer': { files: noTokenizer },
    'byo-test/wrong-tokenizer': { files: { ...tiny, 'tokenizer.json': largerTokenizer(tiny['tokenizer.json']) } },
    // a context so long that a full window of logits (1,048,576 x 1280 x 4 bytes = 5 GB) does not fit: a
    // bigram graph, which has no position table to cap the stated context (src/lib/models/graph-checks.ts)
    'byo-test/huge-context': {
      files: {
        ...tiny,
        'config.json': Buffer.from(
          JSON.stringify({ ...JSON.parse(tiny['config.json'].toString('utf8')), n_positions: HUGE_CONTEXT }),
        ),
        'onnx/model.onnx': Buffer.from(bigramOnnx(BIGRAM, 1280)),
      },
    },
    'byo-test/not-a-model': { files: { ...tiny, 'onnx/model.onnx': garbage } },
    'byo-test/too-big': {
      files: { ...tiny, 'onnx/model.onnx': Buffer.alloc(0) },
      fakeSize: { 'onnx/model.onnx': 5_000_000_000 },
    },
  };
}

/** Load a repo id (or URL) through the panel and wait until the picker's model is it. */
async function loadFromField(page: Page, location: string, expectName: string): Promise<void> {
  await page.getByTestId('model-url').fill(location);
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', expectName, { timeout: 120_000 });
  await expect(page.getByTestId('score-button')).toBeEnabled();
}

/** Load and expect an error; the text and the field survive, the bundled model comes back. */
async function expectLoadError(page: Page, location: string, message: RegExp): Promise<string> {
  await page.getByTestId('model-url').fill(location);
  await page.getByTestId('model-load').click();
  const error = page.getByTestId('error');
  await expect(error).toContainText(message, { timeout: 60_000 });
  await expect(page.getByTestId('text-input')).toHaveValue(USER_TEXT);
  await expect(page.getByTestId('model-url')).toHaveValue(location);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', MODEL, { timeout: 60_000 });
  await expect(page.getByTestId('model-select')).toHaveValue(MODEL);
  const text = (await error.textContent()) ?? '';
  await error.getByRole('button', { name: 'Dismiss' }).click();
  return text;
}

async function cachedPrefixes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const cache = await caches.open('pp-models-v1');
    return (await cache.keys()).map((r) => r.url);
  });
}

function expectSameNumbers(ours: PageToken[], reference: PageToken[], tolerance = 0): void {
  expect(ours.map((t) => t.id)).toEqual(reference.map((t) => t.id));
  expect(ours.map((t) => t.text)).toEqual(reference.map((t) => t.text));
  for (let i = 0; i < ours.length; i++) {
    if (reference[i].logprob === null) expect(ours[i].logprob).toBeNull();
    else if (tolerance === 0) expect(ours[i].logprob, `token ${i}`).toBe(reference[i].logprob);
    else expect(Math.abs(ours[i].logprob! - reference[i].logprob!), `token ${i}`).toBeLessThanOrEqual(tolerance);
  }
}

let hub: FakeHub | null = null;
test.afterEach(async () => {
  await hub?.close();
  hub = null;
});

test('a hub repo loads through redirects with per-file progress, scores like the bundled model, and loads again offline', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  hub = await startFakeHub(repos());
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  await unfoldYourModel(page);
  const reference = await scoreInPage(page, TEXT);

  await setEndpoint(page, hub.endpoint);
  await loadFromField(page, 'byo-test/tiny', 'byo-test/tiny');
  await expect(page.getByTestId('model-select')).toHaveValue(`hub:${hub.endpoint}/byo-test/tiny/resolve/main/`);
  await expect(page.getByTestId('custom-loaded')).toHaveAttribute('data-from-cache', 'false');
  await expect(page.getByTestId('custom-loaded')).toContainText('onnx/model.onnx');
  // the hub's layout: JSON straight from resolve/, weights through a 302 to the CDN
  expect(hub.requests).toEqual(
    expect.arrayContaining([
      'GET /byo-test/tiny/resolve/main/config.json',
      'GET /byo-test/tiny/resolve/main/tokenizer.json',
      'GET /byo-test/tiny/resolve/main/onnx/model.onnx',
      expect.stringMatching(/^GET \/cdn\/[0-9a-f]{64}\/model\.onnx$/),
    ]),
  );
  const fromHub = await scoreInPage(page, TEXT);
  // the same file on the same backend: bit-identical numbers
  expectSameNumbers(fromHub.tokens, reference.tokens);
  expect(fromHub.summary.ppl).toBe(reference.summary.ppl);

  // the cache manager lists it with its size
  const manager = page.getByTestId('cache-manager');
  await manager.locator('summary').first().click();
  const entry = page.getByTestId('cache-entry');
  await expect(entry).toHaveCount(1);
  const sizes = Object.values(tinyFiles()).reduce((s, b) => s + b.length, 0);
  await expect(entry).toHaveAttribute('data-bytes', String(sizes));
  await expect(entry).toHaveAttribute('data-files', '4');
  // the heatmap renders lazily off screen (content-visibility): a viewport tall enough for the page
  await page.setViewportSize({ width: 1280, height: 1900 });
  await page.screenshot({ path: screenshotPath('byo-model') });
  await page.setViewportSize({ width: 1280, height: 900 });

  // the second load: server stopped, page opened again; the picker remembers the model, the cache has it
  await hub.close();
  hub = null;
  // (without ?model=, which would pick the bundled one)
  await page.goto('./?backend=wasm#/playground');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'byo-test/tiny', { timeout: 120_000 });
  await expect(page.getByTestId('custom-loaded')).toHaveAttribute('data-from-cache', 'true');
  await unfoldYourModel(page);
  const offline = await scoreInPage(page, TEXT);
  expectSameNumbers(offline.tokens, reference.tokens);

  // delete it from the cache: the manager is empty again
  await page.getByTestId('cache-manager').locator('summary').first().click();
  await page.getByTestId('cache-delete').click();
  await expect(page.getByTestId('cache-entry')).toHaveCount(0);
  expect(await cachedPrefixes(page)).toEqual([]);
});

test('a slow download shows bytes and percent per file and can be cancelled, caching nothing', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  hub = await startFakeHub(repos());
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  await unfoldYourModel(page);
  await scoreInPage(page, USER_TEXT); // typed text scores by itself: let it finish first
  await setEndpoint(page, hub.endpoint);
  await page.getByTestId('model-url').fill('byo-test/slow');
  await page.getByTestId('model-load').click();
  const weights = page.locator('[data-testid="load-file"][data-file="onnx/model.onnx"]');
  await expect(weights).toBeVisible();
  await expect(weights).toHaveAttribute('data-total', String(tinyFiles()['onnx/model.onnx'].length));
  await expect(weights).toHaveAttribute('data-loaded', /^[1-9]\d*$/);
  await expect(weights).toContainText('%');
  await expect(page.locator('[data-testid="load-file"][data-file="config.json"]')).toContainText('100%');
  await page.getByTestId('load-cancel').click();
  await expect(page.getByTestId('load-progress')).toHaveCount(0);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', MODEL, { timeout: 60_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('text-input')).toHaveValue(USER_TEXT);
  expect(await cachedPrefixes(page)).toEqual([]);
});

test('bad input: each says what is wrong, keeps the text, caches nothing; a dropped download retries', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  hub = await startFakeHub(repos());
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  await unfoldYourModel(page);
  const reference = await scoreInPage(page, TEXT);
  await scoreInPage(page, USER_TEXT); // typed text scores by itself: let it finish first
  await setEndpoint(page, hub.endpoint);

  await expectLoadError(page, 'not a repo id!', /neither a URL nor a hub repo id/);
  await expectLoadError(page, 'byo-test/does-not-exist', /HTTP 401.*does not exist, or it is private/);
  await expectLoadError(
    page,
    `${hub.endpoint}/byo-test/tiny/resolve/no-such-folder/sub/`,
    /has no config\.json \(not found\)/,
  );
  await expectLoadError(page, 'byo-test/no-tokenizer', /has no tokenizer\.json.*needs the model's tokenizer/);
  await expectLoadError(
    page,
    'byo-test/wrong-tokenizer',
    /tokenizer has 8\d{3} token ids but the model's vocab_size is 1280/,
  );
  await expectLoadError(
    page,
    'byo-test/not-a-model',
    /onnx\/model\.onnx is not an ONNX model: its bytes are not an ONNX protobuf/,
  );
  const tooBig = await expectLoadError(page, 'byo-test/too-big', /too large for this backend/);
  expect(tooBig).toContain('5.0 GB');
  // refused from the headers: the 5 GB body was never waited for
  expect(await cachedPrefixes(page)).toEqual([]);

  // the connection drops mid-file on every try: a clear error, nothing cached
  hub.drop.set('byo-test/flaky/onnx/model.onnx', 3);
  await page.getByTestId('model-url').fill('byo-test/flaky');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('error')).toContainText(
    /download failed 3 times.*nothing was cached.*load again to retry/,
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', MODEL, { timeout: 60_000 });
  expect(await cachedPrefixes(page)).toEqual([]);
  // it drops once more, then the network holds: the error's Retry loads it again, and the retry inside
  // that load succeeds
  hub.drop.set('byo-test/flaky/onnx/model.onnx', 1);
  await page.getByTestId('error-retry').click();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'byo-test/flaky', { timeout: 120_000 });
  await expect(page.getByTestId('score-button')).toBeEnabled();
  expect(hub.drop.get('byo-test/flaky/onnx/model.onnx')).toBe(0);
  const flaky = await scoreInPage(page, TEXT);
  expectSameNumbers(flaky.tokens, reference.tokens);
  const keys = await cachedPrefixes(page);
  expect(keys.every((k) => k.includes('/byo-test/flaky/'))).toBe(true);
  expect(keys).toHaveLength(5); // 4 files and the index
});

test('the memory guard scores with a smaller window when a full window of logits would not fit, and says so', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  hub = await startFakeHub(repos());
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  await unfoldYourModel(page);
  const reference = await scoreInPage(page, TEXT);
  await setEndpoint(page, hub.endpoint);
  await loadFromField(page, 'byo-test/huge-context', 'byo-test/huge-context');
  // the window shrinks to what fits, a multiple of 64
  await expect(page.getByTestId('model-note')).toContainText(
    new RegExp(`Scoring with \\d+-token windows instead of the model's ${HUGE_CONTEXT}`),
  );
  const window = Number(/window (\d+) tokens/.exec((await page.getByTestId('custom-loaded').textContent()) ?? '')?.[1]);
  expect(window % 64).toBe(0);
  expect(window).toBeGreaterThan(1000);
  expect(window).toBeLessThan(HUGE_CONTEXT);
  // the text is shorter than one window: each token as the bigram gives it after the one before (BOS first)
  const tokens = (await scoreInPage(page, TEXT)).tokens;
  expect(tokens.map((t) => t.id)).toEqual(reference.tokens.map((t) => t.id));
  const bos = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'config.json'), 'utf8')).bos_token_id as number;
  tokens.forEach((t, i) => {
    expect(
      Math.abs(t.logprob! - bigramLogprob(BIGRAM, 1280, i === 0 ? bos : tokens[i - 1].id, t.id)),
      `token ${i}`,
    ).toBeLessThan(1e-5);
  });
});

test('local files through the file input score like the bundled model; a missing tokenizer is named', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  await openPlayground(page, { backend: 'wasm', model: MODEL });
  await unfoldYourModel(page);
  const reference = await scoreInPage(page, TEXT);
  await scoreInPage(page, USER_TEXT); // typed text scores by itself: let it finish first
  const file = (p: string) => path.join(MODEL_DIR, p);

  // the URL field is in sight; the drop zone and file inputs are folded until the user opens them
  await expect(page.getByTestId('model-url')).toBeVisible();
  await expect(page.getByTestId('model-drop')).toBeHidden();
  await openMore(page);
  await page.getByTestId('model-files').setInputFiles([file('config.json'), file('onnx/model.onnx')]);
  await expect(page.getByTestId('error')).toContainText(/The chosen files have no tokenizer\.json/);
  await expect(page.getByTestId('text-input')).toHaveValue(USER_TEXT);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', MODEL, { timeout: 60_000 });

  await page
    .getByTestId('model-files')
    .setInputFiles([
      file('config.json'),
      file('tokenizer.json'),
      file('tokenizer_config.json'),
      file('onnx/model.onnx'),
    ]);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'local files', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  const local = await scoreInPage(page, TEXT);
  expectSameNumbers(local.tokens, reference.tokens);
  // dropped files are not cached (they are on disk already)
  expect(await cachedPrefixes(page)).toEqual([]);
});

/** Run training/export_optimum.py from the build's copy of the model into a new temporary folder. */
function exportOptimum(extra: string[] = []): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-optimum-'));
  const run = spawnSync(
    '/usr/bin/python3',
    [path.join(ROOT, 'training', 'export_optimum.py'), `--model_id=${MODEL}`, `--out_dir=${out}`, ...extra],
    {
      cwd: ROOT,
      env: { ...process.env, PP_MODELS: path.join(ROOT, 'dist', 'models') },
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  expect(run.status, `export_optimum.py failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
  return out;
}

test('Optimum-style exports (position_ids, empty past; inline or external weights) from the training scripts score like the bundled model', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  test.skip(probe.status !== 0, `/usr/bin/python3 lacks torch/onnx: ${probe.stderr.trim().split('\n').pop()}`);
  const folders: string[] = [];
  try {
    const inline = exportOptimum();
    folders.push(inline);
    const external = exportOptimum(['--external=1']);
    folders.push(external);
    expect(Object.keys(folderFiles(inline))).toEqual(
      expect.arrayContaining(['config.json', 'tokenizer.json', 'model.onnx']),
    );
    expect(Object.keys(folderFiles(external))).toEqual(expect.arrayContaining(['model.onnx', 'model.onnx_data']));
    // the first without the hub's listing (a static host), so that the ordered probing is checked too
    hub = await startFakeHub({
      'byo-test/optimum': { files: folderFiles(inline), listing: false },
      'byo-test/optimum-external': { files: folderFiles(external) },
    });

    await openPlayground(page, { backend: 'wasm', model: MODEL });
    await unfoldYourModel(page);
    const reference = await scoreInPage(page, TEXT);
    await setEndpoint(page, hub.endpoint);
    // another graph (explicit positions, a concatenated empty past): float rounding only. 1e-4 nats is
    // far below any difference the page shows and far above float32 noise over 4 layers
    const TOLERANCE = 1e-4;

    // auto: onnx/model.onnx is not there (404), Optimum's model.onnx at the root is
    await loadFromField(page, 'byo-test/optimum', 'byo-test/optimum');
    await expect(page.getByTestId('custom-loaded')).toContainText('model.onnx');
    expect(hub.requests).toContain('GET /byo-test/optimum/resolve/main/onnx/model.onnx');
    expectSameNumbers((await scoreInPage(page, TEXT)).tokens, reference.tokens, TOLERANCE);

    // external weights: model.onnx_data next to model.onnx, fetched and handed to the runtime
    await loadFromField(page, 'byo-test/optimum-external', 'byo-test/optimum-external');
    expect(hub.requests).toContain('GET /byo-test/optimum-external/resolve/main/model.onnx_data');
    expectSameNumbers((await scoreInPage(page, TEXT)).tokens, reference.tokens, TOLERANCE);

    // the same folder as local files
    const names = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx', 'model.onnx_data'];
    await page.getByTestId('model-files').setInputFiles(names.map((n) => path.join(external, n)));
    await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'local files', { timeout: 60_000 });
    expectSameNumbers((await scoreInPage(page, TEXT)).tokens, reference.tokens, TOLERANCE);
  } finally {
    for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
  }
});
