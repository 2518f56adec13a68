/**
 * A real exporter's model in the page: ../shared/real/genai-builder-llama-fp16 (onnxruntime-genai's model
 * builder: fp16 weights, logits and KV inputs, com.microsoft operators, external weights named
 * model.onnx.data), read in place, loaded by URL from the hub-like local server (./fake-hub.ts: a 302 to
 * the CDN path for weights, CORS) and from local files, and scored; every token's log-probability is
 * within float16's precision (2e-2 nats) of the reference computed here in Node (test/real-reference.ts).
 * WASM runs the whole test; WebGPU one short text by URL (an adapter without shader-f16, as SwiftShader,
 * hands the float16 model to WASM and says why).
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { realArtefact } from '../real-artefacts';
import { genaiLlamaLogits, referenceRows } from '../real-reference';
import { expect, openPlayground, scoreInPage, screenshotPath, setEndpoint, test, unfoldYourModel, type PageToken } from './fixtures';
import { folderFiles, startFakeHub, type FakeHub } from './fake-hub';

const LLAMA = realArtefact('genai-builder-llama-fp16');
const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx', 'onnx/model.onnx.data'];
const TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about a little.';
const SHORT = 'Call me Ishmael.';
/** float16 logits: the page's numbers against a float64 reference on the same model. */
const TOLERANCE = 2e-2;

let hub: FakeHub | null = null;
test.afterEach(async () => {
  await hub?.close();
  hub = null;
});

async function loadFromField(page: Page, location: string, expectName: string): Promise<void> {
  await page.getByTestId('model-url').fill(location);
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', expectName, { timeout: 240_000 });
  await expect(page.getByTestId('score-button')).toBeEnabled();
}

/** The page's tokens against the Node reference: BOS <s> (id 1) prepended, every token scored. */
async function expectReference(tokens: PageToken[]): Promise<number> {
  const ids = [1, ...tokens.map((t) => t.id)];
  const ref = await genaiLlamaLogits(path.join(LLAMA, 'onnx', 'model.onnx'), ids);
  expect(ref.type).toBe('float16');
  const rows = referenceRows(ref.values, ids);
  let worst = 0;
  tokens.forEach((t, i) => {
    expect(t.logprob, `token ${i} is scored`).not.toBeNull();
    const diff = Math.abs(t.logprob! - rows[i].logprob);
    worst = Math.max(worst, diff);
    expect(diff, `token ${i} (${JSON.stringify(t.text)})`).toBeLessThanOrEqual(TOLERANCE);
  });
  return worst;
}

test('the genai-builder Llama (fp16 logits, model.onnx.data) loads by URL and from local files and scores like onnxruntime-node', async ({
  page,
  pageErrors,
  backend,
}) => {
  void pageErrors;
  hub = await startFakeHub({ 'real/genai-llama-fp16': { files: folderFiles(LLAMA, FILES) } });
  await openPlayground(page, { backend });
  await unfoldYourModel(page);
  await setEndpoint(page, hub.endpoint);

  await loadFromField(page, 'real/genai-llama-fp16', 'real/genai-llama-fp16');
  // the weights file the .onnx names, fetched through the CDN redirect
  expect(hub.requests).toContain('GET /real/genai-llama-fp16/resolve/main/onnx/model.onnx.data');
  expect(hub.requests.some((r) => /^GET \/cdn\/[0-9a-f]{64}\/model\.onnx\.data$/.test(r))).toBe(true);
  expect(hub.requests.filter((r) => r.includes('onnx_data'))).toEqual([]);
  const reason = (await page.getByTestId('backend-reason').textContent())?.trim() ?? '';
  const shaderF16 = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }).gpu;
    return (await gpu?.requestAdapter())?.features.has('shader-f16') ?? false;
  });
  if (backend === 'webgpu' && !shaderF16) {
    // SwiftShader has no shader-f16: WASM runs the float16 model, and the line says why
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    expect(reason).toMatch(/computes in float16 and this WebGPU adapter .* has no shader-f16/);
  } else {
    expect(await page.getByTestId('backend').textContent(), `backend: ${reason}`).toBe(backend);
  }

  const byUrl = await scoreInPage(page, backend === 'webgpu' ? SHORT : TEXT);
  const worstUrl = await expectReference(byUrl.tokens);
  test.info().annotations.push({ type: 'max |Δ logprob| by URL', description: worstUrl.toExponential(2) });
  await page.screenshot({ path: screenshotPath(`real-model-${backend}`) });
  if (backend === 'webgpu') return; // SwiftShader: one short text is the check

  // the same folder as local files
  await page.getByTestId('model-files').setInputFiles(FILES.map((f) => path.join(LLAMA, f)));
  await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'local files', { timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  const local = await scoreInPage(page, TEXT);
  expect(local.tokens.map((t) => t.id)).toEqual(byUrl.tokens.map((t) => t.id));
  const worstLocal = await expectReference(local.tokens);
  test.info().annotations.push({ type: 'max |Δ logprob| local files', description: worstLocal.toExponential(2) });
});
