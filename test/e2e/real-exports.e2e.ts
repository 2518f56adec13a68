/**
 * The real-export fixtures (test/fixtures/real-export, made by training/fixtures/make_real_exports.py) loaded
 * by repo id from the local imitation of the hub (./fake-hub.ts: resolve/<rev>/ URLs, weights through a
 * redirect, CORS) through the "Your model" panel, and scored in the page: every token's logprob within
 * 1e-4 nats (float32 logits) or 2e-2 (float16 logits) of the file's float64 onnxruntime-node reference, on
 * WASM and on WebGPU.
 *
 * Each file the references list gets a test. Those that need what the loader does not read yet (float16
 * logits, external weights, genai_config.json: engineer A's part of issue 15) are skipped, saying which;
 * the conditions come from the files themselves (reference.json's logits type, layouts.ts's resolution).
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveLayout } from '../../src/lib/models/layouts';
import { folderFiles, startFakeHub, type FakeHub } from './fake-hub';
import { expect, openPlayground, scoreInPage, test, unfoldYourModel } from './fixtures';

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

const layouts = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
for (const layout of layouts) {
  const folder = path.join(FIXTURES, layout);
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as Reference;
  const all = folderFiles(folder);
  const listing = Object.entries(all).map(([p, bytes]) => ({ path: p, size: bytes.length }));
  for (const [file, variant] of Object.entries(reference.variants)) {
    const resolved = resolveLayout(listing, { backend: 'wasm' });
    const externalData = listing.some((f) => f.path.startsWith(`${file}_data`) || f.path.startsWith(`${file}.data`));
    const pending = [
      variant.logits_type === 'float16' && 'float16 logits',
      externalData && 'external weights',
      resolved.config.format === 'genai_config.json' && 'genai_config.json',
    ].filter(Boolean);
    // the panel's variant menu names onnx/ files; Optimum's root files are found by the auto order
    const menu = file.startsWith('onnx/') ? file : 'auto';
    // the plain Optimum decoder is reached by leaving the merged one out of the repository
    const files = file === 'decoder_model.onnx' ? Object.fromEntries(Object.entries(all).filter(([p]) => p !== 'decoder_model_merged.onnx')) : all;

    const tolerance = TOLERANCE[variant.logits_type];
    test(`${layout}/${file} (${variant.dtype}) from the hub scores within ${tolerance} nats of its reference`, async ({
      page,
      backend,
      pageErrors,
    }) => {
      void pageErrors;
      test.skip(pending.length > 0, `the loader does not read ${pending.join(', ')} yet (issue 15, engineer A)`);
      hub = await startFakeHub({ [`fixtures/${layout}`]: { files } });
      await page.addInitScript((e) => localStorage.setItem('pp.hub-endpoint', e), hub.endpoint);
      await openPlayground(page, { backend });
      await unfoldYourModel(page);
      await page.getByTestId('model-url').fill(`fixtures/${layout}`);
      await page.getByTestId('model-variant').selectOption(menu);
      await page.getByTestId('model-load').click();
      await expect(page.getByTestId('model-select')).toHaveValue(new RegExp(`^hub:.*/fixtures/${layout}/resolve/main/`), { timeout: 120_000 });
      await expect(page.getByTestId('custom-loaded')).toContainText(file, { timeout: 120_000 });
      expect(hub.requests).toContain(`GET /fixtures/${layout}/resolve/main/${file}`);

      const { tokens } = await scoreInPage(page, reference.text);
      // on the backend the project forces, not a fallback
      await expect(page.getByTestId('backend')).toHaveText(backend);
      expect(tokens.map((t) => t.id)).toEqual(reference.ids.slice(1));
      const want = variant.onnxruntime_node_float64;
      const worst = Math.max(...tokens.map((t, i) => Math.abs(t.logprob! - want[i])));
      expect(worst, `max |page - reference| on ${backend}`).toBeLessThanOrEqual(tolerance);
    });
  }
}
