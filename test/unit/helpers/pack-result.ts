/**
 * A ScoreResult's records packed into the worker's columns: the reference that scoreTextPacked, which
 * builds the columns window by window, is checked against (packed.test.ts). Only tests need it.
 */
import { MAX_PACKED_K, transferList, type PackedResult } from '../../../src/lib/scoring/packed';
import type { ScoreResult } from '../../../src/lib/scoring/types';

/**
 * Columns of a result, and the buffers to transfer with it.
 * @example const { packed, transfer } = packResult(result); postMessage({ packed }, transfer);
 */
export function packResult(result: ScoreResult): { packed: PackedResult; transfer: ArrayBuffer[] } {
  const tokens = result.tokens;
  const T = tokens.length;
  let k = 0;
  for (const t of tokens) k = Math.max(k, t.top.length);
  if (k > MAX_PACKED_K)
    throw new RangeError(`${k} alternatives per token: the packed form holds at most ${MAX_PACKED_K}`);
  const p: PackedResult = {
    model: result.model,
    n_ctx: result.n_ctx,
    stride: result.stride,
    backend: result.backend,
    totals: result.totals,
    id: new Int32Array(T),
    start: new Int32Array(T),
    end: new Int32Array(T),
    scored: new Uint8Array(T),
    logprob: new Float64Array(T),
    rank: new Int32Array(T),
    entropy: new Float64Array(T),
    k,
    topCount: new Uint16Array(T),
    topIds: new Int32Array(T * k),
    topLogprobs: new Float64Array(T * k),
    altIds: new Int32Array(0),
    altTexts: [],
  };
  const altText = new Map<number, string>();
  for (let i = 0; i < T; i++) {
    const t = tokens[i];
    if (t.index !== i) throw new Error(`token ${i} has index ${t.index}: records must be in order`);
    p.id[i] = t.id;
    p.start[i] = t.start;
    p.end[i] = t.end;
    p.scored[i] = t.scored ? 1 : 0;
    p.logprob[i] = t.logprob ?? Number.NaN;
    p.rank[i] = t.rank ?? 0;
    p.entropy[i] = t.entropy ?? Number.NaN;
    p.topCount[i] = t.top.length;
    for (let j = 0; j < t.top.length; j++) {
      const a = t.top[j];
      p.topIds[i * k + j] = a.id;
      p.topLogprobs[i * k + j] = a.logprob;
      if (!altText.has(a.id)) altText.set(a.id, a.text);
    }
  }
  p.altIds = Int32Array.from(altText.keys());
  p.altTexts = [...altText.values()];
  return { packed: p, transfer: transferList(p) };
}
