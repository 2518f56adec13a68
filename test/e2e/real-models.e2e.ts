/**
 * A real exporter's model in the page: ../shared/real/genai-builder-llama-fp16 (onnxruntime-genai's model
 * builder: fp16 weights, logits and KV inputs, com.microsoft operators, external weights named
 * model.onnx.data), read in place, loaded by URL from the hub-like local server (tools/fake-hub.ts: a 302 to
 * the CDN path for weights, CORS) and from local files, and scored; every token's log-probability is
 * within float16's precision (2e-2 nats) of the reference computed here in Node (test/real-reference.ts).
 * WASM runs the whole test; WebGPU one short text by URL (an adapter without shader-f16, as SwiftShader,
 * hands the float16 model to WASM and says why).
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { realArtefact } from '../real-artefacts';
import { genaiLlamaLogits, referenceRows } from '../real-reference';
import {
  expect,
  openPlayground,
  scoreInPage,
  screenshotPath,
  setEndpoint,
  test,
  unfoldYourModel,
  type PageToken,
} from './fixtures';
import { bigramLogprob, bigramTable } from '../unit/helpers/bigram-model';
import { bigramOnnx, bigramOnnxExternal } from '../unit/helpers/tiny-onnx';
import { folderFiles, startFakeHub, type FakeHub } from '../../tools/fake-hub';

const LLAMA = realArtefact('genai-builder-llama-fp16');
const FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'onnx/model.onnx',
  'onnx/model.onnx.data',
];
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
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } })
      .gpu;
    return (await gpu?.requestAdapter())?.features.has('shader-f16') ?? false;
  });
  if (backend === 'webgpu' && !shaderF16) {
    // SwiftShader has no shader-f16: WASM runs the float16 model, and the line says why
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    expect(reason).toMatch(/computes in float16 and this WebGPU adapter .* has no shader-f16/);
  } else {
    expect(await page.getByTestId('backend').textContent(), `backend: ${reason}`).toBe(backend);
  }

  // Llama's tokenizer puts <s> first: the page says so, and every token is scored
  await expect(page.getByTestId('bos-note')).toHaveAttribute('data-bos-id', '1');
  await expect(page.getByTestId('bos-note')).toHaveAttribute('data-first-scored', 'true');
  await expect(page.getByTestId('bos-note')).toContainText(
    "starts with <s> (id 1, from the tokenizer's post-processor)",
  );
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

test('the onnxruntime-genai layout (genai_config.json, model.onnx at the root, no config.json) loads and scores', async ({
  page,
  pageErrors,
  backend,
}) => {
  void pageErrors;
  test.skip(backend !== 'wasm', 'the loader is backend-independent; runs in the wasm project');
  const files = folderFiles(LLAMA, FILES);
  const config = JSON.parse(files['config.json'].toString('utf8')) as Record<string, number>;
  // genai_config.json as the builder writes it, from the same numbers
  const genai = {
    model: {
      bos_token_id: config.bos_token_id,
      eos_token_id: config.eos_token_id,
      context_length: config.max_position_embeddings,
      vocab_size: config.vocab_size,
      type: 'llama',
      decoder: {
        filename: 'model.onnx',
        head_size: 16,
        hidden_size: 16,
        num_attention_heads: 1,
        num_key_value_heads: 1,
        num_hidden_layers: 2,
      },
    },
  };
  hub = await startFakeHub({
    'real/genai-layout': {
      files: {
        'genai_config.json': Buffer.from(JSON.stringify(genai)),
        'tokenizer.json': files['tokenizer.json'],
        'tokenizer_config.json': files['tokenizer_config.json'],
        'model.onnx': files['onnx/model.onnx'],
        'model.onnx.data': files['onnx/model.onnx.data'],
      },
    },
  });
  await openPlayground(page, { backend });
  await unfoldYourModel(page);
  await setEndpoint(page, hub.endpoint);
  await loadFromField(page, 'real/genai-layout', 'real/genai-layout');
  expect(hub.requests).toContain('GET /real/genai-layout/resolve/main/genai_config.json');
  expect(hub.requests).toContain('GET /real/genai-layout/resolve/main/model.onnx.data');
  await expect(page.getByTestId('custom-loaded')).toContainText('model.onnx; vocabulary 32,000, window 2048 tokens');
  await expect(page.getByTestId('bos-note')).toContainText('genai_config.json');
  const result = await scoreInPage(page, SHORT);
  await expectReference(result.tokens);
});

test('load-time checks and bad models: one line each (details folded), nothing cached, the previous model stays usable', async ({
  page,
  pageErrors,
  backend,
}) => {
  void pageErrors;
  test.skip(backend !== 'wasm', 'the loader is backend-independent; runs in the wasm project');
  const MODEL = 'tiny-bpe1k';
  const dir = path.join(import.meta.dirname, '..', '..', 'dist', 'models', MODEL);
  const tiny = folderFiles(dir, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
  const config = JSON.parse(tiny['config.json'].toString('utf8')) as Record<string, unknown>;
  const withConfig = (extra: Record<string, unknown>) => ({
    ...tiny,
    'config.json': Buffer.from(JSON.stringify({ ...config, ...extra })),
  });
  const V = config.vocab_size as number;
  const table = bigramTable(V, 3);
  const bigram = (options: Parameters<typeof bigramOnnx>[2] = {}) => Buffer.from(bigramOnnx(table, V, options));
  // the same bytes with the Gather node's op_type renamed: an operator no runtime has
  const unknownOp = Buffer.from(bigram().toString('latin1').replace('Gather', 'Gathxr'), 'latin1');
  const parts = bigramOnnxExternal(table, V, 3);
  const { 'model.onnx_data_1': _lost, ...partsLeft } = parts.files;
  void _lost;
  hub = await startFakeHub({
    'bad/long-context': { files: withConfig({ n_positions: 4096 }) },
    'bad/vocab': { files: withConfig({ vocab_size: 2000 }) },
    'bad/bos': { files: withConfig({ bos_token_id: 5000 }) },
    'bad/no-logits': {
      files: { ...tiny, 'onnx/model.onnx': bigram({ outputName: 'hidden', secondOutput: 'pooled' }) },
    },
    'bad/seq2seq': {
      files: {
        ...tiny,
        'onnx/model.onnx': bigram({
          extraInputs: [{ name: 'encoder_hidden_states', elemType: 'float32', shape: ['batch', 'sequence', 8] }],
        }),
      },
    },
    'bad/operator': { files: { ...tiny, 'onnx/model.onnx': unknownOp } },
    'ok/multi-part': {
      files: {
        ...tiny,
        'onnx/model.onnx': Buffer.from(parts.onnx),
        ...Object.fromEntries(Object.entries(parts.files).map(([n, d]) => [`onnx/${n}`, Buffer.from(d)])),
      },
    },
    'bad/lost-part': {
      files: {
        ...tiny,
        'onnx/model.onnx': Buffer.from(parts.onnx),
        ...Object.fromEntries(Object.entries(partsLeft).map(([n, d]) => [`onnx/${n}`, Buffer.from(d)])),
      },
    },
  });
  await openPlayground(page, { backend, model: MODEL });
  await unfoldYourModel(page);
  const reference = await scoreInPage(page, SHORT);
  await setEndpoint(page, hub.endpoint);

  // an overstated context is capped at the graph's position table (256), said, and the numbers are the bundled model's
  await loadFromField(page, 'bad/long-context', 'bad/long-context');
  await expect(page.getByTestId('model-note')).toContainText(
    "config.json states a context of 4096 tokens, but the model's position table holds 256",
  );
  await expect(page.getByTestId('custom-loaded')).toContainText('window 256 tokens');
  const capped = await scoreInPage(page, SHORT);
  expect(capped.tokens.map((t) => t.logprob)).toEqual(reference.tokens.map((t) => t.logprob));

  const refused: [string, RegExp][] = [
    [
      'bad/vocab',
      /^config\.json says vocab_size 2000, but onnx\/model\.onnx returns 1280 logits per token: the files do not belong together/,
    ],
    ['bad/bos', /^the BOS token id 5000 \(the config's bos_token_id\) is outside the model's vocabulary of 1280/],
    ['bad/no-logits', /^onnx\/model\.onnx has no logits output \(its outputs: hidden, pooled\)/],
    ['bad/seq2seq', /^onnx\/model\.onnx is part of an encoder-decoder \(seq2seq\) model/],
    [
      'bad/operator',
      /^onnx\/model\.onnx uses the operator Gathxr \(opset 13\), which onnxruntime-web cannot run: try another variant/,
    ],
    [
      'bad/lost-part',
      /^onnx\/model\.onnx keeps its weights in onnx\/model\.onnx_data_1, which .* does not have \(not found\)/,
    ],
  ];
  for (const [repo, message] of refused) {
    await page.getByTestId('model-url').fill(repo);
    await page.getByTestId('model-load').click();
    const error = page.getByTestId('error');
    await expect(error, repo).toContainText(message, { timeout: 60_000 });
    const line = (await error.locator('> span').evaluate((el) => el.firstChild?.textContent ?? '')).trim();
    expect(line, `${repo}: one line`).not.toContain('\n');
    if (repo === 'bad/operator') {
      // the runtime's own text, folded
      const details = page.getByTestId('error-details');
      await expect(details).not.toHaveAttribute('open');
      await details.locator('summary').click();
      await expect(details.locator('pre')).toContainText('Gathxr');
      await page.screenshot({ path: screenshotPath('load-error-details') });
    }
    // the model loaded before stays
    await expect(page.getByTestId('backend')).toHaveAttribute('data-model', 'bad/long-context', { timeout: 60_000 });
    await error.getByRole('button', { name: 'Dismiss' }).click();
  }
  // nothing refused was cached, and the previous model still scores the same
  const cached = await page.evaluate(async () => (await (await caches.open('pp-models-v1')).keys()).map((r) => r.url));
  expect(cached.filter((u) => /\/bad\/(?!long-context)/.test(u))).toEqual([]);
  const again = await scoreInPage(page, SHORT);
  expect(again.tokens.map((t) => t.logprob)).toEqual(reference.tokens.map((t) => t.logprob));

  // all three parts there: each fetched by the name the .onnx gives, and the bigram's numbers come out
  await loadFromField(page, 'ok/multi-part', 'ok/multi-part');
  for (const part of ['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']) {
    expect(hub.requests).toContain(`GET /ok/multi-part/resolve/main/onnx/${part}`);
  }
  const multi = await scoreInPage(page, SHORT);
  multi.tokens.forEach((t, i) => {
    const previous = i === 0 ? (config.bos_token_id as number) : multi.tokens[i - 1].id;
    expect(Math.abs(t.logprob! - bigramLogprob(table, V, previous, t.id)), `token ${i}`).toBeLessThan(1e-5);
  });
});
