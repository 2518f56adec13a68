/**
 * The CPU scoring head's passes over a row of logits, as a small WebAssembly module with 128-bit SIMD:
 * `rowPass` takes four logits at a time for the largest logit, the rank and the top k (a quad goes
 * through the scalar insertion only when one of its logits beats the k-th kept so far); `expSums` the
 * sum of exponentials (and the entropy's weighted sum) in float64, two lanes at a time. log-softmax.ts
 * does the logarithms, and has the same passes in TypeScript where WebAssembly SIMD is missing.
 *
 * The module is written out here, instruction by instruction (the WebAssembly text of each line is in
 * its comment), so that it needs no compiler at build time and is the same bytes in the browser, the
 * worker and Node.
 *
 * Memory: bytes 0-23 hold the results of the last call; the row of logits is copied to ROW_AT, and the
 * top k's logits and ids follow it.
 *   0  f64  expSums: Σ exp(x - max)
 *   8  f64  expSums: Σ exp(x - max) (max - x)
 *   16 f32  rowPass: the largest logit (NaN if any logit is NaN)
 *   20 i32  rowPass: how many logits are greater than the target's
 */

/** Byte offset of the row in the module's memory (16-byte aligned). */
export const ROW_AT = 32;

/**
 * exp(-d) is computed as 2^-n · e^r with n = round(d / ln 2) and r = (n - d / ln 2) ln 2, |r| <= ln(2)/2,
 * e^r by its Taylor polynomial of degree 11: the truncation error is below (ln(2)/2)^12 / 12! · √2 < 1e-14
 * relative (the tests hold the sums to 1e-13 of Math.exp's). Terms with max - x >= 50 (below 2e-22 of the largest) are left out, as in log-softmax.ts.
 */
const EXP_DEGREE = 11;
const EXP_LIMIT = 50;

// ---- the encoding (https://webassembly.github.io/spec/core/binary/) ----

type Code = number[];

/** Unsigned LEB128. */
function u32(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (small constants only). */
function s32(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const bytesOf = (a: ArrayBufferView): Code => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
const name = (s: string): Code => [...u32(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: Code[]): Code => [...u32(items.length), ...items.flat()];
const section = (id: number, content: Code): Code => [id, ...u32(content.length), ...content];

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

// Instructions in folded form: the operands' code first, then the opcode, as WebAssembly's stack
// machine runs them.
const get = (local: number): Code => [0x20, ...u32(local)]; // local.get
const set = (local: number, value: Code): Code => [...value, 0x21, ...u32(local)]; // local.set
const i32Const = (n: number): Code => [0x41, ...s32(n)];
const op = (opcode: number, ...operands: Code[]): Code => [...operands.flat(), opcode];
/** A SIMD instruction (prefix 0xfd) with its immediates after the opcode. */
const simd = (opcode: number, operands: Code[], immediates: Code = []): Code => [...operands.flat(), 0xfd, ...u32(opcode), ...immediates];
const v128Const = (lanes: Float64Array | Float32Array | BigInt64Array): Code => [0xfd, ...u32(0x0c), ...bytesOf(lanes)];
const f64x2 = (x: number) => v128Const(new Float64Array([x, x]));

// core opcodes
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = 0x04; // [cond] if ... end, with 0x40: no result
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const I32_LOAD = 0x28; // memarg: align 2, offset 0
const F32_LOAD = 0x2a; // align 2
const I32_STORE = 0x36; // align 2
const F32_STORE = 0x38; // align 2
const F64_STORE = 0x39; // align 3
const F32_CONST = 0x43;
const I32_EQZ = 0x45;
const I32_EQ = 0x46;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const F32_LT = 0x5d;
const F32_GT = 0x5e;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_OR = 0x72;
const I32_SHL = 0x74;
const F32_MAX = 0x97;
const F64_ADD = 0xa0;
const load = (opcode: number, address: Code): Code => [...address, opcode, 2, 0];
const store = (opcode: number, align: number, address: Code, value: Code): Code => [...address, ...value, opcode, align, 0];
const f32Const = (x: number): Code => [F32_CONST, ...bytesOf(new Float32Array([x]))];
const ifThen = (cond: Code, then: Code, otherwise?: Code): Code => [
  ...cond,
  IF,
  0x40,
  ...then,
  ...(otherwise ? [ELSE, ...otherwise] : []),
  END,
];
/** address + 4·index */
const at4 = (base: number, index: Code): Code => op(I32_ADD, get(base), op(I32_SHL, index, i32Const(2)));
// SIMD opcodes
const V128_LOAD = 0x00; // memarg: align 4, offset 0
const I8X16_SHUFFLE = 0x0d;
const F32X4_SPLAT = 0x13;
const F64X2_SPLAT = 0x14;
const I32X4_EXTRACT_LANE = 0x1b;
const F32X4_EXTRACT_LANE = 0x1f;
const F64X2_EXTRACT_LANE = 0x21;
const F32X4_NE = 0x42;
const F32X4_GT = 0x44;
const F64X2_LT = 0x49;
const V128_AND = 0x4e;
const V128_OR = 0x50;
const V128_ANY_TRUE = 0x53;
const F64X2_PROMOTE_LOW_F32X4 = 0x5f;
const F64X2_NEAREST = 0x94;
const I32X4_SUB = 0xb1;
const I64X2_EXTEND_LOW_I32X4_S = 0xc7;
const I64X2_SHL = 0xcb;
const I64X2_SUB = 0xd1;
const F32X4_PMAX = 0xeb; // b > a ? b : a: one instruction, unlike f32x4.max, which must propagate NaN
const F64X2_ADD = 0xf0;
const F64X2_SUB = 0xf1;
const F64X2_MUL = 0xf2;
const I32X4_TRUNC_SAT_F64X2_S_ZERO = 0xfc;

/**
 * for (; p < end; p += 16) body — as `block (br_if 0 (p >= end)) loop body; p += 16; br_if 0 (p < end) end end`.
 * `body` sits two labels deep (the loop, then the block).
 */
function loopOverQuads(p: number, end: number, body: Code, alsoEachTurn: Code = []): Code {
  return [
    ...BLOCK,
    ...op(BR_IF, op(I32_GE_U, get(p), get(end))), 0, // br_if 0 (to the block's end): nothing to do
    ...LOOP,
    ...body,
    ...set(p, op(I32_ADD, get(p), i32Const(16))),
    ...alsoEachTurn,
    ...op(BR_IF, op(I32_LT_U, get(p), get(end))), 0, // br_if 0 (to the loop's start)
    END, // loop
    END, // block
  ];
}

/**
 * rowPass(p, quads, target f32, k, vals, ids): over the 4·quads f32 logits at p, the largest (NaN if any
 * is NaN) at 16, how many are greater than `target` at 20, and the top k: their ids at `ids` and logits
 * at `vals`, sorted by (logit desc, id asc). The row's padding (-Infinity) never enters the top k, as
 * k <= V real logits come first.
 */
function rowPass(): { locals: Code; body: Code } {
  const [p, quads, target, k, vals, ids] = [0, 1, 2, 3, 4, 5];
  const [tv, mx, cnt, nan, x, fv] = [6, 7, 8, 9, 10, 11]; // v128
  const [end, id, kept, j, lane, addr] = [12, 13, 14, 15, 16, 17]; // i32
  const [floor, y] = [18, 19]; // f32
  const lanes = (opcode: number, v: number, combine: number) =>
    op(combine, op(combine, simd(opcode, [get(v)], [0]), simd(opcode, [get(v)], [1])), op(combine, simd(opcode, [get(v)], [2]), simd(opcode, [get(v)], [3])));
  const notFull = op(I32_LT_U, get(kept), get(k)); // kept < k
  // insert y (id + lane) into the sorted list: shift down the kept logits smaller than y
  const insert: Code = [
    ...ifThen(notFull, [...set(j, get(kept)), ...set(kept, op(I32_ADD, get(kept), i32Const(1)))], set(j, op(I32_SUB, get(k), i32Const(1)))),
    ...BLOCK, // placed
    ...LOOP, // shift
    ...op(BR_IF, op(I32_EQZ, get(j))), 1, // j = 0: placed
    ...set(addr, at4(vals, op(I32_SUB, get(j), i32Const(1)))), // addr = &vals[j - 1]
    ...op(BR_IF, op(I32_EQZ, op(F32_LT, load(F32_LOAD, get(addr)), get(y)))), 1, // vals[j - 1] >= y: placed
    ...store(F32_STORE, 2, op(I32_ADD, get(addr), i32Const(4)), load(F32_LOAD, get(addr))), // vals[j] = vals[j - 1]
    ...store(I32_STORE, 2, at4(ids, get(j)), load(I32_LOAD, at4(ids, op(I32_SUB, get(j), i32Const(1))))), // ids[j] = ids[j - 1]
    ...set(j, op(I32_SUB, get(j), i32Const(1))),
    BR, 0, // shift again
    END, // shift
    END, // placed
    ...store(F32_STORE, 2, at4(vals, get(j)), get(y)), // vals[j] = y
    ...store(I32_STORE, 2, at4(ids, get(j)), op(I32_ADD, get(id), get(lane))), // ids[j] = id + lane
    ...ifThen(op(I32_EQ, get(kept), get(k)), [
      ...set(floor, load(F32_LOAD, at4(vals, op(I32_SUB, get(k), i32Const(1))))), // floor = vals[k - 1]
      ...set(fv, simd(F32X4_SPLAT, [get(floor)])),
    ]),
  ];
  const body: Code = [
    ...set(tv, simd(F32X4_SPLAT, [get(target)])), // tv = f32x4.splat(target)
    ...set(mx, v128Const(new Float32Array(4).fill(-Infinity))), // mx = -inf x 4
    ...set(fv, get(mx)), // the floor, splat: a logit must beat it to enter a full top k
    ...set(floor, f32Const(-Infinity)),
    // k = 0: nothing enters (kept < k is never true, and nothing beats +Infinity)
    ...ifThen(op(I32_EQZ, get(k)), [...set(floor, f32Const(Infinity)), ...set(fv, simd(F32X4_SPLAT, [get(floor)]))]),
    ...set(end, op(I32_ADD, get(p), op(I32_SHL, get(quads), i32Const(4)))), // end = p + 16·quads
    ...loopOverQuads(
      p,
      end,
      [
        ...set(x, simd(V128_LOAD, [get(p)], [4, 0])), // x = v128.load(p)
        ...set(mx, simd(F32X4_PMAX, [get(mx), get(x)])), // mx = f32x4.pmax(mx, x)
        ...set(nan, simd(V128_OR, [get(nan), simd(F32X4_NE, [get(x), get(x)])])), // nan |= (x != x)
        ...set(cnt, simd(I32X4_SUB, [get(cnt), simd(F32X4_GT, [get(x), get(tv)])])), // cnt -= (x > tv) (a true lane is -1)
        // the top k, lane by lane, only where the list is not full or some lane beats its floor
        ...ifThen(op(I32_OR, notFull, simd(V128_ANY_TRUE, [simd(F32X4_GT, [get(x), get(fv)])])), [
          ...set(lane, i32Const(0)),
          ...LOOP,
          ...set(y, load(F32_LOAD, at4(p, get(lane)))), // y = the lane's logit
          ...ifThen(op(I32_OR, op(F32_GT, get(y), get(floor)), notFull), insert),
          ...set(lane, op(I32_ADD, get(lane), i32Const(1))),
          ...op(BR_IF, op(I32_LT_U, get(lane), i32Const(4))), 0, // next lane
          END,
        ]),
      ],
      set(id, op(I32_ADD, get(id), i32Const(4))), // the next quad's first id
    ),
    // [16] = the largest lane, or NaN; [20] = the four counts summed
    ...store(F32_STORE, 2, i32Const(16), lanes(F32X4_EXTRACT_LANE, mx, F32_MAX)),
    ...ifThen(simd(V128_ANY_TRUE, [get(nan)]), store(F32_STORE, 2, i32Const(16), f32Const(Number.NaN))),
    ...store(I32_STORE, 2, i32Const(20), lanes(I32X4_EXTRACT_LANE, cnt, I32_ADD)),
    END,
  ];
  return { locals: vec([[...u32(6), V128], [...u32(6), I32], [...u32(2), F32]]), body };
}

/**
 * expSums(p, quads, max f64): over the 4·quads f32 logits at p, Σ e and Σ e·d with d = max - x and
 * e = exp(-d) (0 where d >= 50, NaN or infinite), at 0 and 8. Each loop turn takes four logits as two
 * float64 pairs (a and b); e^r is evaluated by Estrin's scheme, whose short dependency chains let the
 * processor overlap the two pairs.
 */
function expSums(): { locals: Code; body: Code } {
  const [p, quads, max, m, x, sum, w] = [0, 1, 2, 3, 4, 5, 6];
  const pair = (first: number) => ({ d: first, mask: first + 1, t: first + 2, n: first + 3, r: first + 4, r2: first + 5, r4: first + 6, r8: first + 7, e: first + 8 });
  const a = pair(7);
  const b = pair(16);
  const end = 25;
  const c = (i: number) => f64x2(1 / factorial(i));
  const mul = (u: Code, v: Code) => simd(F64X2_MUL, [u, v]);
  const add = (u: Code, v: Code) => simd(F64X2_ADD, [u, v]);
  const high = simd(I8X16_SHUFFLE, [get(x), get(x)], [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);
  const steps = (v: ReturnType<typeof pair>, logits: Code): Code[] => {
    const q = (i: number) => add(c(2 * i), mul(c(2 * i + 1), get(v.r))); // 1/(2i)! + r/(2i+1)!
    const s = (i: number) => add(q(2 * i), mul(q(2 * i + 1), get(v.r2)));
    return [
      set(v.d, simd(F64X2_SUB, [get(m), simd(F64X2_PROMOTE_LOW_F32X4, [logits])])), // d = max - x
      set(v.mask, simd(F64X2_LT, [get(v.d), f64x2(EXP_LIMIT)])), // mask = d < 50 (false for NaN, inf)
      set(v.d, simd(V128_AND, [get(v.d), get(v.mask)])), // d = 0 where masked: no inf or NaN below
      set(v.t, mul(get(v.d), f64x2(Math.LOG2E))), // t = d / ln 2
      set(v.n, simd(F64X2_NEAREST, [get(v.t)])), // n = round(t)
      set(v.r, mul(simd(F64X2_SUB, [get(v.n), get(v.t)]), f64x2(Math.LN2))), // r = (n - t) ln 2
      set(v.r2, mul(get(v.r), get(v.r))),
      set(v.r4, mul(get(v.r2), get(v.r2))),
      set(v.r8, mul(get(v.r4), get(v.r4))),
      // e^r = (s0 + s1 r^4) + s2 r^8, s_i = q_2i + q_2i+1 r^2, q_i = c_2i + c_2i+1 r (degree 11)
      set(v.e, add(add(s(0), mul(s(1), get(v.r4))), mul(s(2), get(v.r8)))),
      // e = (e · 2^-n) & mask, 2^-n built from its exponent bits: (1023 - n) << 52
      set(
        v.e,
        simd(V128_AND, [
          mul(
            get(v.e),
            simd(I64X2_SHL, [
              simd(I64X2_SUB, [v128Const(new BigInt64Array([1023n, 1023n])), simd(I64X2_EXTEND_LOW_I32X4_S, [simd(I32X4_TRUNC_SAT_F64X2_S_ZERO, [get(v.n)])])]),
              i32Const(52),
            ]),
          ),
          get(v.mask),
        ]),
      ),
      set(sum, add(get(sum), get(v.e))), // sum += e
      set(w, add(get(w), mul(get(v.e), get(v.d)))), // w += e·d
    ];
  };
  const turn: Code[] = [set(x, simd(V128_LOAD, [get(p)], [4, 0]))]; // x = four logits
  const sa = steps(a, get(x));
  const sb = steps(b, high); // the upper two
  for (let i = 0; i < sa.length; i++) turn.push(sa[i], sb[i]);
  const lanesSum = (v: number) => op(F64_ADD, simd(F64X2_EXTRACT_LANE, [get(v)], [0]), simd(F64X2_EXTRACT_LANE, [get(v)], [1]));
  const body: Code = [
    ...set(m, simd(F64X2_SPLAT, [get(max)])),
    ...set(end, op(I32_ADD, get(p), op(I32_SHL, get(quads), i32Const(4)))),
    ...loopOverQuads(p, end, turn.flat()),
    ...store(F64_STORE, 3, i32Const(0), lanesSum(sum)),
    ...store(F64_STORE, 3, i32Const(8), lanesSum(w)),
    END,
  ];
  return { locals: vec([[...u32(22), V128], [...u32(1), I32]]), body };
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** The module's bytes. */
export function headModuleBytes(): Uint8Array<ArrayBuffer> {
  const functions = [rowPass(), expSums()];
  const types = [
    [0x60, ...vec([[I32], [I32], [F32], [I32], [I32], [I32]]), ...vec([])], // rowPass: (i32, i32, f32, i32, i32, i32) -> ()
    [0x60, ...vec([[I32], [I32], [F64]]), ...vec([])], // expSums: (i32, i32, f64) -> ()
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // \0asm, version 1
    ...section(1, vec(types)),
    ...section(3, vec([u32(0), u32(1)])), // function i has type i
    ...section(5, vec([[0x00, ...u32(1)]])), // one memory, at least 1 page
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('rowPass'), 0x00, 0], [...name('expSums'), 0x00, 1]])),
    ...section(10, vec(functions.map((f) => [...u32(f.locals.length + f.body.length), ...f.locals, ...f.body]))),
  ];
  return Uint8Array.from(bytes);
}

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

let compiled: WebAssembly.Module | null | undefined;

/**
 * A new instance of the kernel (each caller its own memory), or null where WebAssembly SIMD is missing.
 * @example const h = headKernel(); h?.reserve(260, 5); h?.row().set(logits.subarray(0, 257)); h?.rowPass(65, 1.5, 5, out, topIds, 0);
 */
export function headKernel(): HeadKernel | null {
  if (compiled === undefined) {
    try {
      const bytes = headModuleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  const instance = new WebAssembly.Instance(compiled);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const rowPassFn = instance.exports.rowPass as (p: number, quads: number, target: number, k: number, vals: number, ids: number) => void;
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
