/**
 * The character-changing steps of a tokenizer.json (normalizer, pre-tokenizer, model conventions),
 * replayed on aligned text so that each token's characters can be found in the input. Splitting
 * steps do not change characters and are identity here. Each step is made by one factory that
 * dispatches on the config's `type` and throws, naming it, on a type this alignment does not model.
 */
import {
  BertNormalizer,
  LowercaseNormalizer,
  NFCNormalizer,
  NFDNormalizer,
  NFKCNormalizer,
  NFKDNormalizer,
  PrecompiledNormalizer,
  ReplaceNormalizer,
  ReplacePreTokenizer,
  StripAccentsNormalizer,
} from '@huggingface/tokenizers';
import { alignedMapCharacters, alignedPrepend, alignedReplace, alignedStrip, type AlignedText } from './aligned-text';

/** A parsed JSON object from tokenizer.json. */
export type JsonObject = Record<string, unknown>;

/** A normalizer replayed on aligned text. */
export type AlignedNormalizer = (text: AlignedText) => AlignedText;

/** What a pre-tokenizer does to characters, and what that means for matching tokens to text. */
export interface AlignedPreTokenizer {
  /** Character changes only (splits change none). `sectionIndex` is the index among added-token splits. */
  apply(text: AlignedText, sectionIndex: number): AlignedText;
  /** Tokens spell bytes with GPT-2's byte table. */
  byteLevel: boolean;
  /** Some input whitespace is left out of every token (it is given to a neighbouring token). */
  dropsWhitespace: boolean;
  /** Strings it may insert before a piece (Metaspace's prefix): tolerated anywhere in a token. */
  insertions: string[];
  /** The character tokens use for a space (Metaspace's replacement), for display. */
  spaceMarker: string | null;
}

/** The tokenizer model's conventions that matter for reading a token's characters. */
export interface TokenModelSpec {
  type: 'BPE' | 'Unigram';
  /** Unknown characters become `<0xNN>` byte tokens. */
  byteFallback: boolean;
  /** The token that stands for unknown text, if any. */
  unkToken: string | null;
  /** A run of unknown characters is one unknown token (BPE fuse_unk; Unigram always). */
  fuseUnknown: boolean;
  /** Prefix of a BPE piece that continues a word (e.g. "##"); not part of the text. */
  continuingSubwordPrefix: string | null;
  /** Suffix of a BPE piece that ends a word (e.g. "</w>"); stands for a dropped word boundary. */
  endOfWordSuffix: string | null;
}

const SUPPORTED_NORMALIZERS = [
  'Sequence',
  'Prepend',
  'Replace',
  'Strip',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Lowercase',
  'StripAccents',
  'Precompiled',
  'BertNormalizer',
];
const SUPPORTED_PRE_TOKENIZERS = [
  'ByteLevel',
  'Metaspace',
  'Sequence',
  'Split',
  'Punctuation',
  'Digits',
  'FixedLength',
  'Whitespace',
  'WhitespaceSplit',
  'BertPreTokenizer',
  'Replace',
];

/** Normalizers that act on each character (with its marks) independently of its neighbours. */
type CharacterNormalizer = { normalize(text: string): string };
const CHARACTER_NORMALIZERS: Record<string, new (config: JsonObject) => CharacterNormalizer> = {
  NFC: NFCNormalizer as never,
  NFD: NFDNormalizer as never,
  NFKC: NFKCNormalizer as never,
  NFKD: NFKDNormalizer as never,
  Lowercase: LowercaseNormalizer as never,
  StripAccents: StripAccentsNormalizer as never,
  Precompiled: PrecompiledNormalizer as never,
  BertNormalizer: BertNormalizer as never,
};

/** The library's own compiled pattern (it rewrites Oniguruma regexes), so matches agree with encode. */
function replacePattern(config: JsonObject, kind: 'normalizer' | 'pre-tokenizer'): RegExp | null {
  const instance =
    kind === 'normalizer' ? new ReplaceNormalizer(config as never) : new ReplacePreTokenizer(config as never);
  return (instance as unknown as { pattern: RegExp | null }).pattern;
}

/**
 * Replay a tokenizer.json `normalizer` on aligned text; null when there is none.
 * @example createAlignedNormalizer({ type: 'Prepend', prepend: '▁' })!(alignedSlice('hi', 0, 2)).text // '▁hi'
 */
export function createAlignedNormalizer(config: JsonObject | null | undefined): AlignedNormalizer | null {
  if (config == null) return null;
  const type = String(config.type);
  switch (type) {
    case 'Sequence': {
      const steps = ((config.normalizers as JsonObject[] | undefined) ?? []).map(createAlignedNormalizer);
      return (text) => steps.reduce((t, step) => (step ? step(t) : t), text);
    }
    case 'Prepend': {
      const prefix = String(config.prepend ?? '');
      return (text) => alignedPrepend(text, prefix);
    }
    case 'Replace': {
      const pattern = replacePattern(config, 'normalizer');
      const content = String(config.content ?? '');
      return (text) => (pattern ? alignedReplace(text, pattern, content) : text);
    }
    case 'Strip': {
      const left = Boolean(config.strip_left);
      const right = Boolean(config.strip_right);
      return (text) => alignedStrip(text, left, right);
    }
    default: {
      const Normalizer = CHARACTER_NORMALIZERS[type];
      if (!Normalizer) {
        throw new Error(
          `unsupported normalizer type '${type}' in tokenizer.json (supported: ${SUPPORTED_NORMALIZERS.join(', ')})`,
        );
      }
      const normalizer = new Normalizer(config);
      return (text) => alignedMapCharacters(text, (s) => normalizer.normalize(s));
    }
  }
}

const IDENTITY_PRE_TOKENIZER: AlignedPreTokenizer = {
  apply: (text) => text,
  byteLevel: false,
  dropsWhitespace: false,
  insertions: [],
  spaceMarker: null,
};

/**
 * Replay a tokenizer.json `pre_tokenizer`'s character changes on aligned text.
 * @example createAlignedPreTokenizer({ type: 'ByteLevel', add_prefix_space: false }).byteLevel // true
 */
export function createAlignedPreTokenizer(config: JsonObject | null | undefined): AlignedPreTokenizer {
  if (config == null) return IDENTITY_PRE_TOKENIZER;
  const type = String(config.type);
  switch (type) {
    case 'ByteLevel': {
      const addPrefixSpace = Boolean(config.add_prefix_space);
      return {
        ...IDENTITY_PRE_TOKENIZER,
        byteLevel: true,
        apply: (text) => (addPrefixSpace && !text.text.startsWith(' ') ? alignedPrepend(text, ' ') : text),
      };
    }
    case 'Metaspace': {
      // as @huggingface/tokenizers 0.2.0 does: prepend_scheme decides, add_prefix_space is not read
      const replacement = String(config.replacement ?? '\u2581');
      const written = String(config.str_rep || replacement);
      const scheme = String(config.prepend_scheme ?? 'always');
      return {
        ...IDENTITY_PRE_TOKENIZER,
        insertions: [written],
        spaceMarker: replacement,
        apply(text, sectionIndex) {
          const replaced = alignedReplace(text, / /gu, written);
          const prepend = scheme === 'always' || (scheme === 'first' && sectionIndex === 0);
          return prepend && !replaced.text.startsWith(replacement) ? alignedPrepend(replaced, written) : replaced;
        },
      };
    }
    case 'Sequence': {
      const steps = ((config.pretokenizers as JsonObject[] | undefined) ?? []).map(createAlignedPreTokenizer);
      return {
        apply: (text, sectionIndex) => steps.reduce((t, step) => step.apply(t, sectionIndex), text),
        byteLevel: steps.some((s) => s.byteLevel),
        dropsWhitespace: steps.some((s) => s.dropsWhitespace),
        insertions: steps.flatMap((s) => s.insertions),
        spaceMarker: steps.find((s) => s.spaceMarker)?.spaceMarker ?? null,
      };
    }
    case 'Replace': {
      const pattern = replacePattern(config, 'pre-tokenizer');
      const content = String(config.content ?? '');
      return { ...IDENTITY_PRE_TOKENIZER, apply: (text) => (pattern ? alignedReplace(text, pattern, content) : text) };
    }
    case 'Split': {
      // an inverted or "Removed" split leaves the separators (in practice whitespace) out of every token
      const behavior = String(config.behavior ?? '').toLowerCase();
      return { ...IDENTITY_PRE_TOKENIZER, dropsWhitespace: Boolean(config.invert) || behavior === 'removed' };
    }
    case 'Whitespace':
    case 'WhitespaceSplit':
    case 'BertPreTokenizer':
      return { ...IDENTITY_PRE_TOKENIZER, dropsWhitespace: true };
    case 'Punctuation':
    case 'Digits':
    case 'FixedLength':
      return IDENTITY_PRE_TOKENIZER;
    default:
      throw new Error(
        `unsupported pre-tokenizer type '${type}' in tokenizer.json (supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')})`,
      );
  }
}

/**
 * Read the model section of tokenizer.json; the type is inferred as @huggingface/tokenizers does when
 * it is missing.
 * @example tokenModelSpec({ type: 'BPE', byte_fallback: true, unk_token: '<unk>' }).byteFallback // true
 */
export function tokenModelSpec(model: JsonObject | null | undefined): TokenModelSpec {
  if (model == null) throw new Error('tokenizer.json has no "model" section');
  let type = model.type as string | undefined;
  if (type === undefined && Array.isArray(model.vocab)) type = 'Unigram';
  if (type === undefined && model.merges !== undefined) type = 'BPE';
  if (type !== 'BPE' && type !== 'Unigram') {
    throw new Error(
      `unsupported tokenizer model type '${type ?? 'unknown'}' in tokenizer.json (supported: BPE, Unigram)`,
    );
  }
  let unkToken: string | null = null;
  if (type === 'BPE' && typeof model.unk_token === 'string') unkToken = model.unk_token;
  if (type === 'Unigram' && typeof model.unk_id === 'number') {
    const entry = (model.vocab as [string, number][])[model.unk_id];
    unkToken = entry ? entry[0] : null;
  }
  const nonEmpty = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    type,
    byteFallback: Boolean(model.byte_fallback),
    unkToken,
    fuseUnknown: type === 'Unigram' || Boolean(model.fuse_unk),
    continuingSubwordPrefix: type === 'BPE' ? nonEmpty(model.continuing_subword_prefix) : null,
    endOfWordSuffix: type === 'BPE' ? nonEmpty(model.end_of_word_suffix) : null,
  };
}

/**
 * The character a normalizer writes for a space (Llama-style `Replace ' ' -> '▁'`), or null.
 * @example normalizerSpaceMarker({ type: 'Replace', pattern: { String: ' ' }, content: '▁' }) // '▁'
 */
export function normalizerSpaceMarker(config: JsonObject | null | undefined): string | null {
  if (config == null) return null;
  if (config.type === 'Sequence') {
    for (const step of (config.normalizers as JsonObject[] | undefined) ?? []) {
      const marker = normalizerSpaceMarker(step);
      if (marker) return marker;
    }
    return null;
  }
  const pattern = config.pattern as JsonObject | undefined;
  if (config.type === 'Replace' && pattern?.String === ' ' && typeof config.content === 'string' && config.content) {
    return config.content;
  }
  return null;
}

/**
 * Strings a normalizer inserts that stand for no input character (Prepend).
 * @example normalizerInsertions({ type: 'Prepend', prepend: '▁' }) // ['▁']
 */
export function normalizerInsertions(config: JsonObject | null | undefined): string[] {
  if (config == null) return [];
  if (config.type === 'Sequence')
    return ((config.normalizers as JsonObject[] | undefined) ?? []).flatMap(normalizerInsertions);
  if (config.type === 'Prepend' && typeof config.prepend === 'string' && config.prepend) return [config.prepend];
  return [];
}
