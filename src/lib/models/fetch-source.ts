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

/**
 * A response body as bytes, read chunk by chunk so that `onChunk` can report progress (bytes so far).
 * @example const bytes = await readResponseBytes(res, (loaded) => console.log(loaded));
 */
export async function readResponseBytes(res: Response, onChunk?: (loaded: number) => void): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
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
        throw new Error(`${base}${path} is not JSON: ${(e as Error).message}`);
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
        throw new Error(`${path} (dropped) is not JSON: ${(e as Error).message}`);
      }
    },
    readBytes: async (path: string) => new Uint8Array(await need(path).arrayBuffer()),
  };
}
