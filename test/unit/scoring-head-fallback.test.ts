/**
 * Where the scoring head's WebAssembly module does not compile (here: bytes that are not a module, as a
 * browser without WebAssembly SIMD would see the real ones), scoring runs on the TypeScript path, gives
 * its results, and counts the rows and windows with the reason, for the backend line and the bench.
 */
import { describe, expect, it, vi } from 'vitest';
import { headStatus, scoreLogits } from '../../src/lib/scoring/log-softmax';

vi.mock('../../src/lib/scoring/head.wat.ts', () => ({
  // the header and version, then a section id that does not exist
  default: Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x63, 0x00]),
}));

function logits(T: number, V: number): Float32Array {
  return Float32Array.from({ length: T * V }, (_, i) => Math.sin(i * 12.9898) * 5);
}

describe('the scoring head without its WebAssembly module', () => {
  it('falls back to TypeScript with the same results, and counts each window and row with the reason', () => {
    const ids = Int32Array.from([3, 1, 4, 1, 5, 9]);
    const x = logits(ids.length, 16);
    const auto = scoreLogits(x, ids, 0, 4);
    const js = scoreLogits(x, ids, 0, 4, 'js');
    expect(Array.from(auto.logprob)).toEqual(Array.from(js.logprob));
    expect(Array.from(auto.topIds)).toEqual(Array.from(js.topIds));
    const status = headStatus();
    expect(status.path).toBe('typescript');
    expect(status.reason).toMatch(/^the WebAssembly module did not compile: .+/);
    expect(status).toMatchObject({ fallbackWindows: 1, fallbackRows: 5 });
    scoreLogits(x, ids, 2, 4);
    scoreLogits(x, ids, 0, 4, 'js'); // forced TypeScript is not a fallback
    expect(headStatus()).toMatchObject({ fallbackWindows: 2, fallbackRows: 8 });
  });

  it("fails the 'simd' path, saying why", () => {
    expect(() => scoreLogits(logits(2, 8), Int32Array.from([0, 1]), 0, 1, 'simd')).toThrow(
      /^the WebAssembly scoring head is unavailable: the WebAssembly module did not compile/,
    );
  });
});
