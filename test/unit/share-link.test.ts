import { describe, expect, it } from 'vitest';
import { parseShareHash, shareHash, usableStride } from '../../src/lib/playground/share-link';

describe('share link strides', () => {
  it('the stride used is a whole number in [1, n_ctx - 1]; anything else is the default', () => {
    expect(usableStride(100000, 256)).toBe(255); // a link's stride past the context, clamped as the field does
    expect(usableStride(256, 256)).toBe(255);
    expect(usableStride(255, 256)).toBe(255);
    expect(usableStride(1, 256)).toBe(1);
    for (const bad of [0, -5, 1.5, Number.NaN, Infinity, undefined])
      expect(usableStride(bad, 256), String(bad)).toBeUndefined();
    // before a model is loaded there is no maximum yet
    expect(usableStride(100000, null)).toBe(100000);
  });

  it('round-trips a view and drops strides that are not whole positive numbers', () => {
    const hash = shareHash({ text: 'a & b = c?', model: 'tiny-bpe1k', stride: 100000, mode: 'rank' });
    expect(parseShareHash(hash)).toEqual({ text: 'a & b = c?', model: 'tiny-bpe1k', stride: 100000, mode: 'rank' });
    for (const s of ['0', '-5', '1.5', 'abc', ''])
      expect(parseShareHash(`#/playground?stride=${s}&text=x`)?.stride, s).toBeUndefined();
  });
});
