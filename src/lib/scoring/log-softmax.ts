/**
 * The CPU scoring head: log-softmax statistics over rows of logits, in float64. Logits come from the
 * model as float32, or as float16 / bfloat16 (half.ts), widened a row at a time; every sum here is float64 so the result matches a float64 reference to well
 * under 1e-6 nats whatever the vocabulary size. A row takes two passes over its logits (the largest
 * and the rank; the sums of exponentials), in WebAssembly SIMD (head.wat, loaded by head-wasm.ts) or in TypeScript, and
 * one for the top k.
 */
import { logitsLength, widenHalf, type LogitsData } from './half';
import { headKernel, type HeadKernel } from './head-wasm';
import type { WindowRequest, WindowScorer, WindowStats } from './types';

/** exp(-d) for d in [0, EXP_LIMIT) as TABLE[floor(256 d)] * exp(-f), f < 1/256 (see expNeg). */
export const EXP_STEPS = 256;
const EXP_LIMIT = 50;
const EXP_TABLE_END = EXP_STEPS * EXP_LIMIT;
const EXP_TABLE = Float64Array.from({ length: EXP_TABLE_END + 1 }, (_, i) => Math.exp(-i / EXP_STEPS));

/**
 * exp(-d) for 0 <= d < 50 (`scaled` = 256 d), to a relative error below 1e-13 and several times faster
 * than Math.exp: a table of exp(-i/256) times a degree-4 Taylor polynomial of exp(-f) for the remainder
 * f < 1/256, whose truncation error is below f^5/120 < 1e-14. The log-softmax spends most of its time
 * here: one call per vocabulary entry per scored token.
 * @example expNeg(1.5, 384) // 0.22313016014842982 (Math.exp(-1.5))
 */
export function expNeg(d: number, scaled: number): number {
  const i = scaled | 0;
  const f = d - i * (1 / EXP_STEPS);
  return EXP_TABLE[i] * (1 - f * (1 - f * (0.5 - f * (1 / 6 - f * (1 / 24)))));
}

/** Log-softmax statistics of one predicted distribution. */
export interface RowStats {
  /** log p(target), nats */
  logprob: number;
  /** 1 + number of logits strictly greater than the target's */
  rank: number;
  /** entropy of the distribution, nats */
  entropy: number;
}

/**
 * Statistics of one row of logits, and its top k (most likely first; equal logits in id order)
 * written to topIds/topLogprobs at `topAt`. In TypeScript throughout: the reference for the SIMD path
 * (scoreLogits), and what runs where the WebAssembly head is unavailable (headStatus).
 * @example
 * const topIds = new Int32Array(2), topLogprobs = new Float64Array(2);
 * rowStats(new Float32Array([1, 3, 2]), 0, 3, 2, 2, topIds, topLogprobs, 0) // { logprob: -1.41, rank: 2, ... }, topIds [1, 2]
 */
export function rowStats(
  logits: Float32Array, // (T, V) row-major; this row starts at rowAt
  rowAt: number,
  V: number,
  target: number,
  k: number,
  topIds: Int32Array, // (n, k) row-major
  topLogprobs: Float64Array, // (n, k) row-major
  topAt: number,
): RowStats {
  return finishRow(logits, rowAt, V, target, k, topIds, topLogprobs, topAt, JS_PASSES);
}

/**
 * A row's passes over its logits: [max (NaN if any is NaN), how many exceed target] and the top k's ids
 * (logit desc, id asc); then [Σ e, Σ e·d].
 */
interface RowPasses {
  maxGreaterTop(
    logits: Float32Array,
    rowAt: number,
    V: number,
    targetLogit: number,
    k: number,
    topIds: Int32Array,
    topAt: number,
    out: Float64Array,
  ): void;
  /** With e = exp(-d), d = max - x; terms with d >= 50 (below 2e-22 of the largest) are left out. */
  expSums(logits: Float32Array, rowAt: number, V: number, max: number, out: Float64Array): void;
}

const JS_PASSES: RowPasses = {
  maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, out) {
    topK(logits, rowAt, V, k, topIds, topAt);
    let max = -Infinity;
    let greater = 0;
    let nan = false;
    for (let v = 0; v < V; v++) {
      const x = logits[rowAt + v];
      greater += +(x > targetLogit); // arithmetic, not a branch: this compare goes either way at random
      if (x > max) max = x;
      else if (x !== x) nan = true;
    }
    out[0] = nan ? Number.NaN : max;
    out[1] = greater;
  },
  expSums(logits, rowAt, V, max, out) {
    let sum = 0;
    let weighted = 0;
    for (let v = 0; v < V; v++) {
      const d = max - logits[rowAt + v]; // >= 0
      const scaled = d * EXP_STEPS;
      if (!(scaled < EXP_TABLE_END)) continue; // also skips -Infinity logits
      const e = expNeg(d, scaled);
      sum += e;
      weighted += e * d;
    }
    out[0] = sum;
    out[1] = weighted;
  },
};

const passesOut = new Float64Array(2);

/**
 * Both passes (JS_PASSES or the SIMD kernel's), the top k, and the statistics from them:
 * log Z = max + log Σ e, H = log Z - E[x] = log Σ e + Σ e·d / Σ e.
 */
function finishRow(
  logits: Float32Array,
  rowAt: number,
  V: number,
  target: number,
  k: number,
  topIds: Int32Array,
  topLogprobs: Float64Array,
  topAt: number,
  passes: RowPasses,
): RowStats {
  if (!(target >= 0 && target < V)) throw new RangeError(`target id ${target} is outside the model's ${V} logits`);
  const targetLogit = logits[rowAt + target];
  passes.maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, passesOut);
  const max = passesOut[0];
  const greater = passesOut[1];
  if (!Number.isFinite(max)) throw new Error(nonFiniteMessage(logits, rowAt, V));
  passes.expSums(logits, rowAt, V, max, passesOut);
  const sum = passesOut[0]; // >= 1: the largest logit adds exp(0)
  const logSum = Math.log(sum);
  const logZ = max + logSum;
  for (let j = 0; j < Math.min(k, V); j++) topLogprobs[topAt + j] = logits[rowAt + topIds[topAt + j]] - logZ;
  return { logprob: targetLogit - logZ, rank: greater + 1, entropy: logSum + passesOut[1] / sum };
}

/**
 * The ids of the k largest logits of a row, most likely first and equal logits in id order: insertion
 * into a list kept sorted by (logit desc, id asc). The k-th kept logit is held in `floor`, so most
 * entries cost one compare.
 */
function topK(logits: Float32Array, rowAt: number, V: number, k: number, topIds: Int32Array, topAt: number): void {
  let kept = 0;
  let floor = k > 0 ? -Infinity : Infinity; // a logit must beat this to enter the top k (once it is full)
  for (let v = 0; v < V; v++) {
    const x = logits[rowAt + v];
    if (x > floor || kept < k) {
      // ids arrive in increasing order, so an equal logit never displaces an earlier id
      let j = kept < k ? kept++ : k - 1;
      while (j > 0 && logits[rowAt + topIds[topAt + j - 1]] < x) {
        topIds[topAt + j] = topIds[topAt + j - 1];
        j--;
      }
      topIds[topAt + j] = v;
      if (kept === k) floor = logits[rowAt + topIds[topAt + k - 1]];
    }
  }
}

/** The error for a row with NaN or infinite logits, naming the first bad entry. */
function nonFiniteMessage(logits: Float32Array, rowAt: number, V: number): string {
  for (let v = 0; v < V; v++) {
    const x = logits[rowAt + v];
    if (x !== x) return `the model returned NaN logits (vocabulary entry ${v})`;
  }
  for (let v = 0; v < V; v++) {
    if (logits[rowAt + v] === Infinity)
      return `the model returned non-finite logits (+Infinity at vocabulary entry ${v})`;
  }
  return 'the model returned non-finite logits (all -Infinity)';
}

/**
 * The kernel's passes (head-wasm.ts): the row is copied into the module's memory, padded with -Infinity
 * to a multiple of four logits (which changes no max, count, top k or sum).
 */
function simdPasses(kernel: HeadKernel): RowPasses {
  let copiedAt = -1;
  let copiedFrom: Float32Array | null = null;
  const quadsOf = (V: number) => (V + 3) >> 2;
  return {
    maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, out) {
      const quads = quadsOf(V);
      kernel.reserve(quads * 4, k);
      const row = kernel.row();
      row.set(logits.subarray(rowAt, rowAt + V));
      for (let v = V; v < quads * 4; v++) row[v] = -Infinity;
      copiedAt = rowAt;
      copiedFrom = logits;
      kernel.rowPass(quads, targetLogit, k, out, topIds, topAt);
    },
    expSums(logits, rowAt, V, max, out) {
      if (copiedFrom !== logits || copiedAt !== rowAt) throw new Error('expSums before maxGreaterTop on this row');
      kernel.expSums(quadsOf(V), max, out);
    },
  };
}

/** This thread's WebAssembly head, made on first use: its passes, or why there are none. */
let wasmHead: { passes: RowPasses | null; reason: string | null } | undefined;
/** What scoreLogits ('auto') ran on TypeScript because the WebAssembly head was unavailable or failed. */
const fallback = { windows: 0, rows: 0 };

function loadWasmHead(): { passes: RowPasses | null; reason: string | null } {
  if (wasmHead === undefined) {
    try {
      wasmHead = { passes: simdPasses(headKernel()), reason: null };
    } catch (e) {
      wasmHead = { passes: null, reason: e instanceof Error ? e.message : String(e) };
    }
  }
  return wasmHead;
}

/** Where this thread's scoring head runs, and how often it ran on TypeScript for want of the WebAssembly one. */
export interface HeadStatus {
  /** 'wasm': the WebAssembly SIMD head (head.wat); 'typescript': the fallback. */
  path: 'wasm' | 'typescript';
  /** Why the WebAssembly head is not used (it did not compile, or it failed on a row); null while it is. */
  reason: string | null;
  /** scoreLogits calls (windows) with 'auto' that scored some or all rows in TypeScript for that reason. */
  fallbackWindows: number;
  /** Rows (scored tokens) scored in TypeScript for that reason. */
  fallbackRows: number;
}

/**
 * This thread's scoring head (compiling it if no row has been scored yet), and the fallback counts.
 * @example headStatus() // { path: 'wasm', reason: null, fallbackWindows: 0, fallbackRows: 0 }
 */
export function headStatus(): HeadStatus {
  const head = loadWasmHead();
  return {
    path: head.passes ? 'wasm' : 'typescript',
    reason: head.reason,
    fallbackWindows: fallback.windows,
    fallbackRows: fallback.rows,
  };
}

/**
 * The 'auto' passes: the WebAssembly head's while it works; if it throws (a trap, memory it cannot
 * grow), this thread switches to TypeScript for good, from the row that failed, with the reason kept.
 */
const AUTO_PASSES: RowPasses = {
  maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, out) {
    const wasm = loadWasmHead().passes;
    if (wasm) {
      try {
        wasm.maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, out);
        return;
      } catch (e) {
        headFailed(e);
      }
    }
    JS_PASSES.maxGreaterTop(logits, rowAt, V, targetLogit, k, topIds, topAt, out);
  },
  expSums(logits, rowAt, V, max, out) {
    const wasm = loadWasmHead().passes;
    if (wasm) {
      try {
        wasm.expSums(logits, rowAt, V, max, out);
        return;
      } catch (e) {
        headFailed(e);
      }
    }
    JS_PASSES.expSums(logits, rowAt, V, max, out);
  },
};

function headFailed(e: unknown): void {
  wasmHead = { passes: null, reason: `the WebAssembly head failed: ${e instanceof Error ? e.message : String(e)}` };
}

/** Which implementation of the row passes scoreLogits uses. */
export type HeadPath = 'auto' | 'simd' | 'js';

/**
 * Window statistics from the window's logits: rows from .. T - 2 predict ids[from + 1] .. ids[T - 1].
 * The row passes run in WebAssembly SIMD where the module compiles ('auto'), 1.5-2.5 times as fast as
 * TypeScript, and in TypeScript otherwise, counted in headStatus(); 'js' forces TypeScript, 'simd' fails
 * without the WebAssembly head.
 * @example scoreLogits(logits, new Int32Array([5, 7, 9]), 0, 5) // 2 targets: 7 and 9
 */
export function scoreLogits(
  logits: LogitsData, // (T, V) row-major
  ids: Int32Array, // (T)
  from: number,
  k: number,
  path: HeadPath = 'auto',
): WindowStats {
  const T = ids.length;
  const length = logitsLength(logits);
  const V = length / T;
  if (T === 0 || !Number.isInteger(V) || V === 0) {
    throw new Error(`logits of length ${length} do not hold one row per token for ${T} tokens`);
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (k > V) throw new RangeError(`k = ${k} alternatives asked for, but the vocabulary has only ${V} entries`);
  const n = Math.max(0, T - 1 - from);
  const stats: WindowStats = {
    logprob: new Float64Array(n),
    rank: new Int32Array(n),
    entropy: new Float64Array(n),
    topIds: new Int32Array(n * k),
    topLogprobs: new Float64Array(n * k),
  };
  const passes = path === 'js' ? JS_PASSES : path === 'auto' ? AUTO_PASSES : requiredSimdPasses();
  // 16-bit logits: each row widened (exactly) into one float32 row, then the same passes
  const half = logits instanceof Float32Array ? null : logits;
  const rows = half ? new Float32Array(V) : (logits as Float32Array);
  let fallbackRows = 0; // rows 'auto' scored in TypeScript for want of the WebAssembly head
  for (let i = 0; i < n; i++) {
    const row = from + i;
    if (half) widenHalf(half, row * V, V, rows);
    const s = finishRow(rows, half ? 0 : row * V, V, ids[row + 1], k, stats.topIds, stats.topLogprobs, i * k, passes);
    if (passes === AUTO_PASSES && !wasmHead?.passes) fallbackRows++;
    stats.logprob[i] = s.logprob;
    stats.rank[i] = s.rank;
    stats.entropy[i] = s.entropy;
  }
  if (fallbackRows > 0) {
    fallback.windows++;
    fallback.rows += fallbackRows;
  }
  return stats;
}

/** The WebAssembly passes, for 'simd': an error saying why where there are none. */
function requiredSimdPasses(): RowPasses {
  const head = loadWasmHead();
  if (!head.passes) throw new Error(`the WebAssembly scoring head is unavailable: ${head.reason}`);
  return head.passes;
}

/** One forward pass: ids (T) -> logits (T, V) row-major, float32 or 16-bit floats as the model gave them. */
export type LogitsForward = (ids: Int32Array) => Promise<LogitsData>;

/**
 * A WindowScorer from a forward pass that returns all logits (the CPU path): one forward call per
 * window, the log-softmax statistics in TypeScript (their time added to `timing.headMs` when given).
 * @example const scorer = logitsScorer((ids) => runModel(ids), 'node'); await scorer.scoreWindow({ ids, from: 0, k: 5 });
 */
export function logitsScorer(forward: LogitsForward, backend = 'cpu', timing?: { headMs: number }): WindowScorer {
  return {
    backend,
    async scoreWindow({ ids, from, k }: WindowRequest): Promise<WindowStats> {
      const logits = await forward(ids);
      const t0 = globalThis.performance?.now() ?? Date.now();
      const stats = scoreLogits(logits, ids, from, k);
      if (timing) timing.headMs += (globalThis.performance?.now() ?? Date.now()) - t0;
      return stats;
    },
  };
}
