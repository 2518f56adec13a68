import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PREFERRED_DEFAULT_MODEL } from '../../src/lib/models/bundled-manifest';
import { scanModels } from '../../tools/vite-bundled-assets';

const root = mkdtempSync(join(tmpdir(), 'pp-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tokenizer = { model: { type: 'BPE', merges: [['a', 'b']] }, pre_tokenizer: { type: 'ByteLevel' } };

function folder(id: string, files: Record<string, string | object>): void {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(root, id, name, '..'), { recursive: true });
    writeFileSync(join(root, id, name), typeof body === 'string' ? body : JSON.stringify(body));
  }
}

const complete = (vocab: number) => ({
  'config.json': { model_type: 'gpt2', vocab_size: vocab, n_positions: 256, bos_token_id: vocab - 1 },
  'tokenizer.json': tokenizer,
  'onnx/model.onnx': 'x'.repeat(100),
});
folder('a-model', { ...complete(300), 'onnx/model_quantized.onnx': 'q'.repeat(25) });
folder(PREFERRED_DEFAULT_MODEL, {
  ...complete(1000),
  'onnx/snapshot_010.onnx': 'y'.repeat(40),
  'onnx/snapshot_001.onnx': 'z'.repeat(30),
  'snapshots.json': {
    snapshots: [
      {
        file: 'onnx/snapshot_010.onnx',
        fraction: 0.1,
        step: 70,
        bytes: 1e6,
        test_nats_per_token: 6,
        test_bits_per_byte: 2.5,
      },
      {
        file: 'onnx/snapshot_001.onnx',
        fraction: 0.01,
        step: 7,
        bytes: 1e5,
        test_nats_per_token: 9,
        test_bits_per_byte: 3.5,
      },
      {
        file: 'onnx/snapshot_050.onnx',
        fraction: 0.5,
        step: 350,
        bytes: 5e6,
        test_nats_per_token: 5,
        test_bits_per_byte: 1.6,
      },
      { file: 'onnx/model.onnx', fraction: 1, step: 700, bytes: 1e7, test_nats_per_token: 4, test_bits_per_byte: 1.5 },
    ],
  },
});
folder('still-training', { 'training_log.csv': 'step,tokens\n' });

describe('scanModels (the build and dev server manifest)', () => {
  const warnings: string[] = [];
  const manifest = scanModels(root, (w) => warnings.push(w));

  it('lists complete folders, preferred default first, and names what an incomplete one lacks', () => {
    expect(manifest.default).toBe(PREFERRED_DEFAULT_MODEL);
    expect(manifest.models.filter((m) => !m.snapshot && !m.variant).map((m) => m.id)).toEqual([
      PREFERRED_DEFAULT_MODEL,
      'a-model',
    ]);
    expect(warnings).toEqual([
      'models/still-training: not bundled, missing config.json, tokenizer.json, onnx/model.onnx',
    ]);
  });

  it('adds each shipped training snapshot as an entry on the same folder with its own weights file', () => {
    const snaps = manifest.models.filter((m) => m.snapshot);
    // earliest first, right after the model they belong to; a listed file that is missing is skipped
    expect(manifest.models.map((m) => m.id).slice(0, 3)).toEqual([
      PREFERRED_DEFAULT_MODEL,
      `${PREFERRED_DEFAULT_MODEL}@001`,
      `${PREFERRED_DEFAULT_MODEL}@010`,
    ]);
    expect(snaps).toHaveLength(2);
    const first = snaps[0];
    expect(first.path).toBe(`${PREFERRED_DEFAULT_MODEL}/`);
    expect(first.onnx).toBe('onnx/snapshot_001.onnx');
    // snapshots.json is served too (the curve view's checkpoint scrubber reads it)
    expect(first.files).toEqual({
      'config.json': expect.any(Number),
      'tokenizer.json': expect.any(Number),
      'snapshots.json': expect.any(Number),
      'onnx/snapshot_001.onnx': 30,
    });
    expect(first.snapshot).toMatchObject({
      of: PREFERRED_DEFAULT_MODEL,
      fraction: 0.01,
      step: 7,
      test_bits_per_byte: 3.5,
    });
    expect(first.vocab_size).toBe(1000);
  });

  it('adds a shipped quantized variant as its own entry, right after its model', () => {
    const ids = manifest.models.map((m) => m.id);
    expect(ids.slice(-2)).toEqual(['a-model', 'a-model@int8']);
    const q = manifest.models.at(-1)!;
    expect(q).toMatchObject({ path: 'a-model/', onnx: 'onnx/model_quantized.onnx', variant: 'int8', vocab_size: 300 });
    expect(Object.keys(q.files).sort()).toEqual(['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json']);
  });
});
