/**
 * The message protocol of the tokenizer worker (./tokenizer.worker.ts): counts the tokens real
 * tokenizers (GPT-2, Llama, Qwen, ...; src/lib/compare/real-tokenizers.ts) make of a text. Loading one
 * parses megabytes of vocabulary, so it runs off the page's thread.
 *
 *   page -> worker   count
 *   worker -> page   counted, error
 */

export interface CountRequest {
  type: 'count';
  id: number;
  /** A REAL_TOKENIZERS id, e.g. "gpt2". */
  tokenizer: string;
  text: string;
}

export interface TokenCount {
  tokenizer: string;
  /** Tokens of the text, without special tokens around it. */
  tokens: number;
  vocabSize: number;
  /** Import and build, ms (0 when it was loaded before). */
  loadMs: number;
  encodeMs: number;
}

export type TokenizerWorkerEvent =
  { type: 'counted'; id: number; count: TokenCount } | { type: 'error'; id: number; message: string };
