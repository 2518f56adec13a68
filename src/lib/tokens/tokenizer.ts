/**
 * A tokenizer that returns ids with the input span of every token: @huggingface/tokenizers encodes,
 * TokenAligner finds each token's characters.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { addedTokenSpecs, TokenAligner } from './align';
import { createByteLevelBpe } from './byte-level-bpe';
import {
  createAlignedNormalizer,
  createAlignedPreTokenizer,
  normalizerInsertions,
  normalizerSpaceMarker,
  tokenModelSpec,
  type JsonObject,
} from './text-pipeline';

/** A text's tokens: (T) each. */
export interface EncodedText {
  /** Token ids, without any special token the tokenizer's post-processor would add. */
  ids: Int32Array;
  /** UTF-16 span [start, end) of the input each token covers; tokens sharing a character share its span. */
  start: Int32Array;
  end: Int32Array;
}

export interface TextTokenizer {
  /** Largest id the tokenizer can produce, plus one. */
  readonly vocabSize: number;
  /** e.g. "byte-level BPE", "BPE with byte fallback". */
  readonly kind: string;
  /**
   * Encode without the special tokens a post-processor would add. A special token's string in the text
   * (`<|endoftext|>`) is plain text, encoded as its characters are, unless `parseSpecial` (as llama.cpp
   * without and with --parse-special, Hugging Face with split_special_tokens true and false); a
   * non-special added token is always that token.
   */
  encode(text: string, options?: EncodeOptions): EncodedText;
  /** The special tokens' strings (`<|endoftext|>`, `<s>`), which encode() reads as plain text by default. */
  readonly specialTokens: readonly string[];
  /** The special tokens' strings that occur in `text`, each once, in the order of `specialTokens`. */
  specialTokensIn(text: string): string[];
  /** A token's text for display (its decoded bytes; U+FFFD for a partial UTF-8 sequence). */
  tokenText(id: number): string;
  /** The id of a token string (e.g. "<|endoftext|>"), or undefined. */
  tokenToId(token: string): number | undefined;
}

export interface EncodeOptions {
  /** Read special tokens' strings in the text as those tokens. @defaultValue false */
  parseSpecial?: boolean;
}

/** Throw a clear error unless `added` is a list of { id: integer, content: string } (or absent). */
function checkAddedTokens(added: unknown): void {
  if (added === undefined || added === null) return;
  if (!Array.isArray(added)) throw new Error('tokenizer.json: added_tokens must be a list');
  added.forEach((t, i) => {
    const token = t as JsonObject | null;
    if (
      typeof token !== 'object' ||
      token === null ||
      !Number.isInteger(token.id) ||
      (token.id as number) < 0 ||
      typeof token.content !== 'string'
    ) {
      throw new Error(
        `tokenizer.json: added_tokens[${i}] is ${JSON.stringify(t)?.slice(0, 80)}, not { "id": integer, "content": string }`,
      );
    }
  });
}

/**
 * Throw a clear error for a vocabulary that is not token -> id, or merges that are not "a b" strings or
 * [a, b] pairs (the library would fail on them with a bare TypeError).
 */
function checkVocabAndMerges(model: JsonObject): void {
  const vocab = model.vocab;
  if (vocab !== undefined && !Array.isArray(vocab)) {
    if (typeof vocab !== 'object' || vocab === null)
      throw new Error('tokenizer.json: model.vocab must be an object of token -> id');
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || (id as number) < 0) {
        throw new Error(
          `tokenizer.json: model.vocab gives ${JSON.stringify(token)} the id ${JSON.stringify(id)}, not a non-negative integer`,
        );
      }
    }
  }
  const merges = model.merges;
  if (merges === undefined) return;
  if (!Array.isArray(merges)) throw new Error('tokenizer.json: model.merges must be a list');
  merges.forEach((m, i) => {
    const ok =
      typeof m === 'string'
        ? m.split(' ').length === 2
        : Array.isArray(m) && m.length === 2 && m.every((p) => typeof p === 'string');
    if (!ok) throw new Error(`tokenizer.json: merge ${i} is ${JSON.stringify(m)}, not "a b" or ["a", "b"]`);
  });
}

/** tokenizer_config.json options that change the text in ways alignment does not model. */
const UNSUPPORTED_CONFIG_OPTIONS = ['remove_space', 'do_lowercase_and_remove_accent'];

export interface LoadTokenizerOptions {
  /**
   * Encode GPT-2-style byte-level BPE with the direct encoder (byte-level-bpe.ts; same ids and spans,
   * faster) where the tokenizer is in its subset. Default true; false always uses the library and the aligner.
   */
  direct?: boolean;
}

/**
 * Load a tokenizer from parsed tokenizer.json (and, optionally, tokenizer_config.json).
 * Throws, naming the type, for a normalizer, pre-tokenizer or model type that alignment does not model.
 * @example
 * const tokenizer = loadTokenizer(JSON.parse(tokenizerJson), JSON.parse(tokenizerConfigJson));
 * const { ids, start, end } = tokenizer.encode('Call me Ishmael.');
 */
export function loadTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig?: unknown,
  options: LoadTokenizerOptions = {},
): TextTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new Error('not a tokenizer.json: expected an object with a "model" section');
  }
  const json = tokenizerJson as JsonObject;
  const config = (tokenizerConfig ?? {}) as JsonObject;
  for (const option of UNSUPPORTED_CONFIG_OPTIONS) {
    if (config[option]) throw new Error(`unsupported tokenizer_config.json option '${option}'`);
  }
  checkAddedTokens(json.added_tokens);
  const model = tokenModelSpec(json.model as JsonObject);
  const normalizer = createAlignedNormalizer(json.normalizer as JsonObject | null);
  const preTokenizer = createAlignedPreTokenizer(json.pre_tokenizer as JsonObject | null);
  const addedTokens = addedTokenSpecs(json);
  checkVocabAndMerges(json.model as JsonObject);
  const insertions = [...new Set([...normalizerInsertions(json.normalizer as JsonObject), ...preTokenizer.insertions])];
  const spaceMarker = preTokenizer.spaceMarker ?? normalizerSpaceMarker(json.normalizer as JsonObject);
  /** An encoder over `tokenJson`: the direct one where it applies, else the library and the aligner. */
  const encoderOf = (tokenJson: JsonObject) => {
    const aligner = new TokenAligner({
      normalizer,
      preTokenizer,
      model,
      addedTokens: addedTokenSpecs(tokenJson),
      insertions,
    });
    let library: Tokenizer;
    try {
      library = new Tokenizer(tokenJson, config);
    } catch (e) {
      throw new Error(`tokenizer.json could not be read: ${(e as Error).message}`, { cause: e });
    }
    const direct = options.direct === false ? null : createByteLevelBpe(tokenJson);
    const encode = (text: string): EncodedText => {
      if (direct) return direct.encode(text);
      const encoding = library.encode(text, { add_special_tokens: false });
      const spans = aligner.align(text, encoding.tokens);
      return { ids: Int32Array.from(encoding.ids), start: spans.start, end: spans.end };
    };
    return { aligner, library, encode };
  };
  // the plain encoder has special tokens' strings as text; the full one (built when first asked for)
  // reads them as those tokens
  const special = addedTokens.filter((t) => t.special && t.content.length > 0);
  const specialById = new Map(special.map((t) => [t.id, t.content]));
  const specialByContent = new Map(special.map((t) => [t.content, t.id]));
  const plain =
    special.length === 0
      ? encoderOf(json)
      : encoderOf({ ...json, added_tokens: (json.added_tokens as JsonObject[]).filter((t) => !t.special) });
  let full: typeof plain | null = special.length === 0 ? plain : null;
  const { library: tokenizer, aligner } = plain;
  let vocabSize = 0;
  for (const id of [...tokenizer.get_vocab(true).values(), ...specialById.keys()])
    vocabSize = Math.max(vocabSize, id + 1);
  const displayCache = new Map<number, string>();
  const kind = `${preTokenizer.byteLevel ? 'byte-level ' : ''}${model.type}${model.byteFallback ? ' with byte fallback' : ''}`;

  return {
    vocabSize,
    kind,
    encode: (text, encodeOptions) => (encodeOptions?.parseSpecial ? (full ??= encoderOf(json)) : plain).encode(text),
    specialTokens: [...specialByContent.keys()],
    specialTokensIn: (text) => [...new Set(special.filter((t) => text.includes(t.content)).map((t) => t.content))],
    tokenText(id: number): string {
      let text = displayCache.get(id);
      if (text === undefined) {
        const piece = specialById.get(id) ?? tokenizer.id_to_token(id);
        text =
          piece === undefined ? `<id ${id}>` : specialById.has(id) ? piece : aligner.displayText(piece, spaceMarker);
        displayCache.set(id, text);
      }
      return text;
    },
    tokenToId: (token) => specialByContent.get(token) ?? tokenizer.token_to_id(token),
  };
}
