/**
 * What this browser context can run, detected once. Works in a window and in a worker (Chromium
 * exposes navigator.gpu to workers).
 */

/** The few WebGPU shapes we touch; the DOM lib of TypeScript 5.9 has no WebGPU types. */
export interface GpuAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  readonly isFallbackAdapter?: boolean;
  readonly limits?: { readonly maxBufferSize?: number; readonly maxStorageBufferBindingSize?: number };
  requestDevice(): Promise<unknown>;
}

/**
 * The adapter's limits on one buffer, bytes. onnxruntime-web asks its device for the adapter's own values
 * (checked with 1.30 on SwiftShader: adapter and ort's device both 1 GiB, not the spec's 256 / 128 MiB
 * defaults), so one tensor (logits, attention scores, a weight) larger than the smaller of them cannot run.
 */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export interface Capabilities {
  /** A WebGPU adapter was found. */
  webgpu: boolean;
  /** Why WebGPU is unavailable; null when it is available. */
  webgpuUnavailableReason: string | null;
  /** The adapter found, handed to onnxruntime-web so that it does not ask again. */
  adapter: GpuAdapterLike | null;
  /** e.g. "google swiftshader (fallback)"; empty when there is no adapter. */
  adapterDescription: string;
  shaderF16: boolean;
  /** The adapter's buffer limits; null without WebGPU (or where the adapter reports none). */
  gpuLimits: GpuBufferLimits | null;
  /**
   * The adapter is a software rasteriser (SwiftShader, llvmpipe, lavapipe, WARP, or any adapter the
   * browser marks as a fallback): its name, e.g. "google swiftshader"; null for a hardware adapter or
   * none. Such an adapter runs a model about 100x slower than WASM on the same CPU.
   */
  softwareAdapter: string | null;
  /** SharedArrayBuffer is usable, so WASM may run threads (needs COOP/COEP headers). */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** The most WASM threads worth asking for: 1 without cross-origin isolation. */
  maxThreads: number;
}

let detected: Promise<Capabilities> | null = null;

/**
 * Detect once per context; later calls return the same promise.
 * @example const caps = await detectCapabilities(); if (!caps.webgpu) console.log(caps.webgpuUnavailableReason);
 */
export function detectCapabilities(): Promise<Capabilities> {
  detected ??= detect();
  return detected;
}

/** What WASM may use, known at once (no adapter to ask for): isolation, cores, threads. */
export function cpuCapabilities(): Pick<Capabilities, 'crossOriginIsolated' | 'hardwareConcurrency' | 'maxThreads'> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const hardwareConcurrency = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
  return { crossOriginIsolated: isolated, hardwareConcurrency, maxThreads: isolated ? hardwareConcurrency : 1 };
}

async function detect(): Promise<Capabilities> {
  const base = cpuCapabilities();
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  const none = (reason: string): Capabilities => ({
    ...base,
    webgpu: false,
    webgpuUnavailableReason: reason,
    adapter: null,
    adapterDescription: '',
    shaderF16: false,
    gpuLimits: null,
    softwareAdapter: null,
  });
  if (!gpu) return none('this browser has no WebGPU (navigator.gpu is missing)');
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return none(`requesting a WebGPU adapter failed: ${errorMessage(e)}`);
  }
  if (!adapter) return none('no WebGPU adapter is available');
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture || info.description || info.device]
    .filter(Boolean)
    .join(' ')
    .trim();
  return {
    ...base,
    webgpu: true,
    webgpuUnavailableReason: null,
    adapter,
    adapterDescription: `${description || 'unknown adapter'}${adapter.isFallbackAdapter ? ' (fallback)' : ''}`,
    shaderF16: adapter.features.has('shader-f16'),
    gpuLimits: bufferLimits(adapter),
    softwareAdapter: softwareAdapterName(adapter),
  };
}

/** The adapter's buffer limits, where it reports both (the WebGPU spec's defaults are 256 MiB and 128 MiB). */
function bufferLimits(adapter: GpuAdapterLike): GpuBufferLimits | null {
  const maxBufferSize = Number(adapter.limits?.maxBufferSize);
  const maxStorageBufferBindingSize = Number(adapter.limits?.maxStorageBufferBindingSize);
  return maxBufferSize > 0 && maxStorageBufferBindingSize > 0 ? { maxBufferSize, maxStorageBufferBindingSize } : null;
}

/** Names that WebGPU adapters backed by a CPU rasteriser report in their info (vendor, architecture, description). */
const SOFTWARE_ADAPTER =
  /swift\s*shader|llvmpipe|lavapipe|softpipe|microsoft basic render|basic render driver|\bwarp\b|software/i;

/**
 * The name of a software WebGPU adapter, or null for a hardware one.
 * @example softwareAdapterName({ info: { vendor: 'google', architecture: 'swiftshader' }, ... }) // 'google swiftshader'
 */
export function softwareAdapterName(adapter: Pick<GpuAdapterLike, 'info' | 'isFallbackAdapter'>): string | null {
  const info = adapter.info ?? {};
  const fields = [info.vendor, info.architecture, info.device, info.description].filter((f): f is string => !!f);
  const name = [...new Set(fields)].join(' ').trim();
  if (adapter.isFallbackAdapter) return name || 'a fallback adapter';
  return fields.some((f) => SOFTWARE_ADAPTER.test(f)) ? name : null;
}

/**
 * The number of WASM threads to use: the request clamped to what the context allows;
 * 0 or undefined picks min(4, cores).
 * @example wasmThreads(0, caps) // 4 on an isolated 8-core machine, 1 without isolation
 */
export function wasmThreads(
  requested: number | undefined,
  caps: Pick<Capabilities, 'hardwareConcurrency' | 'maxThreads'>,
): number {
  const wanted = requested && requested > 0 ? Math.floor(requested) : Math.min(4, caps.hardwareConcurrency);
  return Math.max(1, Math.min(wanted, caps.maxThreads));
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
