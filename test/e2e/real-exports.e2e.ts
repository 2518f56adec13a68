/**
 * The real-export fixtures (test/fixtures/real-export, made by training/fixtures/make_real_exports.py) loaded
 * by repo id from the local imitation of the hub (tools/fake-hub.ts: resolve/<rev>/ URLs, weights through a
 * redirect, CORS) through the "Your model" panel, and scored in the page: every token's logprob within
 * 1e-4 nats (float32 logits) or 2e-2 (float16 logits) of the file's float64 onnxruntime-node reference, on
 * WASM and on WebGPU.
 *
 * Each file the references list gets a test, whatever it needs: float16 logits, external weights by the
 * locations the ONNX file names, genai_config.json instead of config.json. A float16 model on a WebGPU
 * adapter without shader-f16 (SwiftShader here) runs on WASM, and the page must say why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { folderFiles, startFakeHub, type FakeHub } from '../../tools/fake-hub';
import type { Page } from '@playwright/test';
import { expect, openPlayground, scoreInPage, screenshotPath, test, unfoldYourModel } from './fixtures';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'real-export');
/** float32 logits: the page's log-softmax against a float64 one of the same logits; float16: its precision. */
const TOLERANCE = { float32: 1e-4, float16: 2e-2 } as const;

interface Reference {
  text: string;
  ids: number[];
  variants: Record<string, { dtype: string; logits_type: 'float32' | 'float16'; onnxruntime_node_float64: number[] }>;
}

let hub: FakeHub | null = null;
test.afterEach(async () => {
  await hub?.close();
  hub = null;
});

/**
 * What the webgpu project runs: fp32 with external data, MatMulNBits, MatMulInteger and one float16 file.
 * Left out: both Optimum decoders (the same MatMul kernels; the merged one's If runs on the CPU), the
 * other float16 files
 * (WASM here), and the genai multi-part graph: onnxruntime-web 1.30's WebGPU MultiHeadAttention returns wrong
 * numbers on SwiftShader from 32 tokens on (training/fixtures/mha_webgpu_repro.py), so both 'auto' and
 * forced WebGPU refuse it there; the last two tests check that.
 */
const WEBGPU_SUBSET = new Set([
  'transformers-js/onnx/model.onnx',
  'transformers-js/onnx/model_q4.onnx',
  'transformers-js/onnx/model_quantized.onnx',
  'transformers-js/onnx/model_fp16.onnx',
]);

const layouts = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
for (const layout of layouts) {
  const folder = path.join(FIXTURES, layout);
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as Reference;
  const all = folderFiles(folder);
  for (const [file, variant] of Object.entries(reference.variants)) {
    // the panel's variant menu names onnx/ files; Optimum's root files are found by the auto order
    const menu = file.startsWith('onnx/') ? file : 'auto';
    // the plain Optimum decoder is reached by leaving the merged one out of the repository
    const files =
      file === 'decoder_model.onnx'
        ? Object.fromEntries(Object.entries(all).filter(([p]) => p !== 'decoder_model_merged.onnx'))
        : all;

    const tolerance = TOLERANCE[variant.logits_type];
    test(`${layout}/${file} (${variant.dtype}) from the hub scores within ${tolerance} nats of its reference`, async ({
      page,
      backend,
      pageErrors,
    }) => {
      void pageErrors;
      // SwiftShader is slow: on WebGPU, one test per kind of kernel (the float16 files all run on WASM there,
      // for want of shader-f16: model_fp16 checks that once)
      test.skip(
        backend === 'webgpu' && !WEBGPU_SUBSET.has(`${layout}/${file}`),
        'on WebGPU: one file per kind of kernel (CI time)',
      );
      hub = await startFakeHub({ [`fixtures/${layout}`]: { files } });
      await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), hub.endpoint);
      await openPlayground(page, { backend });
      await unfoldYourModel(page);
      await page.getByTestId('model-url').fill(`fixtures/${layout}`);
      await page.getByTestId('model-variant').selectOption(menu);
      await page.getByTestId('model-load').click();
      await expect(page.getByTestId('model-select')).toHaveValue(
        new RegExp(`^hub:.*/fixtures/${layout}/resolve/main/`),
        { timeout: 120_000 },
      );
      await expect(page.getByTestId('custom-loaded')).toContainText(file, { timeout: 120_000 });
      expect(hub.requests).toContain(`GET /fixtures/${layout}/resolve/main/${file}`);

      const { tokens } = await scoreInPage(page, reference.text);
      // on the backend the project forces, not a fallback; float16 weights need shader-f16 on WebGPU
      const adapterHasF16 = await page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } })
          .gpu;
        return (await gpu?.requestAdapter())?.features.has('shader-f16') ?? false;
      });
      if (backend === 'webgpu' && variant.logits_type === 'float16' && !adapterHasF16) {
        await expect(page.getByTestId('backend')).toHaveText('wasm');
        await expect(page.getByTestId('backend-reason')).toContainText('shader-f16');
      } else {
        await expect(page.getByTestId('backend')).toHaveText(backend);
      }
      expect(tokens.map((t) => t.id)).toEqual(reference.ids.slice(1));
      const want = variant.onnxruntime_node_float64;
      const worst = Math.max(...tokens.map((t, i) => Math.abs(t.logprob! - want[i])));
      expect(worst, `max |page - reference| on ${backend}`).toBeLessThanOrEqual(tolerance);
    });
  }
}

test("a repo id's listing chooses the variant for the backend and says why; without one, the files are probed in order", async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  test.skip(backend !== 'wasm', 'the choice is logic, checked once (WASM)');
  const layout = 'transformers-js';
  const folder = path.join(FIXTURES, layout);
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as Reference;
  const files = folderFiles(folder);
  hub = await startFakeHub({ 'fixtures/listed': { files }, 'fixtures/unlisted': { files, listing: false } });
  await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), hub.endpoint);
  await openPlayground(page, { backend });
  await unfoldYourModel(page);

  // WASM runs fp32, quantized, uint8, int8 and q4 well: the smallest of those the repository has
  const sizes = Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.length]));
  const wasmVariants = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx'];
  const bytes = (f: string) => sizes[f] + (sizes[`${f}_data`] ?? 0);
  const expected = wasmVariants.reduce((a, b) => (bytes(b) < bytes(a) ? b : a));
  await page.getByTestId('model-url').fill('fixtures/listed');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('custom-loaded')).toContainText(expected, { timeout: 120_000 });
  expect(hub.requests).toContain('GET /api/models/fixtures/listed/tree/main');
  expect(hub.requests.filter((r) => r.startsWith('GET /fixtures/listed/resolve/main/onnx/'))).toEqual([
    `GET /fixtures/listed/resolve/main/${expected}`,
  ]);
  const note = page.getByTestId('variant-choice');
  await expect(note).toHaveText(
    new RegExp(
      `^Chose ${expected.replace(/\./g, '\\.')} \\(\\w+, [\\d.]+ kB\\) from the repository's listing: the smallest of the variants WASM runs well`,
    ),
  );
  const { tokens } = await scoreInPage(page, reference.text);
  const want = reference.variants[expected].onnxruntime_node_float64;
  expect(Math.max(...tokens.map((t, i) => Math.abs(t.logprob! - want[i])))).toBeLessThanOrEqual(TOLERANCE.float32);

  // a host without the tree API: today's order, fp32 first
  await page.getByTestId('model-url').fill('fixtures/unlisted');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('custom-loaded')).toContainText('fixtures/unlisted', { timeout: 120_000 });
  await expect(page.getByTestId('custom-loaded')).toContainText('onnx/model.onnx;');
  expect(hub.requests).toContain('GET /api/models/fixtures/unlisted/tree/main');
  await expect(page.getByTestId('variant-choice')).toHaveCount(0);
});

/**
 * Load the genai multi-part fixture (MultiHeadAttention: wrong on SwiftShader's WebGPU) by repo id with a
 * backend preference; returns its reference log-probabilities and text.
 */
async function loadMultipart(
  page: Page,
  options: Parameters<typeof openPlayground>[1],
): Promise<{ text: string; want: number[] }> {
  const layout = 'genai-multipart';
  const folder = path.join(FIXTURES, layout);
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as Reference;
  hub = await startFakeHub({ [`fixtures/${layout}`]: { files: folderFiles(folder) } });
  await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), hub.endpoint);
  await openPlayground(page, options);
  await unfoldYourModel(page);
  await page.getByTestId('model-url').fill(`fixtures/${layout}`);
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('custom-loaded')).toContainText('model.onnx', { timeout: 120_000 });
  return { text: reference.text, want: reference.variants['model.onnx'].onnxruntime_node_float64 };
}

const worstOf = (tokens: { logprob: number | null }[], want: number[]) =>
  Math.max(...tokens.map((t, i) => Math.abs(t.logprob! - want[i])));

test("auto refuses WebGPU where its numbers disagree with WASM's on the probe window, and says so", async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  test.skip(backend !== 'webgpu', 'needs a WebGPU adapter (the webgpu project)');
  // the probe times (and compares) a window on both backends even on this software adapter
  const { text, want } = await loadMultipart(page, { backend: 'auto', query: { 'probe-software-webgpu': '1' } });
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('backend-reason')).toContainText("WebGPU's numbers disagreed with WASM's");
  const { tokens } = await scoreInPage(page, text);
  expect(worstOf(tokens, want)).toBeLessThanOrEqual(TOLERANCE.float32);
});

test('forced WebGPU is checked against WASM too: on disagreement WASM scores, unless the user insists', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  test.skip(backend !== 'webgpu', 'needs a WebGPU adapter (the webgpu project)');
  const { text, want } = await loadMultipart(page, { backend: 'webgpu' });
  const reason = page.getByTestId('backend-reason');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(reason).toContainText("WebGPU's numbers disagreed with WASM's on this model: up to ");
  const nats = Number(await reason.getAttribute('data-disagreement-nats'));
  expect(nats, 'the size of the disagreement, on the backend line').toBeGreaterThan(0.1);
  expect(await reason.textContent()).toContain(`up to ${nats.toPrecision(3)} nats`);
  await reason.locator('..').screenshot({ path: screenshotPath('backend-disagreement') });
  // WASM's numbers: the reference's
  expect(worstOf((await scoreInPage(page, text)).tokens, want)).toBeLessThanOrEqual(TOLERANCE.float32);

  // the user insists: WebGPU runs, and the line still says by how much it disagrees
  await page.getByTestId('backend-insist').click();
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 120_000 });
  await expect(reason).toContainText("although its numbers disagree with WASM's by up to");
  await expect(reason).toHaveClass(/warn/);
  await expect(page.getByTestId('backend-insist')).toHaveCount(0);
  const worst = worstOf((await scoreInPage(page, text)).tokens, want);
  expect(
    worst,
    'the kernel bug is still there (if this fails, onnxruntime-web fixed it: add the file back to WEBGPU_SUBSET)',
  ).toBeGreaterThan(0.1);
});
