/**
 * The model cache against a fake Cache (a Map) and a fake fetch: complete files only, all or nothing,
 * retries after a dropped connection, the second load offline.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cachedSource,
  deleteCached,
  indexUrl,
  listCachedModels,
  sha256FromEtag,
  type CacheLike,
} from '../../src/lib/models/model-cache';
import { MissingModelFileError } from '../../src/lib/models/model-source';

class FakeCache implements CacheLike {
  readonly entries = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  failPuts = false;
  async match(url: string) {
    const e = this.entries.get(url);
    return e ? new Response(e.body.slice() as Uint8Array<ArrayBuffer>, { headers: e.headers }) : undefined;
  }
  async put(url: string, res: Response) {
    if (this.failPuts) throw new DOMException('quota exceeded', 'QuotaExceededError');
    this.entries.set(url, { body: new Uint8Array(await res.arrayBuffer()), headers: [...res.headers] });
  }
  async delete(url: string) {
    return this.entries.delete(url);
  }
  async keys() {
    return [...this.entries.keys()].map((url) => ({ url }));
  }
}

const PREFIX = 'https://hub.test/o/m/resolve/main/';
const enc = (s: string) => new TextEncoder().encode(s);
const WEIGHTS = new Uint8Array(1000).map((_, i) => i % 251);
const FILES: Record<string, Uint8Array> = {
  'config.json': enc('{"vocab_size": 10, "n_positions": 8}'),
  'tokenizer.json': enc('{"model": {}}'),
  'onnx/model.onnx': WEIGHTS,
};

interface Server {
  fetch: typeof fetch;
  requests: string[];
  /** Paths whose next N responses stop after half the body. */
  drop: Map<string, number>;
  offline: boolean;
  etag: boolean;
}

function fakeServer(files = FILES): Server {
  const server: Server = {
    requests: [],
    drop: new Map(),
    offline: false,
    etag: true,
    fetch: (async (input: string | URL | Request) => {
      const url = String(input);
      server.requests.push(url);
      if (server.offline) throw new TypeError('Failed to fetch');
      const path = url.slice(PREFIX.length);
      const body = files[path];
      if (!body) return new Response('Entry not found', { status: 404 });
      const headers: Record<string, string> = { 'Content-Length': String(body.byteLength) };
      if (server.etag) headers.ETag = `"${createHash('sha256').update(body).digest('hex')}"`;
      const dropsLeft = server.drop.get(path) ?? 0;
      if (dropsLeft > 0) {
        server.drop.set(path, dropsLeft - 1);
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(body.slice(0, body.byteLength >> 1));
            c.error(new TypeError('network error'));
          },
        });
        return new Response(stream, { headers });
      }
      return new Response(body.slice() as Uint8Array<ArrayBuffer>, { headers });
    }) as typeof fetch,
  };
  return server;
}

async function loadAll(source: ReturnType<typeof cachedSource>) {
  await source.readJSON('config.json');
  await source.readJSON('tokenizer.json');
  await expect(source.readJSON('tokenizer_config.json')).rejects.toBeInstanceOf(MissingModelFileError);
  return source.readBytes('onnx/model.onnx');
}

describe('model cache', () => {
  it('caches nothing until commit, then everything with an index; the second load makes no request', async () => {
    const cache = new FakeCache();
    const server = fakeServer();
    const first = cachedSource(PREFIX, { cache, fetch: server.fetch });
    expect(await loadAll(first)).toEqual(WEIGHTS);
    expect(cache.entries.size).toBe(0); // the model has not opened yet
    expect(await first.commit('o/m', 'onnx/model.onnx')).toBeNull();
    expect([...cache.entries.keys()].sort()).toEqual(
      [indexUrl(PREFIX), `${PREFIX}config.json`, `${PREFIX}onnx/model.onnx`, `${PREFIX}tokenizer.json`].sort(),
    );

    server.offline = true;
    server.requests.length = 0;
    const progress: [string, number, number | null, boolean][] = [];
    const second = cachedSource(PREFIX, { cache, fetch: server.fetch, onProgress: (...a) => progress.push(a) });
    // offline: the optional file the first load found absent is reported absent, not unreachable
    expect(await loadAll(second)).toEqual(WEIGHTS);
    expect([...second.fromCache].sort()).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json']);
    expect(progress).toContainEqual(['onnx/model.onnx', 1000, 1000, true]);
    expect(server.requests.every((u) => u.endsWith('tokenizer_config.json'))).toBe(true);
  });

  it('retries a download that dropped mid-file, and keeps only the complete bytes', async () => {
    const cache = new FakeCache();
    const server = fakeServer();
    server.drop.set('onnx/model.onnx', 1);
    const source = cachedSource(PREFIX, { cache, fetch: server.fetch });
    expect(await loadAll(source)).toEqual(WEIGHTS);
    expect(server.requests.filter((u) => u.endsWith('model.onnx'))).toHaveLength(2);
    await source.commit('o/m', 'onnx/model.onnx');
    expect(cache.entries.get(`${PREFIX}onnx/model.onnx`)!.body).toEqual(WEIGHTS);
  });

  it('names a redirect loop, a host without CORS headers and a hash mismatch; retries none of them', async () => {
    // the browser's view of each: fetch rejects with a bare TypeError; only other requests tell them apart
    const browserLike = (kind: 'loop' | 'no-cors' | 'down') => {
      const requests: RequestInit[] = [];
      const fetch = (async (_: string, init: RequestInit = {}) => {
        requests.push(init);
        if (kind === 'loop' && init.redirect === 'manual') return new Response(null, { status: 200 });
        if (kind === 'no-cors' && init.mode === 'no-cors') return new Response(null, { status: 200 });
        throw new TypeError('Failed to fetch');
      }) as typeof globalThis.fetch;
      return { requests, fetch };
    };
    // an opaque redirect, as a browser returns for redirect: 'manual'
    const loop = browserLike('loop');
    const loopFetch = (async (url: string, init: RequestInit = {}) => {
      const res = await loop.fetch(url, init);
      return init.redirect === 'manual' ? Object.defineProperty(res, 'type', { value: 'opaqueredirect' }) : res;
    }) as typeof globalThis.fetch;
    await expect(cachedSource(PREFIX, { cache: null, fetch: loopFetch }).readJSON('config.json')).rejects.toThrow(
      /config.json: the server redirects, and following its redirects fails: a redirect loop/,
    );
    expect(loop.requests.filter((r) => !r.redirect && !r.mode)).toHaveLength(1); // not retried

    const noCors = browserLike('no-cors');
    await expect(cachedSource(PREFIX, { cache: null, fetch: noCors.fetch }).readJSON('config.json')).rejects.toThrow(
      /without the CORS headers \(Access-Control-Allow-Origin\)/,
    );
    expect(noCors.requests.filter((r) => !r.redirect && !r.mode)).toHaveLength(1);

    const down = browserLike('down');
    await expect(
      cachedSource(PREFIX, { cache: null, fetch: down.fetch, retries: 2 }).readJSON('config.json'),
    ).rejects.toThrow(
      /failed 3 times.*could not reach the server, or it does not let this page read its files.*load again to retry/,
    );

    // a SHA-256 ETag that does not match: named, and asked for once
    const server = fakeServer();
    const wrong = (async (input: string) => {
      const res = await server.fetch(input);
      const headers = new Headers(res.headers);
      headers.set('ETag', `"${'0'.repeat(64)}"`);
      return new Response(res.body, { status: res.status, headers });
    }) as typeof globalThis.fetch;
    await expect(cachedSource(PREFIX, { cache: null, fetch: wrong }).readBytes('onnx/model.onnx')).rejects.toThrow(
      /do not match the SHA-256 the server names for this file \(ETag 0{64}\): the server sent another file/,
    );
    expect(server.requests.filter((u) => u.endsWith('model.onnx'))).toHaveLength(1);
  });

  it('times out a stalled download (headers or body) and retries it, then says so', async () => {
    const requests: string[] = [];
    const stall = (async (input: string) => {
      requests.push(input);
      if (requests.length === 1) return new Promise<Response>(() => {}); // headers that never come
      // a body that sends half and then nothing
      const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(WEIGHTS.slice(0, 500)) });
      return new Response(body, { headers: { 'Content-Length': '1000' } });
    }) as typeof globalThis.fetch;
    const source = cachedSource(PREFIX, { cache: null, fetch: stall, retries: 2, stallMs: 50 });
    await expect(source.readBytes('onnx/model.onnx')).rejects.toThrow(
      /failed 3 times \(.*no data arrived for 0 s \(the download stalled\)\).*load again to retry/,
    );
    expect(requests).toHaveLength(3);
  });

  it('gives up after the retries with a clear message; a new load then works', async () => {
    const cache = new FakeCache();
    const server = fakeServer();
    server.drop.set('onnx/model.onnx', 3);
    const failing = cachedSource(PREFIX, { cache, fetch: server.fetch, retries: 2 });
    await expect(loadAll(failing)).rejects.toThrow(/failed 3 times.*nothing was cached.*load again/);
    expect(cache.entries.size).toBe(0);
    const retry = cachedSource(PREFIX, { cache, fetch: server.fetch });
    expect(await loadAll(retry)).toEqual(WEIGHTS);
  });

  it('rejects bytes whose SHA-256 does not match the ETag (and a short body)', async () => {
    const server = fakeServer();
    const corrupt: typeof fetch = async (input) => {
      const res = await server.fetch(input);
      if (!String(input).endsWith('model.onnx')) return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes[10] ^= 1;
      return new Response(bytes, { headers: res.headers });
    };
    const source = cachedSource(PREFIX, { cache: new FakeCache(), fetch: corrupt, retries: 0 });
    await expect(source.readBytes('onnx/model.onnx')).rejects.toThrow(/SHA-256/);
    expect(sha256FromEtag('W/"' + 'a'.repeat(64) + '"')).toBe('a'.repeat(64));
    expect(sha256FromEtag('"abc-123"')).toBeNull();
  });

  it('a size check refuses a file before its body is read', async () => {
    const server = fakeServer();
    const source = cachedSource(PREFIX, {
      cache: new FakeCache(),
      fetch: server.fetch,
      checkSize: (path, bytes) => {
        if (bytes > 500) throw new Error(`${path} is too large (${bytes} bytes)`);
      },
    });
    await expect(source.readBytes('onnx/model.onnx')).rejects.toThrow('onnx/model.onnx is too large (1000 bytes)');
  });

  it('JSON that does not parse is never kept', async () => {
    const cache = new FakeCache();
    const server = fakeServer({ ...FILES, 'config.json': enc('<html>not json') });
    const source = cachedSource(PREFIX, { cache, fetch: server.fetch });
    await expect(source.readJSON('config.json')).rejects.toThrow(/is not JSON/);
    await source.commit('o/m', 'onnx/model.onnx');
    expect(cache.entries.has(`${PREFIX}config.json`)).toBe(false);
  });

  it('a failed commit (quota) leaves nothing behind and says so', async () => {
    const cache = new FakeCache();
    const source = cachedSource(PREFIX, { cache, fetch: fakeServer().fetch });
    await loadAll(source);
    cache.failPuts = true;
    expect(await source.commit('o/m', 'onnx/model.onnx')).toMatch(/could not be kept.*quota/);
    expect(cache.entries.size).toBe(0);
  });

  it('a cancelled download stops at once and is not retried', async () => {
    const controller = new AbortController();
    const server = fakeServer();
    const slow: typeof fetch = async (input, init) => {
      server.requests.push(String(input));
      return new Promise((_, reject) =>
        init!.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    };
    const source = cachedSource(PREFIX, { cache: new FakeCache(), fetch: slow, signal: controller.signal });
    const p = source.readBytes('onnx/model.onnx');
    controller.abort();
    await expect(p).rejects.toThrow(/abort/i);
    expect(server.requests.length).toBeLessThanOrEqual(1); // never retried
  });

  it('the cache manager lists models with their sizes and deletes them', async () => {
    const cache = new FakeCache();
    const source = cachedSource(PREFIX, { cache, fetch: fakeServer().fetch });
    await loadAll(source);
    await source.commit('o/m', 'onnx/model.onnx');
    await cache.put('https://elsewhere.test/x.bin', new Response(new Uint8Array(7)));
    const { models, orphans } = await listCachedModels(cache);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: 'o/m', prefix: PREFIX, onnx: 'onnx/model.onnx' });
    expect(models[0].files.map((f) => [f.path, f.bytes])).toEqual([
      ['config.json', FILES['config.json'].byteLength],
      ['onnx/model.onnx', 1000],
      ['tokenizer.json', FILES['tokenizer.json'].byteLength],
    ]);
    expect(models[0].bytes).toBe(1000 + FILES['config.json'].byteLength + FILES['tokenizer.json'].byteLength);
    expect(orphans.map((o) => o.bytes)).toEqual([7]);
    expect(await deleteCached(cache, PREFIX)).toBe(4);
    expect((await listCachedModels(cache)).models).toEqual([]);
    expect(await deleteCached(cache, 'https://elsewhere.test/x.bin')).toBe(1);
  });
});
