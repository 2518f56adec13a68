/**
 * The page's first code starts the inference worker, its runtime and the load of the bundled model the app
 * will open (src/state/page-models.ts), naming them in the worker's name (src/worker/protocol.ts); the
 * app's first load takes that load over when its spec is the same. These check the parts that decide it.
 */
import { describe, expect, it } from 'vitest';
import { loadKey, warmOptionsFromName, workerName, type WarmOptions } from '../../src/worker/protocol';
import { bundledModelRef, loadSpec, startupRuntime, wantedModel } from '../../src/state/page-models';
import { shareHash } from '../../src/lib/playground/share-link';
import type { BundledModel } from '../../src/lib/models/bundled-manifest';

const base = 'https://host.test/app/';
const bundled = (id: string, onnx?: string): BundledModel => ({
  id,
  path: `${id}/`,
  model_type: 'gpt2',
  n_ctx: 128,
  vocab_size: 8448,
  n_layer: 4,
  n_embd: 192,
  bos_token_id: null,
  tokenizer_kind: 'byte-bpe',
  files: {},
  ...(onnx ? { onnx } : {}),
});

describe('the worker name carries a warm start', () => {
  it('round-trips the runtime and the early load', () => {
    const load = loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), { backend: 'auto', threads: 0 }, base, '');
    const warm: WarmOptions = { backend: 'auto', threads: 0, assetsBase: base, load };
    const name = workerName(warm);
    expect(name.startsWith('inference ')).toBe(true);
    const back = warmOptionsFromName(name);
    expect(back).toEqual(JSON.parse(JSON.stringify(warm)));
    expect(loadKey(back!.load!)).toBe(loadKey(load));
  });

  it('a plain worker, or a name it did not write, starts nothing', () => {
    expect(workerName(null)).toBe('inference');
    for (const name of [
      'inference',
      '',
      'inference {',
      'inference {"backend":"gpu","threads":0,"assetsBase":"x"}',
      'other {}',
    ]) {
      expect(warmOptionsFromName(name), name).toBeNull();
    }
    // a runtime without a usable load: the runtime starts, no model does
    const odd = warmOptionsFromName(
      'inference {"backend":"wasm","threads":2,"assetsBase":"x","load":{"model":{"kind":"files"}}}',
    );
    expect(odd).toEqual({ backend: 'wasm', threads: 2, assetsBase: 'x' });
  });
});

describe('the app takes over the early load only when it asks for the same thing', () => {
  const runtime = { backend: 'auto' as const, threads: 0 };
  const early = loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), runtime, base, '?x=1');
  const same = {
    ...loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), runtime, base, '?x=1'),
    acceptWebgpuDisagreement: undefined,
  };

  it('the same model, runtime and test hooks: the same key', () => {
    expect(loadKey(same)).toBe(loadKey(early));
  });

  it('anything else the load depends on: another key', () => {
    const others = [
      loadSpec(bundledModelRef(bundled('tiny-bpe1k'), base), runtime, base, ''),
      loadSpec(bundledModelRef(bundled('tiny-bpe8k', 'onnx/model_quantized.onnx'), base), runtime, base, ''),
      loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), { backend: 'wasm', threads: 0 }, base, ''),
      loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), { backend: 'auto', threads: 1 }, base, ''),
      loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), runtime, base, '?fault-webgpu-after=2'),
      loadSpec(bundledModelRef(bundled('tiny-bpe8k'), base), runtime, base, '?probe-software-webgpu=1'),
      { ...early, acceptWebgpuDisagreement: true },
      { ...early, model: { ...early.model, cache: true } as typeof early.model },
    ];
    const keys = new Set([loadKey(early), ...others.map(loadKey)]);
    expect(keys.size).toBe(others.length + 1);
  });

  it('dropped files are never loaded early', () => {
    expect(loadKey({ ...early, model: { kind: 'files', files: [], name: 'mine' } })).toBeNull();
  });
});

describe('what the page opens first', () => {
  it('the query, else a share link, else the saved choice (none saved here)', () => {
    const hash = shareHash({ text: 'hi', model: 'tiny-byte', stride: undefined, mode: 'surprisal' });
    expect(wantedModel('?model=tiny-bpe1k', hash)).toBe('tiny-bpe1k');
    expect(wantedModel('', hash)).toBe('tiny-byte');
    expect(wantedModel('', '')).toBe('');
  });

  it('the runtime the query asks for; a bad backend is an error the app reports', () => {
    expect(startupRuntime('?backend=wasm&threads=1')).toEqual({ backend: 'wasm', threads: 1 });
    expect(startupRuntime('')).toEqual({ backend: 'auto', threads: 0 });
    expect(() => startupRuntime('?backend=gpu')).toThrow('unknown backend "gpu"');
  });
});
