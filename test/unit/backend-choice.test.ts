/**
 * Auto never picks a software WebGPU adapter over WASM (it runs a model about 100x slower there): the
 * adapter's own report decides, as Chromium, Firefox and Safari fill it in.
 */
import { describe, expect, it } from 'vitest';
import { softwareAdapterName } from '../../src/lib/runtime/capabilities';
import { agreementVerdict, largestDifference, PROBE_AGREEMENT_NATS } from '../../src/lib/runtime';

describe('softwareAdapterName', () => {
  it.each([
    [{ vendor: 'google', architecture: 'swiftshader', description: '' }, 'google swiftshader'],
    [
      { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
      'mesa llvmpipe (LLVM 15.0.6, 256 bits)',
    ],
    [{ vendor: 'mesa', description: 'lavapipe' }, 'mesa lavapipe'],
    [{ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, 'microsoft Microsoft Basic Render Driver'],
  ])('names the software adapter %o', (info, name) => {
    expect(softwareAdapterName({ info })).toBe(name);
  });

  it('takes any adapter the browser marks as a fallback as software, named or not', () => {
    expect(softwareAdapterName({ info: { vendor: 'acme', architecture: 'gpu-9' }, isFallbackAdapter: true })).toBe(
      'acme gpu-9',
    );
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
  const stats = (logprob: number[], entropy: number[]) => ({
    logprob: Float64Array.from(logprob),
    entropy: Float64Array.from(entropy),
  });
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

describe('agreementVerdict (forced WebGPU is checked against WASM too)', () => {
  const probe = (differenceNats: number) => ({ tokens: 40, wasmMs: 1, webgpuMs: 9, differenceNats });
  const allowed = PROBE_AGREEMENT_NATS.float32;
  it('keeps WebGPU where it agrees within the allowance, with no disagreement to show', () => {
    expect(agreementVerdict(probe(2e-6), allowed, false)).toEqual({ keepWebgpu: true, disagreement: null });
    expect(agreementVerdict(probe(allowed), allowed, false).keepWebgpu).toBe(true);
  });
  it('refuses WebGPU beyond it (2.8 nats: the genai-multipart fixture on SwiftShader), naming the size', () => {
    expect(agreementVerdict(probe(2.8), allowed, false)).toEqual({
      keepWebgpu: false,
      disagreement: { nats: 2.8, tokens: 40, allowed, kept: false },
    });
  });
  it('keeps WebGPU only where the user insisted, still reporting the disagreement', () => {
    expect(agreementVerdict(probe(2.8), allowed, true)).toEqual({
      keepWebgpu: true,
      disagreement: { nats: 2.8, tokens: 40, allowed, kept: true },
    });
  });
  it('takes NaN (Infinity from largestDifference) as disagreement', () => {
    expect(agreementVerdict(probe(Infinity), PROBE_AGREEMENT_NATS.float16, false).keepWebgpu).toBe(false);
    expect(agreementVerdict(probe(NaN), PROBE_AGREEMENT_NATS.float16, false).keepWebgpu).toBe(false);
  });
});
