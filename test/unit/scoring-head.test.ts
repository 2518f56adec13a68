/**
 * The scoring head's WebAssembly module from its source (src/lib/scoring/head.wat, assembled by wabt):
 * the bytes the build gives (tools/vite-wat.ts, as vitest loads them) are those the CLI's Node path
 * assembles, and the module computes what the TypeScript path computes on random logits: float32 and
 * float16-widened rows, masked (-Infinity) entries, ties, NaN rows and large vocabularies.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import HEAD_WASM from '../../src/lib/scoring/head.wat.ts';
import type { HalfLogits, LogitsData } from '../../src/lib/scoring/half';
import { headStatus, scoreLogits } from '../../src/lib/scoring/log-softmax';
import { assembleWat, assembleWatFile } from '../../tools/wat';

const WAT = path.resolve(import.meta.dirname, '../../src/lib/scoring/head.wat');

/** Deterministic uniform floats in [-scale, scale) (a 32-bit xorshift). */
function random(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** float16 bits of a float32 (round to nearest, ties to even; finite, normal range), for the widened rows. */
function toFloat16Bits(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0];
  const sign = (b >>> 16) & 0x8000;
  const exponent = ((b >>> 23) & 0xff) - 127 + 15;
  if (!Number.isFinite(x)) return sign | 0x7c00;
  if (exponent <= 0) return sign; // underflow to zero: none of the test's values are this small
  let mantissa = (b >>> 13) & 0x3ff;
  const rest = b & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && mantissa & 1)) mantissa++;
  return sign | ((exponent << 10) + mantissa);
}

/** The WebAssembly ('simd') and TypeScript ('js') paths on the same logits: identical ranks and top k, sums to rounding. */
function expectSamePaths(logits: LogitsData, ids: Int32Array, k: number): void {
  const a = scoreLogits(logits, ids, 0, k, 'simd');
  const b = scoreLogits(logits, ids, 0, k, 'js');
  expect(Array.from(a.rank)).toEqual(Array.from(b.rank));
  expect(Array.from(a.topIds)).toEqual(Array.from(b.topIds));
  // two exp approximations, each within 1e-13 relative of Math.exp (log-softmax.test.ts): the logs agree
  // to a few 1e-13 nats; 1e-11 also allows for summation order over 150,000 terms
  for (let i = 0; i < a.logprob.length; i++) {
    expect(Math.abs(a.logprob[i] - b.logprob[i])).toBeLessThan(1e-11);
    expect(Math.abs(a.entropy[i] - b.entropy[i])).toBeLessThan(1e-11);
  }
  for (let i = 0; i < a.topLogprobs.length; i++) {
    // masked entries (-Infinity) at the end of a full ranking are -Infinity on both
    if (a.topLogprobs[i] !== b.topLogprobs[i])
      expect(Math.abs(a.topLogprobs[i] - b.topLogprobs[i])).toBeLessThan(1e-11);
  }
}

const targets = (T: number, V: number, seed: number) =>
  Int32Array.from(random(T, seed, 0.5), (x) => Math.floor((x + 0.5) * V));

describe('the head assembled from head.wat', () => {
  it('is the same bytes in the build (the Vite plugin) and in Node (assembled on import), and valid', async () => {
    const node = await assembleWatFile(WAT);
    expect(Array.from(HEAD_WASM)).toEqual(Array.from(node));
    expect(WebAssembly.validate(HEAD_WASM)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(HEAD_WASM)).map((e) => e.name);
    expect(exports).toEqual(['memory', 'rowPass', 'expSums']);
  });

  it('reports a syntax or validation error in the .wat with its line', async () => {
    await expect(assembleWat('(module (func (result i32)))', 'bad.wat')).rejects.toThrow(/type mismatch|expected/i);
    await expect(assembleWat('(module\n  (func (local.get $nope)))', 'bad.wat')).rejects.toThrow(/bad\.wat:2/);
  });

  it.each([
    [8192, 24, 4, 1],
    [32000, 6, 12, 2],
    [151936, 2, 20, 3], // Qwen's vocabulary
    [1003, 40, 30, 4], // V not a multiple of four
  ])('computes what the TypeScript path does: V = %i, %i rows, logits in ±%i', (V, T, scale, seed) => {
    const logits = random(T * V, seed, scale);
    expectSamePaths(logits, targets(T, V, seed), 10);
  });

  it('on float16 logits, widened a row at a time', () => {
    const V = 32000;
    const T = 4;
    const bits = Uint16Array.from(random(T * V, 5, 16), toFloat16Bits);
    const half: HalfLogits = { type: 'float16', bits };
    expectSamePaths(half, targets(T, V, 5), 8); // many ties: float16 has 11 significant bits
  });

  it('with masked (-Infinity) entries, ties and a full ranking (k = V)', () => {
    const V = 4099;
    const T = 5;
    const logits = Float32Array.from(random(T * V, 6, 8), (x, i) => (i % 7 === 3 ? -Infinity : Math.round(x * 2) / 2));
    const ids = targets(T, V, 6).map((t) => (t % 7 === 3 ? t + 1 : t)); // targets are real entries
    expectSamePaths(logits, ids, V);
  });

  it('fails on NaN and +Infinity rows with the same message as the TypeScript path', () => {
    const V = 1025;
    for (const [at, value] of [
      [0, Number.NaN],
      [1024, Number.NaN],
      [517, Infinity],
    ] as const) {
      const logits = random(2 * V, 7, 4);
      logits[at] = value;
      const ids = Int32Array.from([0, 3]);
      const message = (path: 'simd' | 'js') => {
        try {
          scoreLogits(logits, ids, 0, 3, path);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      expect(message('simd')).toBe(message('js'));
      expect(message('simd')).toMatch(new RegExp(`entry ${at}\\)`));
    }
  });

  it('is what "auto" uses here: no fallback counted', () => {
    scoreLogits(random(3 * 100, 8, 4), Int32Array.from([1, 2, 3]), 0, 2);
    expect(headStatus()).toMatchObject({ path: 'wasm', reason: null, fallbackRows: 0 });
  });
});

describe('a head that fails while scoring', () => {
  it('switches the thread to TypeScript from the failing row on, and counts and says so', async () => {
    vi.resetModules(); // a fresh log-softmax.ts: its own head and counters
    const fresh = await import('../../src/lib/scoring/log-softmax');
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    });
    try {
      // 1,000 logits fit the module's first 64 KiB page; 40,000 make it grow, which fails here
      const small = random(4 * 1000, 9, 4);
      const ids = Int32Array.from([1, 2, 3, 4]);
      fresh.scoreLogits(small, ids, 0, 3);
      expect(fresh.headStatus()).toMatchObject({ path: 'wasm', fallbackRows: 0 });
      const large = random(4 * 40_000, 10, 4);
      const auto = fresh.scoreLogits(large, ids, 0, 3);
      const js = fresh.scoreLogits(large, ids, 0, 3, 'js');
      expect(Array.from(auto.logprob)).toEqual(Array.from(js.logprob));
      expect(Array.from(auto.topIds)).toEqual(Array.from(js.topIds));
      const status = fresh.headStatus();
      expect(status).toEqual({
        path: 'typescript',
        reason: 'the WebAssembly head failed: WebAssembly.Memory.grow(): Maximum memory size exceeded',
        fallbackWindows: 1,
        fallbackRows: 3,
      });
      fresh.scoreLogits(small, ids, 0, 3); // stays on TypeScript
      expect(fresh.headStatus()).toMatchObject({ fallbackWindows: 2, fallbackRows: 6 });
    } finally {
      grow.mockRestore();
    }
  });
});
