/**
 * What the user typed into the "Your model" field, resolved to the URL prefix of a model folder
 * (DESIGN.md "Model folder"): a URL prefix as it is, or a Hugging Face hub repo id with an optional
 * revision, `owner/name@rev`, resolved as `${endpoint}/${repo}/resolve/${rev}/` the way the hub client
 * and Transformers.js do (the endpoint is configurable, as `HF_ENDPOINT` / `env.remoteHost` are there).
 */

/** The hub the app resolves repo ids against unless the user names another. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
/** The revision a repo id without `@rev` resolves to. */
export const DEFAULT_REVISION = 'main';

/** Where a model folder is: its URL prefix (absolute, ends in '/'), and a name for the model picker. */
export type ModelLocation =
  | { kind: 'url'; prefix: string; name: string }
  | { kind: 'hub'; prefix: string; name: string; repo: string; revision: string; endpoint: string };

const REPO_PART = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const REPO_ID = new RegExp(`^(${REPO_PART}/${REPO_PART})(?:@([^\\s@]+))?$`);

/**
 * The hub endpoint without a trailing slash; throws for anything but an http(s) URL.
 * @example normalizeEndpoint('http://127.0.0.1:9000/hub/') // 'http://127.0.0.1:9000/hub'
 */
export function normalizeEndpoint(endpoint: string | undefined | null): string {
  const raw = (endpoint ?? '').trim() || DEFAULT_HUB_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`the hub endpoint "${raw}" is not a URL (e.g. ${DEFAULT_HUB_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the hub endpoint "${raw}" must be an http(s) URL`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * The URL prefix of a file tree on the hub. A revision with a slash (`refs/pr/1`) is encoded, as
 * huggingface_hub's hf_hub_url does.
 * @example hubPrefix('Xenova/gpt2', 'main') // 'https://huggingface.co/Xenova/gpt2/resolve/main/'
 */
export function hubPrefix(repo: string, revision = DEFAULT_REVISION, endpoint = DEFAULT_HUB_ENDPOINT): string {
  checkRevision(revision);
  return `${normalizeEndpoint(endpoint)}/${repo}/resolve/${encodeURIComponent(revision)}/`;
}

/**
 * Throw for a revision a URL would not keep inside `resolve/<rev>/`: `.` or `..` as a segment (a URL
 * resolves them, even percent-encoded as `%2e`), an empty segment, or an empty revision.
 * @example checkRevision('refs/pr/1') // ok; checkRevision('..') throws
 */
export function checkRevision(revision: string): void {
  const dotted = revision.split('/').find((s) => s === '' || /^(\.|%2e){1,2}$/i.test(s));
  if (dotted !== undefined) {
    throw new Error(
      `the revision "${revision}" is not a branch, tag or commit: "${dotted}" as a part of it would leave resolve/<revision>/`,
    );
  }
}

/**
 * Resolve the "Your model" field: an http(s) URL is a folder prefix (a hub page URL such as
 * `https://huggingface.co/owner/name/tree/rev` becomes that repo); a relative path resolves against
 * `base`; `owner/name[@rev]` is a hub repo. Throws, saying what it accepts, for anything else.
 * @example resolveModelLocation('Xenova/gpt2@refs/pr/3').prefix // 'https://huggingface.co/Xenova/gpt2/resolve/refs%2Fpr%2F3/'
 */
export function resolveModelLocation(
  input: string,
  options: { endpoint?: string; base?: string } = {},
): ModelLocation {
  const text = input.trim();
  if (!text) throw new Error('Type a URL of a model folder or a Hugging Face repo id (owner/name, optionally @revision).');
  const endpoint = normalizeEndpoint(options.endpoint);
  const repo = REPO_ID.exec(text);
  if (repo && !text.startsWith('.')) {
    const revision = repo[2] ?? DEFAULT_REVISION;
    return hubLocation(repo[1], revision, endpoint);
  }
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(text);
  // a relative path must look like one ("./x/", "/x/"): bare words are a typo, not a path
  const relative = /^\.{0,2}\//.test(text);
  let url: URL;
  try {
    if (!absolute && !(relative && options.base)) throw new Error('not a URL');
    url = absolute ? new URL(text) : new URL(text, options.base);
  } catch {
    throw new Error(
      `"${text}" is neither a URL nor a hub repo id: use https://host/path/to/model/ or owner/name (optionally @revision)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${text}": only http(s) URLs can be loaded (for files on this computer, use the file picker)`);
  }
  // a hub page URL pasted from the browser: https://huggingface.co/owner/name[/tree/rev]
  const endpointUrl = new URL(`${endpoint}/`);
  if (url.origin === endpointUrl.origin && url.pathname.startsWith(endpointUrl.pathname)) {
    const rest = url.pathname.slice(endpointUrl.pathname.length).replace(/\/+$/, '').split('/');
    if (rest.length >= 2 && !rest.includes('resolve')) {
      const repoId = `${rest[0]}/${rest[1]}`;
      if (REPO_ID.test(repoId) && (rest.length === 2 || (rest[2] === 'tree' && rest.length >= 4))) {
        const revision = rest.length >= 4 ? decodeURIComponent(rest.slice(3).join('/')) : DEFAULT_REVISION;
        return hubLocation(repoId, revision, endpoint);
      }
    }
  }
  url.search = '';
  url.hash = '';
  const prefix = url.href.endsWith('/') ? url.href : `${url.href}/`;
  const parts = url.pathname.split('/').filter(Boolean);
  const resolveAt = parts.indexOf('resolve');
  const name = resolveAt >= 2 ? `${parts.slice(resolveAt - 2, resolveAt).join('/')}@${decodeURIComponent(parts[resolveAt + 1] ?? '')}` : (parts.at(-1) ?? url.host);
  return { kind: 'url', prefix, name };
}

function hubLocation(repo: string, revision: string, endpoint: string): ModelLocation {
  const name = revision === DEFAULT_REVISION ? repo : `${repo}@${revision}`;
  return { kind: 'hub', prefix: hubPrefix(repo, revision, endpoint), name, repo, revision, endpoint };
}

/**
 * ONNX files to try, in order, when the user leaves the variant to the app: the Transformers.js layout
 * (onnx/) first, then Optimum's (files at the root, the merged decoder with past inputs).
 */
export const AUTO_ONNX_CANDIDATES = [
  'onnx/model.onnx',
  'model.onnx',
  'onnx/decoder_model_merged.onnx',
  'decoder_model_merged.onnx',
  'onnx/decoder_model.onnx',
  'decoder_model.onnx',
  'onnx/model_quantized.onnx',
  'model_quantized.onnx',
  // repositories that publish only smaller variants (onnx-community's larger models)
  'onnx/model_q4.onnx',
  'onnx/model_fp16.onnx',
  'onnx/model_q4f16.onnx',
] as const;

/** Variants the user can pick for a URL or hub model (Transformers.js file names). */
export const ONNX_VARIANTS: readonly { file: string; label: string }[] = [
  { file: 'onnx/model.onnx', label: 'fp32 (onnx/model.onnx)' },
  { file: 'onnx/model_fp16.onnx', label: 'fp16 (onnx/model_fp16.onnx)' },
  { file: 'onnx/model_quantized.onnx', label: 'int8 quantized (onnx/model_quantized.onnx)' },
  { file: 'onnx/model_int8.onnx', label: 'int8 (onnx/model_int8.onnx)' },
  { file: 'onnx/model_uint8.onnx', label: 'uint8 (onnx/model_uint8.onnx)' },
  { file: 'onnx/model_q4.onnx', label: '4-bit (onnx/model_q4.onnx)' },
  { file: 'onnx/model_q4f16.onnx', label: '4-bit, fp16 (onnx/model_q4f16.onnx)' },
  { file: 'onnx/model_bnb4.onnx', label: '4-bit bnb (onnx/model_bnb4.onnx)' },
  { file: 'onnx/decoder_model_merged.onnx', label: 'Optimum merged decoder (onnx/decoder_model_merged.onnx)' },
  { file: 'model.onnx', label: 'Optimum export (model.onnx at the root)' },
];

/**
 * The ONNX files among a list of paths (dropped files), the fp32 one first.
 * @example onnxFilesAmong(['config.json', 'onnx/model_quantized.onnx', 'onnx/model.onnx']) // ['onnx/model.onnx', 'onnx/model_quantized.onnx']
 */
export function onnxFilesAmong(paths: readonly string[]): string[] {
  const onnx = paths.filter((p) => p.toLowerCase().endsWith('.onnx'));
  const rank = (p: string) => {
    const i = AUTO_ONNX_CANDIDATES.findIndex((c) => p === c || p.endsWith(`/${c}`));
    return i < 0 ? AUTO_ONNX_CANDIDATES.length : i;
  };
  return [...new Set(onnx)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * External-weights files of an ONNX file among a list of paths: `model.onnx_data`, `model.onnx.data`,
 * `model.onnx_data_1`, ... next to it (matched by base name, as dropped files have no folders).
 * @example externalDataAmong('onnx/model.onnx', ['model.onnx_data', 'model_quantized.onnx_data']) // ['model.onnx_data']
 */
export function externalDataAmong(onnx: string, paths: readonly string[]): string[] {
  const base = onnx.split('/').pop()!;
  return paths.filter((p) => {
    const name = p.split('/').pop()!;
    return name.startsWith(base) && /\.onnx(_data|\.data)(_\d+)?$/.test(name);
  });
}
