/**
 * layouts.ts over real folders (the real-export fixtures and the real genai-builder export in
 * ../shared/real, listed from disk with their sizes) and over listings shaped like published repositories.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalDataOf, resolveLayout, type RepoFile } from '../../src/lib/models/layouts';
import { realArtefact } from '../real-artefacts';
import { ROOT } from './helpers/fixtures';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'real-export');

/** A folder's listing as the hub's tree API would give it: every file, '/'-separated, with its size. */
function listing(folder: string): RepoFile[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const full = join(e.parentPath, e.name);
      return { path: relative(folder, full).split('\\').join('/'), size: statSync(full).size };
    });
}

const sizeOf = (files: RepoFile[], paths: string[]) =>
  paths.reduce((s, p) => s + files.find((f) => f.path === p)!.size, 0);
const list = (...entries: [string, number][]): RepoFile[] => entries.map(([path, size]) => ({ path, size }));

describe('resolveLayout on the real-export fixtures', () => {
  const tjs = listing(join(FIXTURES, 'transformers-js'));

  it('transformers.js: the smallest variant on WASM, every file fetched counted', () => {
    const layout = resolveLayout(tjs, { backend: 'wasm' });
    expect(layout.kind).toBe('transformers.js');
    expect(layout.variant).toMatchObject({ dtype: 'q4', onnx: 'onnx/model_q4.onnx', externalData: [] });
    expect(layout.config).toEqual({ path: 'config.json', format: 'config.json' });
    expect(layout.tokenizer).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(layout.files).toEqual(['onnx/model_q4.onnx', 'config.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(layout.downloadBytes).toBe(sizeOf(tjs, layout.files));
    // the automatic candidates by size, then fp16 arithmetic, which WASM runs but is never picked by itself
    expect(layout.variants.map((v) => v.dtype)).toEqual(['q4', 'quantized', 'fp32', 'q4f16', 'fp16']);
  });

  it('transformers.js: prefer exact takes fp32 with its external data, named from the file', () => {
    const layout = resolveLayout(tjs, { backend: 'wasm', prefer: 'exact' });
    expect(layout.variant).toMatchObject({
      dtype: 'fp32',
      onnx: 'onnx/model.onnx',
      externalData: ['onnx/model.onnx_data'],
    });
    expect(layout.variant.bytes).toBe(sizeOf(tjs, ['onnx/model.onnx', 'onnx/model.onnx_data']));
    expect(layout.downloadBytes).toBe(sizeOf(tjs, layout.files));
    // a budget below fp32's size moves to the next most precise: 8-bit before 4-bit
    const capped = resolveLayout(tjs, { backend: 'wasm', prefer: 'exact', maxBytes: layout.variant.bytes - 1 });
    expect(capped.variant).toMatchObject({ dtype: 'quantized', onnx: 'onnx/model_quantized.onnx' });
  });

  it('transformers.js on WebGPU: fp16 only with shader-f16, with a suggestion otherwise', () => {
    const f16 = resolveLayout(tjs, { backend: 'webgpu', shaderF16: true });
    expect(f16.variant).toMatchObject({ dtype: 'q4f16', onnx: 'onnx/model_q4f16.onnx' });
    const auto = f16.variants.filter((v) => ['fp32', 'fp16', 'q4', 'q4f16'].includes(v.dtype));
    expect(f16.variant.bytes).toBe(Math.min(...auto.map((v) => v.bytes)));
    expect(resolveLayout(tjs, { backend: 'webgpu', shaderF16: true, prefer: 'exact' }).variant.dtype).toBe('fp32');
    expect(resolveLayout(tjs, { backend: 'webgpu', shaderF16: true, dtype: 'fp16' }).variant.onnx).toBe(
      'onnx/model_fp16.onnx',
    );

    const plain = resolveLayout(tjs, { backend: 'webgpu', shaderF16: false });
    expect(plain.variant.dtype).toBe('q4');
    expect(plain.variants.find((v) => v.dtype === 'fp16')!.runs).toBe(false);
    expect(() => resolveLayout(tjs, { backend: 'webgpu', dtype: 'fp16' })).toThrow(/shader-f16.*try q4/);
    expect(() => resolveLayout(tjs, { backend: 'wasm', dtype: 'bnb4' })).toThrow(/no bnb4 variant \(it has/);
    expect(resolveLayout(tjs, { backend: 'wasm', dtype: 'q4f16' }).variant.onnx).toBe('onnx/model_q4f16.onnx');
  });

  it('Optimum: the merged decoder before the plain one', () => {
    const layout = resolveLayout(listing(join(FIXTURES, 'optimum')), { backend: 'wasm' });
    expect(layout.kind).toBe('optimum-merged');
    expect(layout.variant).toMatchObject({ dtype: 'fp32', onnx: 'decoder_model_merged.onnx', externalData: [] });
    const older = list(['decoder_model.onnx', 5], ['config.json', 1], ['tokenizer.json', 2]);
    expect(resolveLayout(older, { backend: 'wasm' })).toMatchObject({
      kind: 'optimum',
      variant: { onnx: 'decoder_model.onnx' },
    });
  });

  it('genai builder: genai_config.json as the config, external data by its own name', () => {
    const files = listing(join(FIXTURES, 'genai'));
    const layout = resolveLayout(files, { backend: 'webgpu', shaderF16: true });
    expect(layout.kind).toBe('genai');
    expect(layout.config).toEqual({ path: 'genai_config.json', format: 'genai_config.json' });
    expect(layout.variant).toMatchObject({ dtype: 'unknown', onnx: 'model.onnx', externalData: ['model.onnx.data'] });
    expect(layout.files).toEqual([
      'model.onnx',
      'model.onnx.data',
      'genai_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(layout.downloadBytes).toBe(sizeOf(files, layout.files));
  });

  it('genai builder with multi-part external data: every part, in order', () => {
    const layout = resolveLayout(listing(join(FIXTURES, 'genai-multipart')), { backend: 'wasm' });
    expect(layout.variant.externalData).toEqual(['model.onnx_data', 'model.onnx_data_1']);
  });

  it('the real genai-builder export in ../shared/real (config.json written beside onnx/)', () => {
    const files = listing(realArtefact('genai-builder-llama-fp16'));
    const layout = resolveLayout(files, { backend: 'webgpu', shaderF16: true });
    expect(layout.kind).toBe('transformers.js');
    expect(layout.variant).toMatchObject({ onnx: 'onnx/model.onnx', externalData: ['onnx/model.onnx.data'] });
    expect(layout.tokenizer).toEqual(['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']);
    expect(layout.downloadBytes).toBe(sizeOf(files, layout.files));
  });
});

describe('resolveLayout on published repository shapes', () => {
  it('a genai repository with one folder per variant: the folder that runs, its own config and tokenizer', () => {
    const files = list(
      ['README.md', 100],
      ['cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/genai_config.json', 1700],
      ['cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx', 180_000],
      ['cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx.data', 1_600_000_000],
      ['cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer.json', 9_090_000],
      ['cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer_config.json', 54_500],
      ['cuda/cuda-fp16/genai_config.json', 1710],
      ['cuda/cuda-fp16/model.onnx', 83_900],
      ['cuda/cuda-fp16/model.onnx.data', 3_010_000_000],
      ['cuda/cuda-fp16/tokenizer.json', 9_090_000],
    );
    const wasm = resolveLayout(files, { backend: 'wasm' });
    expect(wasm.kind).toBe('genai');
    expect(wasm.variant).toMatchObject({
      dtype: 'q4',
      onnx: 'cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx',
    });
    expect(wasm.config.path).toBe('cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/genai_config.json');
    expect(wasm.tokenizer[0]).toBe('cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer.json');
    const exact = resolveLayout(files, { backend: 'webgpu', shaderF16: true, prefer: 'exact' });
    expect(exact.variant).toMatchObject({
      dtype: 'fp16',
      onnx: 'cuda/cuda-fp16/model.onnx',
      externalData: ['cuda/cuda-fp16/model.onnx.data'],
    });
    expect(exact.tokenizer).toEqual(['cuda/cuda-fp16/tokenizer.json']);
    // without shader-f16 the fp16 folder is not offered automatically
    expect(resolveLayout(files, { backend: 'webgpu', prefer: 'exact' }).variant.dtype).toBe('q4');
  });

  it('onnx/ and a genai_config.json side by side (onnx-community/Llama-3.2-1B-Instruct-q4f16): the transformers.js files', () => {
    // as listed at commit 86893efa6d2a2c252985bf0572042c0dd2770c42
    const files = list(
      ['config.json', 966],
      ['genai_config.json', 1680],
      ['generation_config.json', 189],
      ['special_tokens_map.json', 312],
      ['tokenizer.json', 9_090_000],
      ['tokenizer_config.json', 56_600],
      ['onnx/model_q4f16.onnx', 1_240_000_000],
    );
    const gpu = resolveLayout(files, { backend: 'webgpu', shaderF16: true });
    expect(gpu).toMatchObject({
      kind: 'transformers.js',
      config: { path: 'config.json' },
      variant: { dtype: 'q4f16' },
    });
    // its only file needs fp16 arithmetic: WASM runs it (slowly), a GPU without shader-f16 cannot
    expect(resolveLayout(files, { backend: 'wasm' }).variant.dtype).toBe('q4f16');
    expect(() => resolveLayout(files, { backend: 'webgpu' })).toThrow(
      /no variant of this model runs on WebGPU without shader-f16 \(it has q4f16\); try WASM/,
    );
  });

  it('a plain export: model.onnx at the root with its weights beside it', () => {
    const files = list(
      ['model.onnx', 900_000],
      ['model.onnx_data', 2e9],
      ['config.json', 600],
      ['tokenizer.json', 7e6],
    );
    const layout = resolveLayout(files, { backend: 'wasm' });
    expect(layout).toMatchObject({ kind: 'plain', variant: { onnx: 'model.onnx', externalData: ['model.onnx_data'] } });
    expect(layout.downloadBytes).toBe(900_000 + 2e9 + 600 + 7e6);
  });

  it('one line naming what it looked for when there is no decoder, config or tokenizer', () => {
    expect(() =>
      resolveLayout(list(['encoder_model.onnx', 1], ['config.json', 1], ['tokenizer.json', 1]), { backend: 'wasm' }),
    ).toThrow(/no ONNX decoder .*found encoder_model\.onnx\)$/);
    expect(() =>
      resolveLayout(list(['onnx/model.onnx', 1], ['config.json', 1], ['vocab.json', 1]), { backend: 'wasm' }),
    ).toThrow(/no tokenizer\.json/);
    expect(() => resolveLayout(list(['onnx/model.onnx', 1], ['tokenizer.json', 1]), { backend: 'wasm' })).toThrow(
      /no config\.json/,
    );
  });
});

describe('externalDataOf', () => {
  const files = list(
    ['onnx/model.onnx', 1],
    ['onnx/model.onnx_data_10', 1],
    ['onnx/model.onnx_data_2', 1],
    ['onnx/model.onnx_data', 1],
    ['onnx/model.onnx_data_1', 1],
    ['onnx/model_fp16.onnx_data', 1],
    ['model.onnx_data', 1],
    ['onnx/model.onnx_data.zstd', 1],
  );
  it('takes the parts beside the file, numbered in order, and nothing else', () => {
    expect(externalDataOf('onnx/model.onnx', files)).toEqual([
      'onnx/model.onnx_data',
      'onnx/model.onnx_data_1',
      'onnx/model.onnx_data_2',
      'onnx/model.onnx_data_10',
    ]);
    expect(externalDataOf('onnx/model_fp16.onnx', files)).toEqual(['onnx/model_fp16.onnx_data']);
    expect(externalDataOf('model.onnx', files)).toEqual(['model.onnx_data']);
  });
});
