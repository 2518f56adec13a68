/**
 * Where a model folder's files come from: a folder on disk (the CLI), a URL prefix, a Hugging Face
 * hub repo or files a user dropped (the browser). Everything above this interface is the same code.
 */
import { loadTokenizer, type TextTokenizer } from '../tokens/tokenizer';
import { chooseBos, type BosChoice } from './bos';
import { parseGenaiConfig, parseModelConfig, type ModelConfig } from './model-config';

/** Reads files of one model folder by path relative to it, e.g. "config.json", "onnx/model.onnx". */
export interface ModelSource {
  /** Where the folder is, for messages (a path or URL). */
  readonly location: string;
  /** Parsed JSON; rejects with MissingModelFileError when the file does not exist. */
  readJSON(path: string): Promise<unknown>;
  /** Raw bytes; rejects with MissingModelFileError when the file does not exist. */
  readBytes(path: string): Promise<Uint8Array>;
}

/** A file the model folder does not have; sources throw it so optional files can be told apart. */
export class MissingModelFileError extends Error {
  constructor(
    readonly location: string,
    readonly path: string,
  ) {
    super(`${location}: no ${path}`);
    this.name = 'MissingModelFileError';
  }
}

/** A model folder's config and tokenizer, ready for the engine. */
export interface LoadedModel {
  location: string;
  /** With `bos_token_id` the token chosen to prepend (./bos.ts), or null. */
  config: ModelConfig;
  tokenizer: TextTokenizer;
  /** What is prepended to every text, and why; null: nothing (the first token is unscored). */
  bos: BosChoice | null;
}

/** A folder's model configuration: config.json, else onnxruntime-genai's genai_config.json. */
export interface FolderConfig {
  config: ModelConfig;
  file: 'config.json' | 'genai_config.json';
  /** The ONNX file the configuration names (genai_config.json's decoder filename), or null. */
  onnx: string | null;
}

/**
 * Read config.json, or genai_config.json where there is none; rejects with MissingModelFileError for
 * config.json when the folder has neither.
 * @example const { config, onnx } = await readFolderConfig(source); // genai: onnx 'model.onnx'
 */
export async function readFolderConfig(source: ModelSource, where = `${source.location}/`): Promise<FolderConfig> {
  let json: unknown;
  try {
    json = await source.readJSON('config.json');
  } catch (e) {
    if (!(e instanceof MissingModelFileError)) throw e;
    const genai = await readOptionalJSON(source, 'genai_config.json');
    if (genai === undefined) throw e;
    const parsed = parseGenaiConfig(genai, `${where}genai_config.json`);
    return { config: parsed.config, file: 'genai_config.json', onnx: parsed.onnx };
  }
  return { config: parseModelConfig(json, `${where}config.json`), file: 'config.json', onnx: null };
}

/**
 * The config with the BOS its tokenizer expects (./bos.ts) as `bos_token_id`; throws when that id is
 * outside the vocabulary (every score would fail).
 */
export function withBos(config: ModelConfig, tokenizerJson: unknown, tokenizerConfig: unknown): { config: ModelConfig; bos: BosChoice | null } {
  const bos = chooseBos(tokenizerJson, tokenizerConfig, config.bos_token_id);
  if (bos && bos.id >= config.vocab_size) {
    throw new Error(`the BOS token id ${bos.id} (${bos.source}) is outside the model's vocabulary of ${config.vocab_size}: the files do not belong together`);
  }
  return { config: { ...config, bos_token_id: bos?.id ?? null }, bos };
}

/**
 * Read a JSON file, or undefined when the folder does not have it.
 * @example const tokenizerConfig = await readOptionalJSON(source, 'tokenizer_config.json');
 */
export async function readOptionalJSON(source: ModelSource, path: string): Promise<unknown> {
  try {
    return await source.readJSON(path);
  } catch (e) {
    if (e instanceof MissingModelFileError) return undefined;
    throw e;
  }
}

/**
 * Load config.json (or genai_config.json), tokenizer.json and (if present) tokenizer_config.json from a
 * model folder, with the BOS the tokenizer expects.
 * @example const { config, tokenizer } = await loadModelFolder(nodeModelSource('models/tiny-bpe1k'));
 */
export async function loadModelFolder(source: ModelSource): Promise<LoadedModel> {
  const [folder, tokenizerJson, tokenizerConfig] = await Promise.all([
    readFolderConfig(source),
    source.readJSON('tokenizer.json'),
    readOptionalJSON(source, 'tokenizer_config.json'),
  ]);
  const { config, bos } = withBos(folder.config, tokenizerJson, tokenizerConfig);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = loadTokenizer(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new Error(`${source.location}/tokenizer.json: ${(e as Error).message}`, { cause: e });
  }
  return { location: source.location, config, tokenizer, bos };
}
