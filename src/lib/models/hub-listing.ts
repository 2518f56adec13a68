/**
 * A hub repository's file listing, and the variant to load chosen from it (./layouts.ts), so that a repo id
 * the user types loads the file that suits the backend instead of the first of a fixed list that exists:
 *
 *   const files = await fetchHubListing({ endpoint, repo, revision });   // null: no listing (a static host)
 *   const choice = files && chooseFromListing(files, { backend: 'webgpu', shaderF16: true });
 *   choice.onnx   // 'onnx/model_q4f16.onnx'
 *   choice.note   // 'Chose onnx/model_q4f16.onnx (q4f16, 1.2 MB) from the repository's listing: ...'
 *
 * The listing is the hub's tree API, `GET {endpoint}/api/models/{repo}/tree/{revision}?recursive=1`: a JSON
 * array of `{ type: 'file' | 'directory', path, size, lfs?: { size } }`, in pages linked by `Link: <...>;
 * rel="next"`.
 */
import { formatBytes } from '../format';
import { STALL_MS, withinStall } from './fetch-source';
import { autoDtypes, resolveLayout, type Backend, type RepoFile } from './layouts';

export interface HubRepo {
  /** The hub endpoint without a trailing slash, e.g. https://huggingface.co */
  endpoint: string;
  /** owner/name */
  repo: string;
  revision: string;
}

/** Pages of a listing followed at most (the hub's pages hold 1,000 entries; model repositories hold far fewer). */
const MAX_PAGES = 10;

/**
 * The URL of a repository's recursive file listing; a revision with a slash (`refs/pr/1`) is encoded.
 * @example hubTreeUrl({ endpoint: 'https://huggingface.co', repo: 'Xenova/gpt2', revision: 'main' }) // 'https://huggingface.co/api/models/Xenova/gpt2/tree/main?recursive=1'
 */
export function hubTreeUrl(hub: HubRepo): string {
  return `${hub.endpoint}/api/models/${hub.repo}/tree/${encodeURIComponent(hub.revision)}?recursive=1`;
}

/**
 * The files of one page of the tree API (directories left out; an LFS file's size is its object's), or
 * null when the JSON is not such a listing.
 * @example parseHubTree([{ type: 'file', path: 'onnx/model.onnx', size: 134, lfs: { size: 498000000 } }]) // [{ path: 'onnx/model.onnx', size: 498000000 }]
 */
export function parseHubTree(json: unknown): RepoFile[] | null {
  if (!Array.isArray(json)) return null;
  const files: RepoFile[] = [];
  for (const entry of json as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { type, path, size, lfs } = entry as { type?: unknown; path?: unknown; size?: unknown; lfs?: { size?: unknown } | null };
    if (typeof path !== 'string') return null;
    if (type !== 'file') continue;
    const bytes = typeof lfs?.size === 'number' ? lfs.size : size;
    files.push({ path, size: typeof bytes === 'number' && bytes >= 0 ? bytes : 0 });
  }
  return files;
}

/** The `rel="next"` URL of a Link header, resolved against the page's URL. */
function nextPage(link: string | null, base: string): string | null {
  const next = link?.split(',').find((part) => /rel="?next"?/.test(part));
  const url = next && /<([^>]+)>/.exec(next)?.[1];
  return url ? new URL(url, base).href : null;
}

/**
 * A repository's files from the hub's tree API, or null where there is none to read (a static host
 * answers 404 or HTML, the network is off, the answer is not a listing): the caller then probes file
 * names in order, as before. An abort still rejects.
 */
export async function fetchHubListing(
  hub: HubRepo,
  options: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<RepoFile[] | null> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const files: RepoFile[] = [];
  let url: string | null = hubTreeUrl(hub);
  for (let page = 0; url && page < MAX_PAGES; page++) {
    let res: Response;
    let json: unknown;
    // a stalled listing must not hold the load: after STALL_MS the files are probed instead
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const onStall = () => stop.abort();
    try {
      res = await withinStall(doFetch(url, { signal, headers: { Accept: 'application/json' } }), STALL_MS, url, onStall);
      if (!res.ok) return null;
      json = await withinStall(res.json(), STALL_MS, url, onStall);
    } catch (e) {
      options.signal?.throwIfAborted();
      void e; // no listing: the caller probes file names instead
      return null;
    }
    const entries = parseHubTree(json);
    if (!entries) return null;
    files.push(...entries);
    url = nextPage(res.headers.get('Link'), url);
  }
  return files;
}

export interface ListingChoice {
  /** The ONNX file to load, relative to the repository root. */
  onnx: string;
  /** Its folder ('' at the root): a genai builder repository keeps one folder (config, tokenizer) per variant. */
  folder: string;
  /** One line for the user: which file, and why. */
  note: string;
}

const BACKEND_NAMES: Record<Backend, string> = { webgpu: 'WebGPU', wasm: 'WASM' };

/**
 * The variant to load on this backend from a repository's listing (./layouts.ts resolveLayout: the smallest
 * of those the backend runs well), with a line that says which and why. Throws, with layouts' one-line
 * message, when the listing has no decoder this app knows or no tokenizer.json.
 * @example chooseFromListing(files, { backend: 'wasm', shaderF16: false }).onnx // 'onnx/model_quantized.onnx'
 */
export function chooseFromListing(files: readonly RepoFile[], options: { backend: Backend; shaderF16: boolean }): ListingChoice {
  const layout = resolveLayout(files, options);
  const { variant } = layout;
  const on = options.backend === 'webgpu' ? `WebGPU${options.shaderF16 ? ' with shader-f16' : ' without shader-f16'}` : BACKEND_NAMES.wasm;
  const others = layout.variants.filter((v) => v !== variant).map((v) => `${v.dtype} ${formatBytes(v.bytes)}`);
  const why =
    layout.variants.length === 1
      ? 'the only variant it has'
      : `the smallest of the variants ${on} runs well (${autoDtypes(options.backend, options.shaderF16).join(', ')}); ` +
        `the others: ${others.join(', ')}`;
  const folder = variant.onnx.includes('/') && layout.kind === 'genai' ? variant.onnx.slice(0, variant.onnx.lastIndexOf('/') + 1) : '';
  return {
    onnx: variant.onnx,
    folder,
    note: `Chose ${variant.onnx} (${variant.dtype}, ${formatBytes(variant.bytes)}) from the repository's listing: ${why}.`,
  };
}
