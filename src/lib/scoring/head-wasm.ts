/**
 * The CPU scoring head's passes over a row of logits, in WebAssembly with 128-bit SIMD: the module is
 * head.wat (its comments say what each pass computes), assembled at build time by wabt
 * (tools/vite-wat.ts; head.wat.ts in Node). This file loads it and copies the results out;
 * log-softmax.ts does the logarithms, and has the same passes in TypeScript where the module is
 * unavailable.
 *
 * Memory: bytes 0-23 hold the results of the last call (head.wat); the row of logits is copied to
 * ROW_AT, and the top k's logits and ids follow it.
 */
import HEAD_WASM from './head.wat.ts';

/** Byte offset of the row in the module's memory (16-byte aligned). */
export const ROW_AT = 32;

/** The compiled kernel: a row's passes, and the memory the row is copied into. */
export interface HeadKernel {
  /** Logits of one row (a multiple of four, padded with -Infinity), at ROW_AT; grown by `reserve`. */
  row(): Float32Array;
  /** Room for a row of `floats` (a multiple of 4) at ROW_AT, and a top k of `k` after it. */
  reserve(floats: number, k: number): void;
  /**
   * Over the row's first 4·quads logits: [the largest (NaN if any is NaN), how many exceed `target`] in
   * `out`, and the ids of the k largest (logit desc, id asc) in topIds from topAt.
   */
  rowPass(quads: number, target: number, k: number, out: Float64Array, topIds: Int32Array, topAt: number): void;
  /** Σ exp(x - max) and Σ exp(x - max)(max - x) in `out`. */
  expSums(quads: number, max: number, out: Float64Array): void;
}

/** The module compiled from HEAD_WASM, or why it could not be. */
let compiled: WebAssembly.Module | Error | undefined;

/**
 * A new instance of the kernel (each caller its own memory). Throws, saying why, where the module does
 * not compile: no WebAssembly, no WebAssembly SIMD, or bytes that are not a valid module.
 * @example const h = headKernel(); h.reserve(260, 5); h.row().set(logits.subarray(0, 257)); h.rowPass(65, 1.5, 5, out, topIds, 0);
 */
export function headKernel(): HeadKernel {
  if (compiled === undefined) {
    if (typeof WebAssembly !== 'object') compiled = new Error('WebAssembly is not available here');
    else {
      try {
        compiled = new WebAssembly.Module(HEAD_WASM);
      } catch (e) {
        // where SIMD is missing, the compile error names the first SIMD instruction
        compiled = new Error(`the WebAssembly module did not compile: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (compiled instanceof Error) throw compiled;
  const instance = new WebAssembly.Instance(compiled);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const rowPassFn = instance.exports.rowPass as (
    p: number,
    quads: number,
    target: number,
    k: number,
    vals: number,
    ids: number,
  ) => void;
  const expSumsFn = instance.exports.expSums as (p: number, quads: number, max: number) => void;
  let floats = 0; // the row's room
  let view = views();
  function views() {
    return {
      sums: new Float64Array(memory.buffer, 0, 2),
      scalars: new DataView(memory.buffer, 16, 8),
      row: new Float32Array(memory.buffer, ROW_AT),
      ids: new Int32Array(memory.buffer),
    };
  }
  return {
    row: () => view.row,
    reserve(rowFloats, k) {
      floats = Math.max(floats, rowFloats);
      const need = ROW_AT + (floats + 2 * k) * 4;
      if (need > memory.buffer.byteLength) {
        memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
        view = views();
      }
    },
    rowPass(quads, target, k, out, topIds, topAt) {
      const vals = ROW_AT + floats * 4;
      const ids = vals + k * 4;
      rowPassFn(ROW_AT, quads, target, k, vals, ids);
      out[0] = view.scalars.getFloat32(0, true);
      out[1] = view.scalars.getInt32(4, true);
      const from = ids >> 2; // no subarray per row: this runs for every scored token
      for (let j = 0; j < k; j++) topIds[topAt + j] = view.ids[from + j];
    },
    expSums(quads, max, out) {
      expSumsFn(ROW_AT, quads, max);
      out[0] = view.sums[0];
      out[1] = view.sums[1];
    },
  };
}
