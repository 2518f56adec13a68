/**
 * The runtime: the ONE module that imports onnxruntime-web. It maps `webgpu | wasm` to ort builds and
 * execution providers, detects capabilities once, queues session runs, and falls back from WebGPU to
 * WASM on any failure (no adapter, session error, unsupported op, lost device, error while scoring),
 * reporting why.
 *
 *   const rt = await openModelRuntime({ modelBytes, preference: 'auto', assetsBase });
 *   rt.backend            // 'webgpu' | 'wasm', what runs now
 *   rt.fallbackReason     // null, or why WebGPU is not used
 *   await rt.scorer.scoreWindow({ ids, from, k });
 */
import { logitsScorer } from '../scoring/log-softmax';
import type { WindowRequest, WindowStats, WindowScorer } from '../scoring/types';
import type { Backend, BackendPreference } from './backends';
import { detectCapabilities, errorMessage, wasmThreads, type Capabilities } from './capabilities';
import { loadOrtBuild } from './ort-builds';
import {
  createCpuModel,
  createGpuScorer,
  zeroCounters,
  type ExternalDataFile,
  type PastConfig,
  type RuntimeCounters,
} from './sessions';

export type { Backend, BackendPreference } from './backends';
export { BACKEND_PREFERENCES, parseBackendPreference } from './backends';
export { detectCapabilities, type Capabilities } from './capabilities';
export type { LogitsForward, RuntimeCounters, PastConfig, ExternalDataFile } from './sessions';

export interface OpenModelOptions {
  /** The model's ONNX file (fp32; inputs input_ids, attention_mask; output logits). */
  modelBytes: Uint8Array;
  /** What the user asked for. @defaultValue 'auto' */
  preference?: BackendPreference;
  /**
   * Absolute URL of the app's root, ending in '/': ort's files are fetched from `${assetsBase}ort/`, the
   * scoring head from `${assetsBase}scoring-head.onnx`.
   */
  assetsBase: string;
  /** WASM threads; 0 or undefined = min(4, cores); 1 without cross-origin isolation. */
  threads?: number;
  /** Sizes empty past key/value inputs (Optimum exports): config.json's heads and head size. */
  config?: PastConfig;
  /** The model's external weights (`*.onnx_data`), when it was exported with them. */
  externalData?: readonly ExternalDataFile[];
  /** Called when WebGPU fails after the runtime opened, before the window is retried on WASM. */
  onFallback?: (reason: string) => void;
  /** Fault injection for tests: WebGPU throws on every window after this many. @defaultValue never */
  webgpuFailAfterWindows?: number;
}

export interface ModelRuntime {
  /** Scores windows; after a WebGPU failure it continues on WASM. */
  readonly scorer: WindowScorer;
  /** The backend that runs now. */
  readonly backend: Backend;
  /** Why WebGPU is not used (null when it is, or when the user forced WASM). */
  readonly fallbackReason: string | null;
  /** WASM threads of the ort build in use (the WebGPU build also runs CPU kernels on them). */
  readonly threads: number;
  readonly capabilities: Capabilities;
  /** Counters of the backend that runs now. */
  counters(): RuntimeCounters;
  release(): Promise<void>;
}

let headBytesCache: Promise<Uint8Array> | null = null;

async function fetchHead(assetsBase: string): Promise<Uint8Array> {
  headBytesCache ??= fetch(new URL('scoring-head.onnx', assetsBase)).then(async (r) => {
    if (!r.ok) throw new Error(`scoring head: HTTP ${r.status} for ${r.url}`);
    return new Uint8Array(await r.arrayBuffer());
  });
  headBytesCache.catch(() => (headBytesCache = null));
  return headBytesCache;
}

/**
 * Open a model on the preferred backend, falling back to WASM with the reason.
 * @example const rt = await openModelRuntime({ modelBytes, assetsBase: new URL('./', document.baseURI).href });
 */
export async function openModelRuntime(options: OpenModelOptions): Promise<ModelRuntime> {
  const preference = options.preference ?? 'auto';
  const caps = await detectCapabilities();
  const threads = wasmThreads(options.threads, caps);
  const wasmPrefix = new URL('ort/', options.assetsBase).href;
  const modelBytes = options.modelBytes;

  const openWasm = async () => {
    const build = await loadOrtBuild('wasm', { wasmPrefix, threads });
    const model = await createCpuModel(build, modelBytes, options.config, options.externalData);
    // the CPU path: logits come back, log-softmax, rank and top-k in TypeScript
    return { build, model, scorer: logitsScorer(model.forward, 'wasm', model.counters) };
  };

  let fallbackReason: string | null = null;
  let deviceLost: string | null = null;
  let gpu: Awaited<ReturnType<typeof createGpuScorer>> | null = null;
  let gpuThreads = 0;
  if (preference !== 'wasm') {
    if (!caps.webgpu) {
      fallbackReason = caps.webgpuUnavailableReason ?? 'WebGPU is unavailable';
    } else {
      try {
        const build = await loadOrtBuild('webgpu', { wasmPrefix, threads, adapter: caps.adapter });
        gpuThreads = build.threads;
        const [headBytes] = await Promise.all([fetchHead(options.assetsBase)]);
        gpu = await createGpuScorer(build, modelBytes, headBytes, options.config, options.externalData);
        // one tiny window proves the whole path (both sessions, the gpu-buffer hand-over, TopK)
        await gpu.scoreWindow({ ids: new Int32Array([0, 0]), from: 0, k: 1 });
        Object.assign(gpu.counters, zeroCounters());
        watchDeviceLoss(build.ort, (reason) => (deviceLost = reason));
      } catch (e) {
        await gpu?.release().catch(() => undefined);
        gpu = null;
        fallbackReason = `WebGPU failed: ${errorMessage(e)}`;
      }
    }
  }
  let wasm = gpu ? null : await openWasm();

  // After a WebGPU failure, the window is retried on WASM and WASM stays.
  let gpuWindows = 0;
  const scorer: WindowScorer = {
    get backend() {
      return gpu ? 'webgpu' : 'wasm';
    },
    async scoreWindow(req: WindowRequest): Promise<WindowStats> {
      if (gpu) {
        try {
          if (deviceLost) throw new Error(deviceLost);
          if (options.webgpuFailAfterWindows !== undefined && gpuWindows++ >= options.webgpuFailAfterWindows) {
            throw new Error(`injected fault after ${options.webgpuFailAfterWindows} windows (fault-webgpu-after)`);
          }
          return await gpu.scoreWindow(req);
        } catch (e) {
          const failed = gpu;
          gpu = null;
          fallbackReason = `WebGPU failed while scoring: ${errorMessage(e)}`;
          options.onFallback?.(fallbackReason);
          void failed.release().catch(() => undefined);
        }
      }
      wasm ??= await openWasm();
      return wasm.scorer.scoreWindow(req);
    },
  };

  return {
    scorer,
    get backend() {
      return scorer.backend as Backend;
    },
    get fallbackReason() {
      return fallbackReason;
    },
    get threads() {
      return gpu ? gpuThreads : (wasm?.build.threads ?? threads);
    },
    capabilities: caps,
    counters: () => ({ ...(gpu ? gpu.counters : (wasm?.model.counters ?? zeroCounters())) }),
    async release() {
      await gpu?.release();
      await wasm?.model.release();
    },
  };
}

/** Report a lost WebGPU device (driver reset, tab in background too long, ...). */
function watchDeviceLoss(ort: { env: { webgpu: unknown } }, onLost: (reason: string) => void): void {
  const env = ort.env.webgpu as { device?: Promise<{ lost?: Promise<{ message?: string; reason?: string }> }> };
  Promise.resolve(env.device)
    .then((device) => device?.lost)
    .then((info) => {
      if (info) onLost(`the WebGPU device was lost (${info.reason ?? 'unknown'}: ${info.message ?? ''})`);
    })
    .catch(() => undefined);
}
