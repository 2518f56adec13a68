/**
 * The catalogue of real models in the model picker: every entry shows its download size before anything
 * downloads, and one click loads it through the hub loader at its pinned revision. The hub is the local
 * imitation (tools/fake-hub.ts) serving, under GPT-2's repository and file names, the Optimum-style merged
 * decoder fixture (test/fixtures/real-export/optimum): the scores must match that file's float64
 * onnxruntime-node reference to 1e-4 nats (float32 logits).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE, resolveCatalogueEntry } from '../../src/lib/models/catalogue';
import { folderFiles, startFakeHub, type FakeHub } from '../../tools/fake-hub';
import { expect, openPlayground, readTokens, screenshotPath, test } from './fixtures';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'real-export', 'optimum');
const reference = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as {
  text: string;
  ids: number[];
  variants: Record<string, { onnxruntime_node_float64: number[] }>;
};
const USER_TEXT = 'My own text, which stays whatever happens. 🐋';

let hub: FakeHub | null = null;
test.afterEach(async () => {
  await hub?.close();
  hub = null;
});

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'the files picked depend on the backend; runs in the wasm project');
});

test('the catalogue shows each real model with its size, and one click loads GPT-2 at its pinned revision', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  const gpt2 = CATALOGUE.find((e) => e.id === 'gpt2')!;
  const layout = resolveCatalogueEntry(gpt2, 'wasm');
  const files = folderFiles(FIXTURE, ['config.json', 'tokenizer.json', 'tokenizer_config.json']);
  files[layout.variant.onnx] = fs.readFileSync(path.join(FIXTURE, 'decoder_model_merged.onnx'));
  hub = await startFakeHub({ [gpt2.repo]: { files } });
  const endpoint = hub.endpoint;
  await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), endpoint);
  await openPlayground(page, { backend: 'wasm' });

  const catalogue = page.getByTestId('catalogue');
  await catalogue.locator('summary').click();
  const entries = page.getByTestId('catalogue-entry');
  await expect(entries).toHaveCount(CATALOGUE.length);
  for (const entry of CATALOGUE) {
    const row = entries.and(page.locator(`[data-model="${entry.id}"]`));
    const expected = resolveCatalogueEntry(entry, 'wasm');
    await expect(row).toHaveAttribute('data-bytes', String(expected.downloadBytes));
    await expect(row).toHaveAttribute('data-variant', expected.variant.onnx);
    await expect(row).toContainText(/\d+(\.\d)? (MB|GB)/);
  }
  // sizes come from the catalogue's data: nothing asked of the hub yet
  expect(hub.requests).toEqual([]);
  await page.screenshot({ path: screenshotPath('catalogue') });

  await page.getByTestId('text-input').fill(reference.text);
  await entries.and(page.locator('[data-model="gpt2"]')).getByTestId('catalogue-load').click();
  const name = `${gpt2.repo}@${gpt2.revision!.slice(0, 7)} · ${layout.variant.onnx.split('/').pop()}`;
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', name, { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue(`catalogue:gpt2#${layout.variant.onnx}`);
  expect(hub.requests).toEqual(
    expect.arrayContaining([
      `GET /${gpt2.repo}/resolve/${gpt2.revision}/config.json`,
      `GET /${gpt2.repo}/resolve/${gpt2.revision}/tokenizer.json`,
      `GET /${gpt2.repo}/resolve/${gpt2.revision}/${layout.variant.onnx}`,
    ]),
  );

  // a new model scores the text on screen by itself
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="token"]').length === n,
    reference.ids.length - 1,
    { timeout: 120_000 },
  );
  await expect(page.getByTestId('tokens')).toHaveAttribute('data-complete', 'true');
  const tokens = await readTokens(page);
  expect(tokens.map((t) => t.id)).toEqual(reference.ids.slice(1));
  const want = reference.variants['decoder_model_merged.onnx'].onnxruntime_node_float64;
  const worst = Math.max(...tokens.map((t, i) => Math.abs(t.logprob! - want[i])));
  expect(worst).toBeLessThanOrEqual(1e-4);
});

test('a catalogue model the hub does not have: a one-line error, the text and the previous model stay', async ({
  page,
  pageErrors,
}) => {
  void pageErrors;
  hub = await startFakeHub({});
  await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), hub.endpoint);
  await openPlayground(page, { backend: 'wasm' });
  const before = await page.getByTestId('model-select').inputValue();
  await page.getByTestId('text-input').fill(USER_TEXT);
  await page.getByTestId('catalogue').locator('summary').click();
  await page
    .getByTestId('catalogue-entry')
    .and(page.locator('[data-model="distilgpt2"]'))
    .getByTestId('catalogue-load')
    .click();
  await expect(page.getByTestId('error')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('text-input')).toHaveValue(USER_TEXT);
  await expect(page.getByTestId('model-select')).toHaveValue(before, { timeout: 60_000 });
});
