/// <reference lib="webworker" />
/**
 * The tokenizer worker: imports real tokenizers on demand and counts tokens (./tokenizer-protocol.ts).
 * Each tokenizer is loaded once and kept.
 */
import { loadRealTokenizer, type RealTokenizer } from '../lib/compare/real-tokenizers';
import type { CountRequest, TokenizerWorkerEvent } from './tokenizer-protocol';

declare const self: DedicatedWorkerGlobalScope;

const loaded = new Map<string, Promise<RealTokenizer>>();
const post = (ev: TokenizerWorkerEvent) => self.postMessage(ev);

self.onmessage = async (e: MessageEvent<CountRequest>) => {
  const req = e.data;
  try {
    const t0 = performance.now();
    let tokenizer = loaded.get(req.tokenizer);
    const fresh = !tokenizer;
    if (!tokenizer) {
      tokenizer = loadRealTokenizer(req.tokenizer);
      loaded.set(req.tokenizer, tokenizer);
      tokenizer.catch(() => loaded.delete(req.tokenizer));
    }
    const t = await tokenizer;
    const t1 = performance.now();
    const tokens = t.encode(req.text).length;
    post({
      type: 'counted',
      id: req.id,
      count: {
        tokenizer: req.tokenizer,
        tokens,
        vocabSize: t.vocabSize,
        loadMs: fresh ? t1 - t0 : 0,
        encodeMs: performance.now() - t1,
      },
    });
  } catch (err) {
    post({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
};
