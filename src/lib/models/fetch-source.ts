/**
 * ModelSource implementations for the browser (./model-source.ts): a URL prefix (bundled models, any
 * static host, a Hugging Face hub `resolve/<rev>/` URL) and files the user dropped in. A file the
 * folder does not have rejects with MissingModelFileError, so optional files can be told apart.
 */
import { MissingModelFileError, type ModelSource } from './model-source';

/** Called while a file downloads; total is null when the server sends no Content-Length. */
export type ReadProgress = (path: string, loaded: number, total: number | null) => void;

export interface FetchSourceOptions {
  /** Download progress of readBytes (model weights). */
  onProgress?: ReadProgress;
  signal?: AbortSignal;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

/** A download that stopped sending: no byte for `STALL_MS`. Retried like a dropped connection. */
export class StalledDownloadError extends Error {
  override name = 'StalledDownloadError';
}

/** A download that sends nothing for this long has stalled, ms. */
export const STALL_MS = 30_000;

/**
 * `promise`, or a StalledDownloadError (then `onStall` runs) when it has not settled within `ms`.
 * @example await withinStall(reader.read(), 30_000, 'url', () => reader.cancel());
 */
export function withinStall<T>(promise: Promise<T>, ms: number, url: string, onStall?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // rejected first: cancelling a reader settles its pending read, which must not win the race
      reject(new StalledDownloadError(`${url}: no data arrived for ${Math.round(ms / 1000)} s (the download stalled)`));
      onStall?.();
    }, ms);
  });
  return Promise.race([promise, stalled]).finally(() => clearTimeout(timer));
}

/**
 * Why a fetch that failed with the browser's bare "Failed to fetch" (a TypeError, which names no cause)
 * failed, found by asking again in ways that fail differently, or null when nothing more can be told:
 * - it redirects (a `redirect: 'manual'` request gets the redirect) but following fails: a redirect loop,
 *   or a redirect to a host that does not let this page read it;
 * - it answers a `no-cors` request: the server is there but sends no CORS headers;
 * - the browser says it is offline.
 * These are not worth retrying; a null cause (unreachable, or refused before any answer) may be.
 * @example const why = await diagnoseFetchFailure(url, fetch); // 'the server sends no CORS headers ...'
 */
export async function diagnoseFetchFailure(url: string, doFetch: typeof fetch, signal?: AbortSignal): Promise<string | null> {
  if (globalThis.navigator?.onLine === false) return 'this browser is offline: connect and load again';
  const probe = async (init: RequestInit) => {
    try {
      const res = await withinStall(doFetch(url, { ...init, signal }), 10_000, url);
      await res.body?.cancel().catch(() => undefined);
      return res;
    } catch {
      return null;
    }
  };
  const manual = await probe({ redirect: 'manual' });
  if (manual && (manual.type === 'opaqueredirect' || (manual.status >= 300 && manual.status < 400))) {
    return (
      'the server redirects, and following its redirects fails: a redirect loop (more than 20 redirects), or a redirect to ' +
      'a host that does not let this page read its files (no CORS headers). Check the address'
    );
  }
  if (await probe({ mode: 'no-cors' })) {
    return (
      'the server answers, but without the CORS headers (Access-Control-Allow-Origin) that let another site read its files, ' +
      'so the browser refuses them to this page: host the model where CORS is allowed (the Hugging Face hub is)'
    );
  }
  return null;
}

/**
 * A response body as bytes, read chunk by chunk so that `onChunk` can report progress (bytes so far).
 * A body that sends nothing for `stallMs` is cancelled with a StalledDownloadError.
 * @example const bytes = await readResponseBytes(res, (loaded) => console.log(loaded));
 */
export async function readResponseBytes(res: Response, onChunk?: (loaded: number) => void, stallMs = STALL_MS): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await withinStall(reader.read(), stallMs, res.url || 'the download', () => void reader.cancel().catch(() => undefined));
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onChunk?.(loaded);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * A model folder at a URL prefix.
 * @example const source = fetchSource('https://host/app/models/tiny-bpe1k/'); const { config } = await loadModelFolder(source);
 */
export function fetchSource(prefix: string, options: FetchSourceOptions = {}): ModelSource {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const get = async (path: string): Promise<Response> => {
    const res = await doFetch(new URL(path, base).href, { signal: options.signal });
    if (res.status === 404 || res.status === 410) throw new MissingModelFileError(base, path);
    if (!res.ok) throw new Error(`${base}${path}: HTTP ${res.status} ${res.statusText}`.trim());
    return res;
  };
  return {
    location: base,
    async readJSON(path: string): Promise<unknown> {
      const text = await (await get(path)).text();
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new Error(`${base}${path} is not JSON: ${(e as Error).message}`, { cause: e });
      }
    },
    async readBytes(path: string): Promise<Uint8Array> {
      const res = await get(path);
      const header = res.headers.get('Content-Length');
      const total = header ? Number(header) : null;
      const onProgress = options.onProgress;
      if (!onProgress) return new Uint8Array(await res.arrayBuffer());
      return readResponseBytes(res, (loaded) => onProgress(path, loaded, total));
    },
  };
}

/**
 * A model folder from files the user dropped in or picked: a file is found by its path relative to the
 * folder (webkitRelativePath without the top folder), else by its base name.
 * @example const source = filesSource(Array.from(input.files)); await source.readBytes('onnx/model.onnx');
 */
export function filesSource(files: readonly File[]): ModelSource {
  const byPath = new Map<string, File>();
  const byName = new Map<string, File>();
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
    if (rel) byPath.set(rel.split('/').slice(1).join('/'), f);
    if (!byName.has(f.name)) byName.set(f.name, f);
  }
  const location = 'dropped files';
  const need = (path: string): File => {
    const f = byPath.get(path) ?? byName.get(path.split('/').pop()!);
    if (!f) throw new MissingModelFileError(location, path);
    return f;
  };
  return {
    location,
    async readJSON(path: string): Promise<unknown> {
      const text = await need(path).text();
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new Error(`${path} (dropped) is not JSON: ${(e as Error).message}`, { cause: e });
      }
    },
    readBytes: async (path: string) => new Uint8Array(await need(path).arrayBuffer()),
  };
}
