/**
 * Real language models the picker offers with one click: data only. Each entry names the hub repository,
 * the commit it is pinned to, the files of that commit as the hub's file listing shows them, the licence
 * and the context length; layouts.ts turns the listing into what to download on each backend.
 *
 * Where the values come from: the hub's own tree pages at the pinned commit (huggingface.co/<repo>/tree/
 * <sha>[/onnx]), found with the project's search tools, not fetched by the app. The hub displays sizes in
 * decimal units to three significant figures ("654 MB"); they are kept here as displayed, so download
 * sizes are right to about 0.5%. The loader reads exact sizes from the hub when it downloads. `verified`
 * says, per entry, what was seen and what was not; an unverified revision is null (the loader then
 * uses `main`), never a guessed sha.
 */
import { resolveLayout, type Backend, type Dtype, type RepoFile, type ResolvedLayout } from './layouts';

export interface CatalogueFile {
  path: string;
  /** The size as the hub's listing shows it ("654 MB", "879 Bytes"), or null where it was not seen. */
  shown: string | null;
}

export interface CatalogueEntry {
  /** Stable id for the picker, e.g. "gpt2". */
  id: string;
  /** Display name, e.g. "GPT-2 (124M)". */
  name: string;
  /** Hub repository, owner/name. */
  repo: string;
  /** Full 40-hex commit sha the entry is pinned to; null where none could be verified (loads `main`). */
  revision: string | null;
  params: string;
  family: string;
  /** SPDX id or the licence's own name ("llama3.2"). */
  license: string;
  /** Tokens of context (config.json n_positions / max_position_embeddings). */
  contextLength: number;
  files: readonly CatalogueFile[];
  /** The variant layouts.ts picks on WebGPU with shader-f16 and on WASM (prefer 'small'): checked by a test. */
  loads: { webgpu: Dtype; wasm: Dtype };
  verified: {
    /** Where the revision and the listing were read, or false. */
    source: string | false;
    /** What of the listing is as seen at that revision, and what is assumed. */
    files: string;
    license: string;
    context: string;
  };
}

const UNIT: Record<string, number> = { Bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * Bytes of a size as the hub displays it; 0 for an unknown (null) size.
 * @example shownBytes('654 MB') // 654000000
 */
export function shownBytes(shown: string | null): number {
  if (shown === null) return 0;
  const m = /^([\d.]+) (Bytes|kB|MB|GB)$/.exec(shown);
  if (!m) throw new Error(`not a hub size: "${shown}"`);
  return Math.round(Number(m[1]) * UNIT[m[2]]);
}

/** An entry's listing in the shape layouts.ts takes. */
export function catalogueListing(entry: CatalogueEntry): RepoFile[] {
  return entry.files.map((f) => ({ path: f.path, size: shownBytes(f.shown) }));
}

/**
 * What the entry loads on a backend, and how much that downloads.
 * @example resolveCatalogueEntry(CATALOGUE[0], 'wasm').downloadBytes
 */
export function resolveCatalogueEntry(entry: CatalogueEntry, backend: Backend, shaderF16 = backend === 'webgpu'): ResolvedLayout {
  return resolveLayout(catalogueListing(entry), { backend, shaderF16 });
}

const TJS_ROOT_ASSUMED = 'root files (config.json, tokenizer.json, tokenizer_config.json) assumed, sizes not seen';
/** The root files every transformers.js repository has, where the listing at the revision was not seen. */
const ASSUMED_ROOT: CatalogueFile[] = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].map((path) => ({ path, shown: null }));

/** What the two SmolLM2 entries share: the family's licence, context and variant choice. */
const SMOLLM2 = {
  family: 'llama',
  license: 'apache-2.0',
  contextLength: 8192,
  loads: { webgpu: 'q4f16', wasm: 'q4' },
} as const;
const SMOLLM2_VERIFIED = {
  license: 'Apache 2.0 (shown on the repository page)',
  context: "not verified here: 8192 is SmolLM2's published max_position_embeddings",
};

/** onnx/model{,_fp16,_q4,_q4f16}.onnx with the sizes shown. */
const smolFiles = (fp32: string, fp16: string, q4: string, q4f16: string): CatalogueFile[] => [
  ...ASSUMED_ROOT,
  { path: 'onnx/model.onnx', shown: fp32 },
  { path: 'onnx/model_fp16.onnx', shown: fp16 },
  { path: 'onnx/model_q4.onnx', shown: q4 },
  { path: 'onnx/model_q4f16.onnx', shown: q4f16 },
];

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'gpt2',
    name: 'GPT-2 (124M)',
    repo: 'Xenova/gpt2',
    revision: 'adc251513371a63473f7e9ff31c3c858e9c90891',
    params: '124M',
    family: 'gpt2',
    license: 'mit',
    contextLength: 1024,
    files: [
      { path: 'config.json', shown: '879 Bytes' },
      { path: 'generation_config.json', shown: '119 Bytes' },
      { path: 'merges.txt', shown: '456 kB' },
      { path: 'special_tokens_map.json', shown: '99 Bytes' },
      { path: 'tokenizer.json', shown: '2.11 MB' },
      { path: 'tokenizer_config.json', shown: '234 Bytes' },
      { path: 'vocab.json', shown: '798 kB' },
      { path: 'onnx/decoder_model.onnx', shown: '654 MB' },
      { path: 'onnx/decoder_model_merged.onnx', shown: '654 MB' },
      { path: 'onnx/decoder_model_merged_quantized.onnx', shown: '166 MB' },
      { path: 'onnx/decoder_model_quantized.onnx', shown: '165 MB' },
      { path: 'onnx/decoder_with_past_model.onnx', shown: '654 MB' },
      { path: 'onnx/decoder_with_past_model_quantized.onnx', shown: '165 MB' },
    ],
    loads: { webgpu: 'fp32', wasm: 'quantized' },
    verified: {
      source: 'https://huggingface.co/Xenova/gpt2/tree/adc251513371a63473f7e9ff31c3c858e9c90891 (and /onnx)',
      files: 'root and onnx/ listings as seen at the revision',
      license: 'MIT: the licence of openai-community/gpt2 (the Xenova page shown did not state one)',
      context: 'n_positions 1024 in openai-community/gpt2 config.json (commit 11c5a3d)',
    },
  },
  {
    id: 'distilgpt2',
    name: 'DistilGPT2 (82M)',
    repo: 'Xenova/distilgpt2',
    revision: '16be0a737fd5e0fec0c6b1522c7baf6c3ffbdd8b',
    params: '82M',
    family: 'gpt2',
    license: 'apache-2.0',
    contextLength: 1024,
    files: [
      { path: 'config.json', shown: null },
      { path: 'special_tokens_map.json', shown: '99 Bytes' },
      { path: 'tokenizer.json', shown: '2.11 MB' },
      { path: 'tokenizer_config.json', shown: null },
      { path: 'onnx/decoder_model.onnx', shown: '329 MB' },
      { path: 'onnx/decoder_model_fp16.onnx', shown: '165 MB' },
      { path: 'onnx/decoder_model_merged.onnx', shown: '330 MB' },
      { path: 'onnx/decoder_model_merged_quantized.onnx', shown: '84.9 MB' },
      { path: 'onnx/decoder_model_quantized.onnx', shown: '83.5 MB' },
      { path: 'onnx/decoder_with_past_model.onnx', shown: '329 MB' },
      { path: 'onnx/decoder_with_past_model_quantized.onnx', shown: '83.5 MB' },
    ],
    loads: { webgpu: 'fp16', wasm: 'quantized' },
    verified: {
      source: 'https://huggingface.co/Xenova/distilgpt2/tree/16be0a737fd5e0fec0c6b1522c7baf6c3ffbdd8b/onnx',
      files:
        'onnx/ listing and special_tokens_map.json as seen at the revision; tokenizer.json (2.11 MB) seen on main from the same ' +
        'upload commit 76765e4; config.json and tokenizer_config.json assumed, sizes not seen',
      license: 'Apache 2.0 (distilbert/distilgpt2 model card)',
      context: 'n_positions 1024 (distilgpt2 config.json as published in copies of it; not read from this repository)',
    },
  },
  {
    id: 'smollm2-135m',
    name: 'SmolLM2-135M-Instruct',
    repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    revision: '45dead349c328fe92a861c5162de28c8c86754e1',
    params: '135M',
    ...SMOLLM2,
    files: smolFiles('654 MB', '327 MB', '200 MB', '134 MB'),
    verified: {
      source: 'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/tree/45dead349c328fe92a861c5162de28c8c86754e1/onnx',
      files: `onnx/ listing as seen at the revision (the improved fp16 weights, #6); ${TJS_ROOT_ASSUMED}`,
      ...SMOLLM2_VERIFIED,
    },
  },
  {
    id: 'smollm2-360m',
    name: 'SmolLM2-360M-Instruct',
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    revision: null,
    params: '360M',
    ...SMOLLM2,
    files: smolFiles('1.64 GB', '819 MB', '417 MB', '299 MB'),
    verified: {
      source: false,
      files:
        `onnx/ listing as seen on main, last changed by commit 6d8b2a3 (short sha only: no full sha found, so no pin); ${TJS_ROOT_ASSUMED}`,
      ...SMOLLM2_VERIFIED,
    },
  },
  {
    id: 'qwen2.5-0.5b',
    name: 'Qwen2.5-0.5B-Instruct',
    repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
    revision: null,
    params: '494M',
    family: 'qwen2',
    license: 'apache-2.0',
    contextLength: 32768,
    files: [
      { path: 'added_tokens.json', shown: '605 Bytes' },
      { path: 'config.json', shown: '678 Bytes' },
      { path: 'generation_config.json', shown: '242 Bytes' },
      { path: 'merges.txt', shown: '1.67 MB' },
      { path: 'quantize_config.json', shown: '285 Bytes' },
      { path: 'special_tokens_map.json', shown: '613 Bytes' },
      { path: 'tokenizer.json', shown: '7.03 MB' },
      { path: 'tokenizer_config.json', shown: '7.31 kB' },
      { path: 'vocab.json', shown: '2.78 MB' },
      { path: 'onnx/model.onnx', shown: '1.99 GB' },
      { path: 'onnx/model_bnb4.onnx', shown: '764 MB' },
      { path: 'onnx/model_fp16.onnx', shown: '997 MB' },
      { path: 'onnx/model_int8.onnx', shown: '512 MB' },
      { path: 'onnx/model_q4.onnx', shown: '786 MB' },
      { path: 'onnx/model_q4f16.onnx', shown: '483 MB' },
      { path: 'onnx/model_quantized.onnx', shown: '512 MB' },
      { path: 'onnx/model_uint8.onnx', shown: '512 MB' },
    ],
    loads: { webgpu: 'q4f16', wasm: 'quantized' },
    verified: {
      source: false,
      files:
        'root and onnx/ listings as seen on main (head cc5cc01, weights from 516c8d0: short shas only, no full sha found, so no pin)',
      license: 'Apache 2.0 (Qwen/Qwen2.5-0.5B-Instruct)',
      context: '32,768 tokens (Qwen2.5-0.5B published specifications)',
    },
  },
  {
    id: 'llama-3.2-1b',
    name: 'Llama 3.2 1B Instruct',
    repo: 'onnx-community/Llama-3.2-1B-Instruct',
    revision: 'c5b77c42b9a13105f54d55be507e1a65b5b8149b',
    params: '1.24B',
    family: 'llama',
    license: 'llama3.2',
    contextLength: 131072,
    files: [
      { path: 'LICENSE.txt', shown: '7.71 kB' },
      { path: 'USE_POLICY.md', shown: '6.02 kB' },
      { path: 'config.json', shown: '946 Bytes' },
      { path: 'generation_config.json', shown: '184 Bytes' },
      { path: 'quantize_config.json', shown: '285 Bytes' },
      { path: 'special_tokens_map.json', shown: '296 Bytes' },
      { path: 'tokenizer.json', shown: '9.09 MB' },
      { path: 'tokenizer_config.json', shown: '50.9 kB' },
      { path: 'onnx/model.onnx', shown: '524 kB' },
      { path: 'onnx/model.onnx_data', shown: '4.94 GB' },
      { path: 'onnx/model_bnb4.onnx', shown: '1.6 GB' },
      { path: 'onnx/model_fp16.onnx', shown: '532 kB' },
      { path: 'onnx/model_fp16.onnx_data', shown: '2.47 GB' },
      { path: 'onnx/model_int8.onnx', shown: '1.24 GB' },
      { path: 'onnx/model_q4.onnx', shown: '1.66 GB' },
      { path: 'onnx/model_q4f16.onnx', shown: '1.07 GB' },
      { path: 'onnx/model_quantized.onnx', shown: '1.24 GB' },
      { path: 'onnx/model_uint8.onnx', shown: '1.24 GB' },
    ],
    loads: { webgpu: 'q4f16', wasm: 'quantized' },
    verified: {
      source: 'https://huggingface.co/onnx-community/Llama-3.2-1B-Instruct/tree/c5b77c42b9a13105f54d55be507e1a65b5b8149b (and /onnx)',
      files: 'root and onnx/ listings as seen at the revision',
      license: 'Llama 3.2 Community License (shown on the repository page; gated upstream at meta-llama)',
      context: 'not verified here: 131,072 is Llama 3.2\'s published max_position_embeddings',
    },
  },
];

/** What the page knows before loading: the Backend menu's choice and the adapter found. */
export interface BackendGuessInput {
  preference: 'auto' | Backend;
  webgpu: boolean;
  /** A software adapter (SwiftShader, ...): 'auto' never uses it. */
  softwareAdapter: string | null;
  shaderF16: boolean;
}

/**
 * The backend a model will most likely open on, to pick its file and show its size before anything
 * downloads; mirrors openModelRuntime's order (src/lib/runtime/index.ts), except that 'auto' on a hardware
 * adapter is taken as WebGPU (the runtime may still time both and keep WASM).
 * @example expectedBackend({ preference: 'auto', webgpu: true, softwareAdapter: null, shaderF16: true }) // { backend: 'webgpu', shaderF16: true }
 */
export function expectedBackend(input: BackendGuessInput): { backend: Backend; shaderF16: boolean } {
  const wasm = input.preference === 'wasm' || !input.webgpu || (input.preference === 'auto' && input.softwareAdapter !== null);
  return wasm ? { backend: 'wasm', shaderF16: false } : { backend: 'webgpu', shaderF16: input.shaderF16 };
}
