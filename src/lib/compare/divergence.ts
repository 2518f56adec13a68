/**
 * Same tokenizer, two models: per-token difference in log-probability and the KL divergence between
 * their predictions, as llama.cpp's KL-divergence mode reports it (KL(reference || test), mean, median,
 * 99th percentile, maximum, and how often both models' top choice agree). Pure.
 *
 * Exact KL needs both full distributions (./full-distribution.ts). Without them it is bounded below
 * from the top-k alternatives both models returned: grouping the vocabulary into the ids known in both
 * (the top-k ids they share, and the actual token) plus one "everything else" bin can only lower the
 * KL divergence (the log-sum inequality), so the number shown is a true lower bound.
 */
import { mean as d3Mean, quantileSorted } from 'd3-array';
import type { ScoreResult, TokenRecord } from '../scoring/types';
import type { FullDistributions } from './full-distribution';
import type { BundledModel } from '../models/bundled-manifest';

/** How a KL value was computed. */
export type KlMethod = 'exact' | 'top-k lower bound';

export interface TokenDivergence {
  index: number;
  /** log p_test - log p_reference of the actual token, nats; null when either is unscored. */
  deltaLogprob: number | null;
  /** KL(reference || test) of the predictions at this position, nats; null when unscored. */
  kl: number | null;
  /** Whether both models' most likely token is the same; null when unknown. */
  sameTop: boolean | null;
}

export interface DivergenceReport {
  method: KlMethod;
  /** Alternatives per position the lower bound used (0 for exact). */
  k: number;
  tokens: TokenDivergence[];
  pplReference: number;
  pplTest: number;
  /** mean of log(p_test / p_reference) over scored tokens, nats (negative: the test model is worse) */
  meanDeltaLogprob: number;
  meanKl: number;
  medianKl: number;
  p99Kl: number;
  maxKl: number;
  /** Index of the token with the largest KL. */
  maxKlAt: number;
  /** Share of positions where both models' top choice agree, 0..1 (NaN when unknown). */
  sameTop: number;
}

/**
 * KL(p || q) in nats between two log-probability rows of length V.
 * @example klRows(lp, 0, lq, 0, 3) // sum_v p(v) (log p(v) - log q(v))
 */
export function klRows(p: Float32Array, pAt: number, q: Float32Array, qAt: number, V: number): number {
  let kl = 0;
  for (let v = 0; v < V; v++) {
    const lp = p[pAt + v];
    if (lp === -Infinity) continue; // p = 0 contributes nothing
    kl += Math.exp(lp) * (lp - q[qAt + v]);
  }
  return Math.max(0, kl); // float rounding can leave -1e-9 for identical rows
}

/** Smallest probability the "everything else" bin is given, against rounding. */
const FLOOR = 1e-12;

/**
 * A lower bound of KL(reference || test) at one position from the alternatives both returned.
 * @example klTopKLowerBound(referenceToken, testToken) // 0.031 (nats)
 */
export function klTopKLowerBound(
  reference: Pick<TokenRecord, 'id' | 'logprob' | 'top'>,
  test: Pick<TokenRecord, 'id' | 'logprob' | 'top'>,
): number | null {
  if (reference.logprob === null || test.logprob === null) return null;
  const q = new Map<number, number>(test.top.map((a) => [a.id, a.logprob]));
  q.set(test.id, test.logprob);
  const p = new Map<number, number>(reference.top.map((a) => [a.id, a.logprob]));
  p.set(reference.id, reference.logprob);
  let kl = 0;
  let pKnown = 0;
  let qKnown = 0;
  for (const [id, lp] of p) {
    const lq = q.get(id);
    if (lq === undefined) continue;
    const pv = Math.exp(lp);
    kl += pv * (lp - lq);
    pKnown += pv;
    qKnown += Math.exp(lq);
  }
  const pRest = Math.max(0, 1 - pKnown);
  const qRest = Math.max(FLOOR, 1 - qKnown);
  if (pRest > 0) kl += pRest * Math.log(Math.max(pRest, FLOOR) / qRest);
  return Math.max(0, kl);
}

/** The q-quantile of sorted values (linear interpolation, d3-array's), NaN for no values. */
const quantile = (sorted: number[], q: number): number => quantileSorted(sorted, q) ?? NaN;

/**
 * Compare two scores of the same text by models with the same tokenizer. Throws when the tokens differ.
 * @example compareSameTokenizer(finished, snapshot, finishedDists, snapshotDists).meanKl
 */
export function compareSameTokenizer(
  reference: ScoreResult,
  test: ScoreResult,
  referenceDists: FullDistributions | null = null,
  testDists: FullDistributions | null = null,
): DivergenceReport {
  const a = reference.tokens;
  const b = test.tokens;
  if (a.length !== b.length || a.some((t, i) => t.id !== b[i].id)) {
    throw new Error(
      `${reference.model} and ${test.model} cut the text into different tokens: KL divergence and per-token differences need the same tokenizer`,
    );
  }
  const exact =
    referenceDists !== null &&
    testDists !== null &&
    referenceDists.vocab === testDists.vocab &&
    referenceDists.first === testDists.first;
  const V = exact ? referenceDists!.vocab : 0;
  const k = exact ? 0 : Math.min(a[a.length - 1]?.top.length ?? 0, b[b.length - 1]?.top.length ?? 0);
  const tokens: TokenDivergence[] = a.map((ta, i) => {
    const tb = b[i];
    const scored = ta.logprob !== null && tb.logprob !== null;
    let kl: number | null = null;
    if (scored) {
      const row = i - (exact ? referenceDists!.first : 0);
      kl =
        exact &&
        row >= 0 &&
        (row + 1) * V <= referenceDists!.logprobs.length &&
        (row + 1) * V <= testDists!.logprobs.length
          ? klRows(referenceDists!.logprobs, row * V, testDists!.logprobs, row * V, V)
          : klTopKLowerBound(ta, tb);
    }
    return {
      index: i,
      deltaLogprob: scored ? tb.logprob! - ta.logprob! : null,
      kl,
      sameTop: ta.top.length && tb.top.length ? ta.top[0].id === tb.top[0].id : null,
    };
  });
  const kls = tokens.flatMap((t) => (t.kl === null ? [] : [t.kl]));
  const sorted = [...kls].sort((x, y) => x - y);
  const deltas = tokens.flatMap((t) => (t.deltaLogprob === null ? [] : [t.deltaLogprob]));
  const tops = tokens.flatMap((t) => (t.sameTop === null ? [] : [t.sameTop]));
  let maxKlAt = -1;
  for (const t of tokens) if (t.kl !== null && (maxKlAt < 0 || t.kl > tokens[maxKlAt].kl!)) maxKlAt = t.index;
  const mean = (xs: number[]) => d3Mean(xs) ?? NaN;
  return {
    method: exact ? 'exact' : 'top-k lower bound',
    k,
    tokens,
    pplReference: reference.totals.ppl,
    pplTest: test.totals.ppl,
    meanDeltaLogprob: mean(deltas),
    meanKl: mean(kls),
    medianKl: quantile(sorted, 0.5),
    p99Kl: quantile(sorted, 0.99),
    maxKl: sorted.length ? sorted[sorted.length - 1] : NaN,
    maxKlAt,
    sameTop: tops.length ? tops.filter(Boolean).length / tops.length : NaN,
  };
}

/**
 * Whether two bundled models share their tokenizer, as far as the manifest tells (kind, vocabulary and
 * tokenizer.json size); compareSameTokenizer then checks that the tokens really are the same.
 * @example sharesTokenizer(manifest['tiny-bpe8k'], manifest['tiny-bpe8k@010']) // true
 */
export function sharesTokenizer(
  a: Pick<BundledModel, 'id' | 'tokenizer_kind' | 'vocab_size' | 'files'> | undefined,
  b: Pick<BundledModel, 'id' | 'tokenizer_kind' | 'vocab_size' | 'files'> | undefined,
): boolean {
  return (
    !!a &&
    !!b &&
    a.id !== b.id &&
    a.tokenizer_kind === b.tokenizer_kind &&
    a.vocab_size === b.vocab_size &&
    a.files['tokenizer.json'] !== undefined &&
    a.files['tokenizer.json'] === b.files['tokenizer.json']
  );
}

/**
 * The pair comparison mode opens with: the preferred model and its snapshot nearest to 10% of training,
 * else any model and a snapshot of it, else any two models that share a tokenizer; null when none do.
 * @example defaultPair(manifest.models) // { reference: 'tiny-bpe8k', test: 'tiny-bpe8k@010' }
 */
export function defaultPair(
  models: readonly BundledModel[],
  preferred = 'tiny-bpe8k',
): { reference: string; test: string } | null {
  const snapshots = models.filter((m) => m.snapshot && models.some((o) => o.id === m.snapshot!.of));
  const ofPreferred = snapshots.filter((s) => s.snapshot!.of === preferred);
  const pool = ofPreferred.length ? ofPreferred : snapshots;
  if (pool.length) {
    const near = (m: BundledModel) => Math.abs(m.snapshot!.fraction - 0.1);
    const best = [...pool].sort((a, b) => near(a) - near(b))[0];
    return { reference: best.snapshot!.of, test: best.id };
  }
  for (const a of models) for (const b of models) if (sharesTokenizer(a, b)) return { reference: a.id, test: b.id };
  return null;
}
