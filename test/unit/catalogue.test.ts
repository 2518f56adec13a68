/**
 * The catalogue of real models is data: every entry must resolve, through layouts.ts, to files its own
 * listing has, load the variant it says on each backend, and be pinned to a full commit sha or say that
 * it is not.
 */
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  catalogueListing,
  expectedBackend,
  resolveCatalogueEntry,
  shownBytes,
} from '../../src/lib/models/catalogue';

describe('catalogue', () => {
  it('has the models issue 15 asks for, each once', () => {
    const ids = CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['gpt2', 'distilgpt2', 'smollm2-135m', 'smollm2-360m', 'qwen2.5-0.5b', 'llama-3.2-1b'])
      expect(ids).toContain(id);
    expect(CATALOGUE.find((e) => e.family === 'llama' && e.id.startsWith('llama'))).toBeDefined();
  });

  for (const entry of CATALOGUE) {
    describe(entry.name, () => {
      it('is pinned to a full commit sha, or says where it could not be', () => {
        if (entry.revision === null) expect(entry.verified.source).toBe(false);
        else {
          expect(entry.revision).toMatch(/^[0-9a-f]{40}$/);
          expect(entry.verified.source).toContain(entry.revision);
          expect(entry.verified.source).toContain(entry.repo);
        }
        expect(entry.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
        expect(entry.license).not.toBe('');
        expect(entry.contextLength).toBeGreaterThanOrEqual(1024);
      });

      for (const backend of ['webgpu', 'wasm'] as const) {
        it(`resolves on ${backend} to the variant it names, from files in its listing`, () => {
          const paths = new Set(entry.files.map((f) => f.path));
          const layout = resolveCatalogueEntry(entry, backend);
          expect(layout.variant.dtype).toBe(entry.loads[backend]);
          for (const file of layout.files) expect(paths.has(file), file).toBe(true);
          expect(layout.config.format).toBe('config.json');
          expect(layout.tokenizer[0]).toBe('tokenizer.json');
          // the size shown before anything downloads: the weights are nearly all of it
          const weights = layout.variant.bytes;
          expect(weights).toBeGreaterThan(50e6);
          expect(layout.downloadBytes).toBeGreaterThanOrEqual(weights);
          expect(layout.downloadBytes).toBeLessThan(weights + 20e6);
        });
      }

      it('never picks an fp16 variant for a GPU without shader-f16', () => {
        const layout = resolveCatalogueEntry(entry, 'webgpu', false);
        expect(['fp16', 'q4f16']).not.toContain(layout.variant.dtype);
        expect(catalogueListing(entry).length).toBe(entry.files.length);
      });
    });
  }

  it('reads sizes as the hub shows them, in decimal units', () => {
    expect(shownBytes('654 MB')).toBe(654e6);
    expect(shownBytes('1.64 GB')).toBe(1.64e9);
    expect(shownBytes('7.31 kB')).toBe(7310);
    expect(shownBytes('879 Bytes')).toBe(879);
    expect(shownBytes(null)).toBe(0);
    expect(() => shownBytes('5 MiB')).toThrow(/not a hub size/);
  });

  it('the Llama entry fetches its fp32 weights from model.onnx_data when asked for exact', () => {
    const llama = CATALOGUE.find((e) => e.id === 'llama-3.2-1b')!;
    const layout = resolveCatalogueEntry(llama, 'webgpu');
    const fp16 = layout.variants.find((v) => v.dtype === 'fp16')!;
    expect(fp16.externalData).toEqual(['onnx/model_fp16.onnx_data']);
    expect(fp16.bytes).toBe(532e3 + 2.47e9);
  });
});

describe('expectedBackend', () => {
  const gpu = { webgpu: true, softwareAdapter: null, shaderF16: true };
  it('follows the runtime: the menu, then the adapter', () => {
    expect(expectedBackend({ preference: 'auto', ...gpu })).toEqual({ backend: 'webgpu', shaderF16: true });
    expect(expectedBackend({ preference: 'wasm', ...gpu })).toEqual({ backend: 'wasm', shaderF16: false });
    expect(expectedBackend({ preference: 'auto', ...gpu, softwareAdapter: 'google swiftshader' }).backend).toBe('wasm');
    expect(expectedBackend({ preference: 'webgpu', ...gpu, softwareAdapter: 'google swiftshader' }).backend).toBe(
      'webgpu',
    );
    expect(expectedBackend({ preference: 'webgpu', ...gpu, webgpu: false }).backend).toBe('wasm');
    expect(expectedBackend({ preference: 'auto', ...gpu, shaderF16: false })).toEqual({
      backend: 'webgpu',
      shaderF16: false,
    });
  });
});
