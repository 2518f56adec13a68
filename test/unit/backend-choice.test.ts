/**
 * Auto never picks a software WebGPU adapter over WASM (it runs a model about 100x slower there): the
 * adapter's own report decides, as Chromium, Firefox and Safari fill it in.
 */
import { describe, expect, it } from 'vitest';
import { softwareAdapterName } from '../../src/lib/runtime/capabilities';
import { largestDifference } from '../../src/lib/runtime';

describe('softwareAdapterName', () => {
  it.each([
    [{ vendor: 'google', architecture: 'swiftshader', description: '' }, 'google swiftshader'],
    [{ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, 'mesa llvmpipe (LLVM 15.0.6, 256 bits)'],
    [{ vendor: 'mesa', description: 'lavapipe' }, 'mesa lavapipe'],
    [{ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, 'microsoft Microsoft Basic Render Driver'],
  ])('names the software adapter %o', (info, name) => {
    expect(softwareAdapterName({ info })).toBe(name);
  });

  it('takes any adapter the browser marks as a fallback as software, named or not', () => {
    expect(softwareAdapterName({ info: { vendor: 'acme', architecture: 'gpu-9' }, isFallbackAdapter: true })).toBe('acme gpu-9');
    expect(softwareAdapterName({ info: {}, isFallbackAdapter: true })).toBe('a fallback adapter');
  });

  it.each([
    { vendor: 'nvidia', architecture: 'ada-lovelace' },
    { vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) Iris(R) Xe Graphics' },
    { vendor: 'apple', architecture: 'common-3' },
    { vendor: 'amd', architecture: 'rdna-3' },
    { vendor: 'qualcomm', architecture: 'adreno-7xx' },
  ])('leaves a hardware adapter alone: %o', (info) => {
    expect(softwareAdapterName({ info, isFallbackAdapter: false })).toBeNull();
  });

  it('does not take a word that merely contains "warp" for WARP', () => {
    expect(softwareAdapterName({ info: { vendor: 'acme', architecture: 'warpdrive' } })).toBeNull();
    expect(softwareAdapterName({ info: { vendor: 'microsoft', description: 'WARP' } })).toBe('microsoft WARP');
  });
});

describe('largestDifference (the probe window on both backends)', () => {
  const stats = (logprob: number[], entropy: number[]) => ({ logprob: Float64Array.from(logprob), entropy: Float64Array.from(entropy) });
  it('is the largest gap in log-probability or entropy, and 0 for the same numbers', () => {
    expect(largestDifference(stats([-1, -2], [3, 4]), stats([-1, -2], [3, 4]))).toBe(0);
    expect(largestDifference(stats([-1, -2], [3, 4]), stats([-1.25, -2], [3, 4.5]))).toBeCloseTo(0.5, 12);
    expect(largestDifference(stats([-Infinity], [0]), stats([-Infinity], [0]))).toBe(0);
  });
  it('counts NaN and a different window length as disagreement', () => {
    expect(largestDifference(stats([NaN], [0]), stats([-1], [0]))).toBe(Infinity);
    expect(largestDifference(stats([-1, -1], [0, 0]), stats([-1], [0]))).toBe(Infinity);
  });
});
