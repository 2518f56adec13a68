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
  /** Encode without special tokens; a literal added token in the text (`<|endoftext|>`) is that token. */
  encode(text: string): EncodedText;
  /** A token's text for display (its decoded bytes; U+FFFD for a partial UTF-8 sequence). */
  tokenText(id: number): string;
  /** The id of a token string (e.g. "<|endoftext|>"), or undefined. */
  tokenToId(token: string): number | undefined;
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
export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown, options: LoadTokenizerOptions = {}): TextTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new Error('not a tokenizer.json: expected an object with a "model" section');
  }
  const json = tokenizerJson as JsonObject;
  const config = (tokenizerConfig ?? {}) as JsonObject;
  for (const option of UNSUPPORTED_CONFIG_OPTIONS) {
    if (config[option]) throw new Error(`unsupported tokenizer_config.json option '${option}'`);
  }
  const model = tokenModelSpec(json.model as JsonObject);
  const normalizer = createAlignedNormalizer(json.normalizer as JsonObject | null);
  const preTokenizer = createAlignedPreTokenizer(json.pre_tokenizer as JsonObject | null);
  const addedTokens = addedTokenSpecs(json);
  const aligner = new TokenAligner({
    normalizer,
    preTokenizer,
    model,
    addedTokens,
    insertions: [...new Set([...normalizerInsertions(json.normalizer as JsonObject), ...preTokenizer.insertions])],
  });
  const spaceMarker = preTokenizer.spaceMarker ?? normalizerSpaceMarker(json.normalizer as JsonObject);

  const tokenizer = new Tokenizer(json, config);
  const direct = options.direct === false ? null : createByteLevelBpe(json);
  let vocabSize = 0;
  for (const id of tokenizer.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
  const displayCache = new Map<number, string>();
  const kind = `${preTokenizer.byteLevel ? 'byte-level ' : ''}${model.type}${model.byteFallback ? ' with byte fallback' : ''}`;

  return {
    vocabSize,
    kind,
    encode(text: string): EncodedText {
      if (direct) return direct.encode(text);
      const encoding = tokenizer.encode(text, { add_special_tokens: false });
      const spans = aligner.align(text, encoding.tokens);
      return { ids: Int32Array.from(encoding.ids), start: spans.start, end: spans.end };
    },
    tokenText(id: number): string {
      let text = displayCache.get(id);
      if (text === undefined) {
        const piece = tokenizer.id_to_token(id);
        text = piece === undefined ? `<id ${id}>` : aligner.displayText(piece, spaceMarker);
        displayCache.set(id, text);
      }
      return text;
    },
    tokenToId: (token) => tokenizer.token_to_id(token),
  };
}
