/**
 * The model service: one worker per distinct model however many views ask for it, scores queued per
 * model, a lease's new score cancelling only its own, and the last release (or Unload) ending the worker.
 * The inference worker is replaced by a fake client that records what it was asked.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, type InferenceClient } from '../../src/worker/client';
import { ModelService, modelKey, type ModelSpec } from '../../src/state/model-service';
import type { LoadedModelInfo } from '../../src/worker/protocol';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

class FakeClient {
  static all: FakeClient[] = [];
  loads: string[] = [];
  scores: { text: string; id: number; answer: Deferred<never> }[] = [];
  cancelled: number[] = [];
  terminated = false;
  warmed = false;
  warmedWith: unknown = null;
  runningScore = 0;
  onFallback: ((reason: string) => void) | null = null;
  load = deferred<LoadedModelInfo>();
  private next = 1;
  constructor() {
    FakeClient.all.push(this);
  }
  warm(options: unknown): void {
    this.warmed = true;
    this.warmedWith = options;
  }
  loadModel(spec: ModelSpec, onProgress?: (f: string, l: number, t: number | null) => void) {
    this.loads.push(spec.model.name);
    // a worker's progress comes in later messages, never during the call
    setTimeout(() => onProgress?.('onnx/model.onnx', 10, 100), 0);
    return this.load.promise;
  }
  score(text: string): Promise<never> {
    const answer = deferred<never>();
    const id = this.next++;
    this.runningScore = id;
    this.scores.push({ text, id, answer });
    void answer.promise.catch(() => undefined).then(() => (this.runningScore = 0));
    return answer.promise;
  }
  cancel(id: number): void {
    this.cancelled.push(id);
    this.scores.find((s) => s.id === id)?.answer.reject(new CancelledError());
  }
  terminate(): void {
    this.terminated = true;
    this.load.reject(new CancelledError());
    for (const s of this.scores) s.answer.reject(new CancelledError());
  }
}

function service(): ModelService {
  FakeClient.all = [];
  return new ModelService(() => {
    const fake = new FakeClient();
    // the service calls client.load(spec, progress); the fake's loadModel records it
    return Object.assign(fake, {
      load: Object.assign((s: ModelSpec, p?: never) => fake.loadModel(s, p), fake.load),
    }) as unknown as InferenceClient;
  });
}

const spec = (name: string, backend: 'auto' | 'wasm' = 'auto'): ModelSpec => ({
  model: { kind: 'url', url: `https://example.test/models/${name}/`, name },
  backend,
  threads: 0,
  assetsBase: 'https://example.test/',
});
const info = (name: string) => ({ name, n_ctx: 64, vocab_size: 256, backend: 'wasm' }) as LoadedModelInfo;
const tick = () => new Promise((r) => setTimeout(r, 0));

function fakeLoad(c: FakeClient) {
  return c.load;
}

describe('model service', () => {
  it('loads a model once for every view that asks for it, and once per distinct model', async () => {
    const models = service();
    const a = models.open(spec('tiny-byte'), 'playground');
    const b = models.open(spec('tiny-byte'), 'compare');
    const c = models.open(spec('tiny-bpe1k'), 'compare');
    const d = models.open(spec('tiny-byte', 'wasm'), 'shannon'); // another backend preference: another worker
    expect(FakeClient.all.length).toBe(3);
    expect(FakeClient.all.map((x) => x.loads)).toEqual([['tiny-byte'], ['tiny-bpe1k'], ['tiny-byte']]);
    fakeLoad(FakeClient.all[0]).resolve(info('tiny-byte'));
    expect(await a.info).toBe(await b.info);
    expect(models.debug()).toMatchObject({ workers: 3, models: 1, leases: { playground: 1, compare: 2, shannon: 1 } });
    expect(models.models.find((m) => m.name === 'tiny-byte' && m.status === 'ready')?.users).toEqual([
      'playground',
      'compare',
    ]);
    void c;
    void d;
  });

  it('queues scores on one model, and a lease cancels only its own previous score', async () => {
    const models = service();
    const playground = models.open(spec('tiny-byte'), 'playground');
    const compare = models.open(spec('tiny-byte'), 'compare');
    const client = FakeClient.all[0];
    client.load.resolve(info('tiny-byte'));
    await playground.info;
    const first = playground.score('one');
    const other = compare.score('two');
    await tick();
    expect(client.scores.map((s) => s.text)).toEqual(['one']); // 'two' waits its turn
    const replaced = playground.score('three'); // replaces 'one', not compare's 'two'
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    await tick();
    expect(client.scores.map((s) => s.text)).toEqual(['one', 'two']);
    client.scores[1].answer.resolve('two done' as never);
    expect(await other).toBe('two done');
    await tick();
    expect(client.scores.map((s) => s.text)).toEqual(['one', 'two', 'three']);
    client.scores[2].answer.resolve('three done' as never);
    expect(await replaced).toBe('three done');
    expect(client.cancelled).toEqual([1]);
  });

  it('keeps a model while any lease holds it; the last release ends its worker', async () => {
    const models = service();
    const a = models.open(spec('tiny-byte'), 'playground');
    const b = models.open(spec('tiny-byte'), 'compare');
    FakeClient.all[0].load.resolve(info('tiny-byte'));
    await a.info;
    a.release();
    expect(FakeClient.all[0].terminated).toBe(false);
    b.release();
    expect(FakeClient.all[0].terminated).toBe(true);
    expect(models.debug()).toMatchObject({ workers: 0, models: 0 });
    // asked again: a fresh worker
    models.open(spec('tiny-byte'), 'playground');
    expect(FakeClient.all.length).toBe(2);
  });

  it('releasing a model that is still loading cancels the load', async () => {
    const models = service();
    const a = models.open(spec('tiny-byte'), 'playground');
    a.release();
    await expect(a.info).rejects.toBeInstanceOf(CancelledError);
    expect(FakeClient.all[0].terminated).toBe(true);
  });

  it('a failed load is forgotten, so the next request tries again', async () => {
    const models = service();
    const a = models.open(spec('broken'), 'playground');
    FakeClient.all[0].load.reject(new Error('HTTP 404 for onnx/model.onnx'));
    await expect(a.info).rejects.toThrow('HTTP 404');
    await tick();
    expect(models.debug().workers).toBe(0);
    models.open(spec('broken'), 'playground');
    expect(FakeClient.all.length).toBe(2);
  });

  it('Unload ends a model for every holder, and says so to each', async () => {
    const models = service();
    const a = models.open(spec('tiny-byte'), 'playground');
    const b = models.open(spec('tiny-byte'), 'compare');
    const told: string[] = [];
    a.onEnded = (m) => told.push(`a: ${m}`);
    b.onEnded = (m) => told.push(`b: ${m}`);
    FakeClient.all[0].load.resolve(info('tiny-byte'));
    await a.info;
    models.unload(models.models[0].key);
    expect(told).toEqual([
      'a: tiny-byte was unloaded; choose it again to reload it',
      'b: tiny-byte was unloaded; choose it again to reload it',
    ]);
    await expect(a.score('after')).rejects.toThrow('unloaded');
  });

  it('hands the warmed worker to the first model that matches it', () => {
    const models = service();
    models.warm('auto', 0, 'https://example.test/');
    expect(FakeClient.all[0].warmed).toBe(true);
    models.open(spec('tiny-byte'), 'playground');
    expect(FakeClient.all.length).toBe(1);
    expect(FakeClient.all[0].loads).toEqual(['tiny-byte']);
  });

  it('a warm start with a model passes its spec on, for the worker to load at once', () => {
    const models = service();
    const early = spec('tiny-byte');
    models.warm('auto', 0, 'https://example.test/', early);
    expect(FakeClient.all[0].warmedWith).toEqual({
      backend: 'auto',
      threads: 0,
      assetsBase: 'https://example.test/',
      load: early,
    });
    // a second warm (the app's, say) starts nothing more
    models.warm('auto', 0, 'https://example.test/');
    expect(FakeClient.all.length).toBe(1);
  });

  it('reports progress to each lease that joins while the files download, and the bytes loaded', async () => {
    const models = service();
    const seen: number[] = [];
    models.open(spec('tiny-byte'), 'playground', (_f, loaded) => seen.push(loaded));
    models.open(spec('tiny-byte'), 'compare', (_f, loaded) => seen.push(-loaded));
    await tick();
    expect(seen).toEqual([10, -10]);
    FakeClient.all[0].load.resolve(info('tiny-byte'));
    await tick();
    expect(models.models[0]).toMatchObject({ status: 'ready', bytes: 100 });
  });

  it('tells models apart by files, ONNX variant, backend and threads', () => {
    const base = spec('x');
    const keys = new Set([
      modelKey(base),
      modelKey({ ...base, backend: 'wasm' }),
      modelKey({ ...base, threads: 2 }),
      modelKey({ ...base, model: { ...base.model, onnx: 'onnx/model_q4.onnx' } as ModelSpec['model'] }),
    ]);
    expect(keys.size).toBe(4);
    expect(modelKey(spec('x'))).toBe(modelKey(base));
  });
});
