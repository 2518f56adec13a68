/**
 * Where a model folder's files come from: a folder on disk (the CLI), a URL prefix, a Hugging Face
 * hub repo or files a user dropped (the browser). Everything above this interface is the same code.
 */
import { loadTokenizer, type TextTokenizer } from '../tokens/tokenizer';
import { parseModelConfig, type ModelConfig } from './model-config';

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
  config: ModelConfig;
  tokenizer: TextTokenizer;
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
 * Load config.json, tokenizer.json and (if present) tokenizer_config.json from a model folder.
 * @example const { config, tokenizer } = await loadModelFolder(nodeModelSource('models/tiny-bpe1k'));
 */
export async function loadModelFolder(source: ModelSource): Promise<LoadedModel> {
  const [configJson, tokenizerJson, tokenizerConfig] = await Promise.all([
    source.readJSON('config.json'),
    source.readJSON('tokenizer.json'),
    readOptionalJSON(source, 'tokenizer_config.json'),
  ]);
  const config = parseModelConfig(configJson, `${source.location}/config.json`);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = loadTokenizer(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new Error(`${source.location}/tokenizer.json: ${(e as Error).message}`, { cause: e });
  }
  return { location: source.location, config, tokenizer };
}
