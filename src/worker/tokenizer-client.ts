/**
 * The page's side of the tokenizer worker: one promise per count.
 *
 *   const tokenizers = new TokenizerClient();
 *   const { tokens } = await tokenizers.count('gpt2', 'Call me Ishmael.');
 */
import type { CountRequest, TokenCount, TokenizerWorkerEvent } from './tokenizer-protocol';

export class TokenizerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (c: TokenCount) => void; reject: (e: Error) => void }>();

  /** The worker starts at the first count, so that nothing is loaded before it is asked for. */
  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./tokenizer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tokenizers',
    });
    worker.addEventListener('message', (e: MessageEvent<TokenizerWorkerEvent>) => {
      const ev = e.data;
      const p = this.pending.get(ev.id);
      this.pending.delete(ev.id);
      if (ev.type === 'counted') p?.resolve(ev.count);
      else p?.reject(new Error(ev.message));
    });
    worker.addEventListener('error', (e) => {
      const error = new Error(`the tokenizer worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
    return (this.worker = worker);
  }

  /**
   * Count the tokens a real tokenizer makes of a text (loads it first, once).
   * @example await client.count('llama3', text) // { tokens: 57, vocabSize: 128256, ... }
   */
  count(tokenizer: string, text: string): Promise<TokenCount> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'count', id, tokenizer, text } satisfies CountRequest);
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('cancelled'));
    this.pending.clear();
  }
}
