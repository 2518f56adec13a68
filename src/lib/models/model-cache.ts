/**
 * Models from a URL prefix or the hub, kept in the browser's Cache Storage (`caches.open('pp-models-v1')`)
 * so that the second load is instant and works offline.
 *
 * Nothing is half-cached: a file is read whole into memory, checked (its length against Content-Length,
 * its SHA-256 against the hub's ETag when it sends one, JSON parses), and held back; only when the whole
 * model has opened does `commit()` write the files and a small index (which files the folder has and
 * which it lacks, so that an offline load knows an optional file is absent rather than unreachable).
 * A download that drops mid-file is retried; a cancelled one stops at once.
 */
import { MissingModelFileError, type ModelSource } from './model-source';
import { diagnoseFetchFailure, readResponseBytes, STALL_MS, StalledDownloadError, withinStall } from './fetch-source';

/** The Cache Storage cache that holds downloaded models; bump the version to drop every entry. */
export const MODEL_CACHE_NAME = 'pp-models-v1';

/** The part of the Cache interface used here (the browser's Cache; a Map-backed fake in tests). */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
  keys(): Promise<ReadonlyArray<{ url: string }>>;
}

/** What the cache knows about one model folder (stored under indexUrl(prefix)). */
export interface CachedModelIndex {
  /** The name the model picker showed. */
  name: string;
  /** URL prefix of the folder, ends in '/'. */
  prefix: string;
  /** The ONNX file that was loaded. */
  onnx: string;
  /** path -> bytes for the files stored, null for the files the folder does not have. */
  files: Record<string, number | null>;
  /** ISO date of the commit. */
  savedAt: string;
}

/** Where a folder's index lives in the cache: next to its files, under a name no model file has. */
export const indexUrl = (prefix: string): string => `${prefix}.pp-model.json`;

/** The download ended before the file did, or its bytes do not match what the server announced. */
export class IncompleteDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteDownloadError';
  }
}

/** The bytes do not match the SHA-256 the server names (ETag): a different file, not a dropped one. Not retried. */
export class HashMismatchError extends Error {
  override name = 'HashMismatchError';
}

export interface CachedSourceOptions {
  /** The cache, or null to download without keeping anything (Cache Storage unavailable). */
  cache: CacheLike | null;
  /** Download progress of every file (JSON too); `cached` when it came from the cache. */
  onProgress?: (path: string, loaded: number, total: number | null, cached: boolean) => void;
  signal?: AbortSignal;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Extra tries after a download that dropped mid-file or came back short. @defaultValue 2 */
  retries?: number;
  /** A download that sends nothing (headers or body) for this long is a stall, retried. @defaultValue STALL_MS */
  stallMs?: number;
  /**
   * Called with a file's size once it is known (response headers or cache), before its body is read;
   * throw to refuse it (the memory guard) without downloading it.
   */
  checkSize?: (path: string, bytes: number) => void;
}

export interface CachedSource extends ModelSource {
  /** Files that came from the cache in this load. */
  readonly fromCache: ReadonlySet<string>;
  /** The index a previous load committed, or null. */
  previousIndex(): Promise<CachedModelIndex | null>;
  /**
   * Write every file read in this load, and the index, to the cache. Call once the model has opened.
   * Resolves to null, or to why nothing was kept (quota, storage disabled): the load itself succeeded.
   */
  commit(name: string, onnx: string): Promise<string | null>;
}

const isAbort = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';
/** fetch() and body reads reject with a TypeError when the network fails (the browsers and undici). */
const isNetworkError = (e: unknown) => e instanceof TypeError || e instanceof IncompleteDownloadError || e instanceof StalledDownloadError;

/** A hub / CDN ETag that is a SHA-256 (LFS files): 64 hex digits, optionally quoted or weak. */
export function sha256FromEtag(etag: string | null): string | null {
  const m = etag?.match(/^(?:W\/)?"?([0-9a-f]{64})"?$/i);
  return m ? m[1].toLowerCase() : null;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A model folder at a URL prefix, read through the cache.
 * @example const source = cachedSource(prefix, { cache: await caches.open(MODEL_CACHE_NAME) }); ...; await source.commit(name, onnx);
 */
export function cachedSource(prefix: string, options: CachedSourceOptions): CachedSource {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const { cache, signal } = options;
  const retries = options.retries ?? 2;
  const staged = new Map<string, { bytes: Uint8Array; type: string }>();
  const missing = new Set<string>();
  const fromCache = new Set<string>();
  let index: Promise<CachedModelIndex | null> | null = null;
  const urlOf = (path: string) => new URL(path, base).href;

  const previousIndex = (): Promise<CachedModelIndex | null> =>
    (index ??= (async () => {
      const res = await cache?.match(indexUrl(base)).catch(() => undefined);
      if (!res) return null;
      try {
        return (await res.json()) as CachedModelIndex;
      } catch {
        return null;
      }
    })());

  async function download(path: string): Promise<{ bytes: Uint8Array; type: string }> {
    const url = urlOf(path);
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      /** The request itself failed (no response at all), rather than its body. */
      let noResponse = false;
      try {
        // headers that never come are a stall too: abort that request, and retry
        const attemptAbort = new AbortController();
        const attemptSignal = signal ? AbortSignal.any([signal, attemptAbort.signal]) : attemptAbort.signal;
        const res = await withinStall(doFetch(url, { signal: attemptSignal }), options.stallMs ?? STALL_MS, url, () => attemptAbort.abort()).catch(
          (e: unknown) => {
            noResponse = e instanceof TypeError;
            throw e;
          },
        );
        if (res.status === 404 || res.status === 410) {
          await res.body?.cancel().catch(() => undefined);
          throw new MissingModelFileError(base, path);
        }
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined);
          // the hub answers 401 for a repo that does not exist as for a private one
          const why =
            res.status === 401 || res.status === 403
              ? ': the repository does not exist, or it is private or gated (this app sends no token)'
              : '';
          throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim() + why);
        }
        const header = res.headers.get('Content-Length');
        const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
        if (total !== null && options.checkSize) {
          try {
            options.checkSize(path, total);
          } catch (e) {
            await res.body?.cancel().catch(() => undefined);
            throw e;
          }
        }
        const bytes = await readBody(res, path, total);
        if (total !== null && bytes.byteLength < total) {
          throw new IncompleteDownloadError(`${url}: the download stopped at ${bytes.byteLength} of ${total} bytes`);
        }
        if (total === null) options.checkSize?.(path, bytes.byteLength);
        const sha = sha256FromEtag(res.headers.get('X-Linked-ETag') ?? res.headers.get('ETag'));
        if (sha && (await sha256Hex(bytes)) !== sha) {
          throw new HashMismatchError(
            `${url}: the bytes do not match the SHA-256 the server names for this file (ETag ${sha}): the server sent another ` +
              'file than it describes (or something on the way changed it); nothing was cached',
          );
        }
        return { bytes, type: res.headers.get('Content-Type') ?? 'application/octet-stream' };
      } catch (e) {
        if (isAbort(e) || signal?.aborted) throw e;
        if (!isNetworkError(e)) throw e;
        // the browser's bare "Failed to fetch": name the cause where it can be found, and do not retry it
        const cause = noResponse && attempt === 0 ? await diagnoseFetchFailure(url, doFetch, signal) : null;
        if (cause) throw new Error(`${url}: ${cause}; nothing was cached`, { cause: e });
        if (attempt < retries) continue;
        const why = e instanceof Error ? e.message : String(e);
        const advice =
          noResponse
            ? 'could not reach the server, or it does not let this page read its files (no CORS headers; the browser does not say which): check the address and the connection'
            : 'check the connection';
        throw new Error(`${url}: the download failed ${attempt + 1} times (${why}); nothing was cached: ${advice}, and load again to retry`, {
          cause: e,
        });
      }
    }
  }

  async function readBody(res: Response, path: string, total: number | null): Promise<Uint8Array> {
    if (res.body) options.onProgress?.(path, 0, total, false);
    return readResponseBytes(res, (loaded) => options.onProgress?.(path, loaded, total, false), options.stallMs ?? STALL_MS);
  }

  async function read(path: string): Promise<Uint8Array> {
    const url = urlOf(path);
    const hit = await cache?.match(url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      options.checkSize?.(path, bytes.byteLength);
      fromCache.add(path);
      options.onProgress?.(path, bytes.byteLength, bytes.byteLength, true);
      return bytes;
    }
    try {
      const file = await download(path);
      staged.set(path, file);
      return file.bytes;
    } catch (e) {
      if (e instanceof MissingModelFileError) {
        missing.add(path);
        throw e;
      }
      // offline: a file the last complete load found absent is absent still
      if (!signal?.aborted && (e as Error).cause !== undefined && (await previousIndex())?.files[path] === null) {
        missing.add(path);
        throw new MissingModelFileError(base, path);
      }
      throw e;
    }
  }

  return {
    location: base,
    fromCache,
    previousIndex,
    async readJSON(path: string): Promise<unknown> {
      const bytes = await read(path);
      try {
        return JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        staged.delete(path); // never keep what does not parse
        throw new Error(`${urlOf(path)} is not JSON: ${(e as Error).message}`, { cause: e });
      }
    },
    readBytes: read,
    async commit(name: string, onnx: string): Promise<string | null> {
      if (!cache) return 'Cache Storage is not available here: the model will be downloaded again next time';
      const files: Record<string, number | null> = {};
      const previous = await previousIndex();
      for (const [path, size] of Object.entries(previous?.files ?? {})) files[path] = size;
      for (const path of fromCache) files[path] ??= null;
      const written: string[] = [];
      try {
        for (const [path, file] of staged) {
          const url = urlOf(path);
          await cache.put(
            url,
            new Response(file.bytes as Uint8Array<ArrayBuffer>, {
              headers: { 'Content-Type': file.type, 'Content-Length': String(file.bytes.byteLength) },
            }),
          );
          written.push(url);
          files[path] = file.bytes.byteLength;
        }
        for (const path of fromCache) {
          const hit = await cache.match(urlOf(path));
          files[path] = hit ? Number(hit.headers.get('Content-Length') ?? 0) || (files[path] ?? 0) : null;
        }
        for (const path of missing) files[path] = null;
        const entry: CachedModelIndex = { name, prefix: base, onnx, files, savedAt: new Date().toISOString() };
        await cache.put(indexUrl(base), new Response(JSON.stringify(entry), { headers: { 'Content-Type': 'application/json' } }));
        staged.clear();
        return null;
      } catch (e) {
        // all or nothing: a quota error halfway leaves no partial model behind
        for (const url of written) await cache.delete(url).catch(() => false);
        return `the model could not be kept in the browser's cache (${(e as Error).message}): it will be downloaded again next time`;
      }
    },
  };
}

/** One file in the cache manager. */
export interface CachedFile {
  url: string;
  /** Path relative to its model folder, or the URL when it belongs to no indexed folder. */
  path: string;
  bytes: number;
}

/** One model folder in the cache manager. */
export interface CachedModel {
  prefix: string;
  name: string;
  onnx: string;
  savedAt: string;
  files: CachedFile[];
  bytes: number;
}

/**
 * Everything in the cache, grouped by model folder; files outside any indexed folder come last as
 * `orphans` (an index lost to a cleared entry).
 * @example const { models } = await listCachedModels(await caches.open(MODEL_CACHE_NAME));
 */
export async function listCachedModels(cache: CacheLike): Promise<{ models: CachedModel[]; orphans: CachedFile[] }> {
  const keys = (await cache.keys()).map((k) => k.url);
  const sizes = new Map<string, number>();
  const models: CachedModel[] = [];
  for (const url of keys) {
    const res = await cache.match(url);
    if (!res) continue;
    if (url.endsWith('/.pp-model.json')) {
      try {
        const index = (await res.json()) as CachedModelIndex;
        models.push({ prefix: index.prefix, name: index.name, onnx: index.onnx, savedAt: index.savedAt, files: [], bytes: 0 });
      } catch {
        /* a broken index: its files show up as orphans */
      }
      continue;
    }
    const header = res.headers.get('Content-Length');
    sizes.set(url, header !== null && /^\d+$/.test(header) ? Number(header) : (await res.arrayBuffer()).byteLength);
  }
  const orphans: CachedFile[] = [];
  for (const [url, bytes] of sizes) {
    const model = models.find((m) => url.startsWith(m.prefix));
    if (model) {
      model.files.push({ url, path: url.slice(model.prefix.length), bytes });
      model.bytes += bytes;
    } else {
      orphans.push({ url, path: url, bytes });
    }
  }
  for (const m of models) m.files.sort((a, b) => a.path.localeCompare(b.path));
  models.sort((a, b) => a.name.localeCompare(b.name));
  return { models, orphans };
}

/**
 * Delete a model folder's files and its index (or one file when `url` is not a folder prefix).
 * @example await deleteCached(cache, 'https://huggingface.co/Xenova/gpt2/resolve/main/');
 */
export async function deleteCached(cache: CacheLike, prefixOrUrl: string): Promise<number> {
  let n = 0;
  for (const { url } of await cache.keys()) {
    if (url === prefixOrUrl || (prefixOrUrl.endsWith('/') && url.startsWith(prefixOrUrl))) {
      if (await cache.delete(url)) n++;
    }
  }
  return n;
}
