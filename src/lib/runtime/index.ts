/**
 * The runtime: the ONE module that imports onnxruntime-web. It maps `webgpu | wasm` to ort builds and
 * execution providers, detects capabilities once, queues session runs, and falls back from WebGPU to
 * WASM on any failure (no adapter, session error, unsupported op, lost device, error while scoring),
 * reporting why.
 *
 *   const rt = await openModelRuntime({ modelBytes, preference: 'auto', assetsBase });
 *   rt.backend            // 'webgpu' | 'wasm', what runs now
 *   rt.reason             // why, e.g. "WASM: the only WebGPU adapter is a software one (google swiftshader)"
 *   rt.fallbackReason     // null, or why WebGPU is not used
 *   await rt.scorer.scoreWindow({ ids, from, k });
 */
import { planGpuWindow, type GpuWindowPlan, type GpuWindowRequest } from '../models/memory';
import { logitsScorer } from '../scoring/log-softmax';
import type { WindowRequest, WindowStats, WindowScorer } from '../scoring/types';
import type { Backend, BackendPreference } from './backends';
import { cpuCapabilities, detectCapabilities, errorMessage, wasmThreads, type Capabilities } from './capabilities';
import { loadOrtBuild } from './ort-builds';
import {
  createCpuModel,
  createGpuScorer,
  zeroCounters,
  type ExternalDataFile,
  type LogitsType,
  type PastConfig,
  type RuntimeCounters,
} from './sessions';

export type { Backend, BackendPreference } from './backends';
export { BACKEND_PREFERENCES, parseBackendPreference } from './backends';
export { detectCapabilities, type Capabilities } from './capabilities';
export type { LogitsForward, RuntimeCounters, PastConfig, ExternalDataFile } from './sessions';

export interface OpenModelOptions {
  /** The model's ONNX file (inputs input_ids, attention_mask, ...; output logits, float32 or float16). */
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
  /**
   * The graph computes in float16 (fp16 weights or logits): WebGPU needs an adapter with shader-f16,
   * else WASM runs it, saying why. @defaultValue false
   */
  float16?: boolean;
  /** Called when WebGPU fails after the runtime opened, before the window is retried on WASM. */
  onFallback?: (reason: string) => void;
  /** Fault injection for tests: WebGPU throws on every window after this many. @defaultValue never */
  webgpuFailAfterWindows?: number;
  /**
   * Tokens in the window that 'auto' times on each backend when a hardware WebGPU adapter exists (the
   * model's context). @defaultValue 128
   */
  probeTokens?: number;
  /**
   * Time both backends on a software adapter too, instead of taking WASM at once (tests of the timing
   * path, which have only SwiftShader). @defaultValue false
   */
  probeSoftwareAdapter?: boolean;
  /**
   * Forced WebGPU is checked against WASM on one window too (a kernel that computes something else must
   * not reach the page): on disagreement WASM runs it, unless this is set (the user insisted), when WebGPU
   * runs with the disagreement on the backend line. @defaultValue false
   */
  acceptWebgpuDisagreement?: boolean;
  /**
   * The window's large tensors and the largest weight, for the WebGPU memory guard (planGpuWindow): checked
   * against the adapter's maxBufferSize / maxStorageBufferBindingSize before WebGPU is tried. Where a window
   * is too large, WebGPU runs a smaller one (`windowLimit`); where nothing fits, WASM runs, saying why.
   */
  gpuMemory?: Omit<GpuWindowRequest, 'limits'>;
}

/** WebGPU's numbers against WASM's on one window, where they differ by more than PROBE_AGREEMENT_NATS allows. */
export interface BackendDisagreement {
  /** The largest difference of a log-probability or entropy, nats (Infinity for NaN). */
  nats: number;
  /** Tokens in the window compared. */
  tokens: number;
  /** What PROBE_AGREEMENT_NATS allows for the model's dtype, nats. */
  allowed: number;
  /** WebGPU still runs it: the user insisted. */
  kept: boolean;
}

/** One window timed on each backend, when 'auto' had to find out which is faster. */
export interface BackendProbe {
  tokens: number;
  wasmMs: number;
  webgpuMs: number;
  /** The largest difference between the two backends' log-probabilities (and entropies) on that window, nats. */
  differenceNats: number;
}

/**
 * How far WebGPU's numbers may stray from WASM's on the probe window before 'auto' refuses WebGPU: kernels
 * differ in summation order (1e-5 nats or so in float32), and float16 models round at every layer.
 */
export const PROBE_AGREEMENT_NATS = { float32: 1e-3, float16: 5e-2 } as const;

export interface ModelRuntime {
  /** Scores windows; after a WebGPU failure it continues on WASM. */
  readonly scorer: WindowScorer;
  /** The backend that runs now. */
  readonly backend: Backend;
  /** Why WebGPU is not used (null when it is, or when the user forced WASM). */
  readonly fallbackReason: string | null;
  /** What runs and why, for the backend line: "WASM: the only WebGPU adapter is a software one (...)". */
  readonly reason: string;
  /** The timing that decided 'auto', or forced WebGPU's check against WASM (null when neither ran). */
  readonly probe: BackendProbe | null;
  /** WebGPU's numbers disagreed with WASM's on the probe window (null when they agreed or were not compared). */
  readonly disagreement: BackendDisagreement | null;
  /** While WebGPU runs: the smaller window its buffer limits allow, and why (null: the window asked for fits). */
  readonly windowLimit: { window: number; note: string } | null;
  /** WASM threads of the ort build in use (the WebGPU build also runs CPU kernels on them). */
  readonly threads: number;
  readonly capabilities: Capabilities;
  /** Counters of the backend that runs now. */
  counters(): RuntimeCounters;
  release(): Promise<void>;
}

/** The scoring head's file for each logits type (training/make_scoring_head.py). */
const HEAD_FILES: Record<LogitsType, string> = { float32: 'scoring-head.onnx', float16: 'scoring-head-f16.onnx' };
const headBytesCache = new Map<string, Promise<Uint8Array>>();

async function fetchHead(assetsBase: string, logits: LogitsType = 'float32'): Promise<Uint8Array> {
  const file = HEAD_FILES[logits];
  let bytes = headBytesCache.get(file);
  if (!bytes) {
    bytes = fetch(new URL(file, assetsBase)).then(async (r) => {
      if (!r.ok) throw new Error(`scoring head: HTTP ${r.status} for ${r.url}`);
      return new Uint8Array(await r.arrayBuffer());
    });
    headBytesCache.set(file, bytes);
    bytes.catch(() => headBytesCache.delete(file));
  }
  return bytes;
}

/**
 * Start the WASM runtime before any model is known: import the build, fetch and compile its 14 MB binary,
 * start its threads, by opening (and closing) the scoring head's tiny graph. A page calls it from its
 * first moment, so this overlaps the model's download; openModelRuntime then finds the runtime ready.
 * Skipped where only WebGPU will run (forced, on a hardware adapter).
 * @example void warmRuntime({ assetsBase, preference: 'auto' });
 */
export async function warmRuntime(
  options: Pick<OpenModelOptions, 'assetsBase' | 'preference' | 'threads'>,
): Promise<void> {
  if (options.preference === 'webgpu') {
    const caps = await detectCapabilities();
    if (caps.webgpu && !caps.softwareAdapter) return;
  }
  // Auto needs WASM on any adapter (the agreement check, the fallback): no need to wait for the adapter
  const wasmPrefix = new URL('ort/', options.assetsBase).href;
  const [build, head] = await Promise.all([
    loadOrtBuild('wasm', { wasmPrefix, threads: wasmThreads(options.threads, cpuCapabilities()) }),
    fetchHead(options.assetsBase),
  ]);
  const session = await build.ort.InferenceSession.create(head, {
    executionProviders: ['wasm'],
  });
  await session.release();
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
    const scorer = logitsScorer(model.forward, 'wasm', model.counters);
    try {
      // one tiny window proves the graph runs and returns what the config says (vocabulary), at load
      await scorer.scoreWindow(PROOF_WINDOW);
    } catch (e) {
      await model.release().catch(() => undefined);
      throw e;
    }
    Object.assign(model.counters, zeroCounters());
    return { build, model, scorer };
  };

  let fallbackReason: string | null = null;
  let reason = '';
  let probe: BackendProbe | null = null;
  let deviceLost: string | null = null;
  let gpu: Awaited<ReturnType<typeof createGpuScorer>> | null = null;
  let gpuThreads = 0;
  let wasm: Awaited<ReturnType<typeof openWasm>> | null = null;
  const software = caps.softwareAdapter;
  // the WebGPU memory guard: each large tensor of a window, and the largest weight, against one buffer
  const gpuPlan: GpuWindowPlan | null =
    options.gpuMemory && caps.gpuLimits ? planGpuWindow({ ...options.gpuMemory, limits: caps.gpuLimits }) : null;
  if (preference === 'wasm') {
    reason = 'WASM: chosen in the Backend menu';
  } else if (!caps.webgpu) {
    fallbackReason = caps.webgpuUnavailableReason ?? 'WebGPU is unavailable';
  } else if (options.float16 && !caps.shaderF16) {
    // the first float16 kernel would fail ("requires f16 but the device does not support it")
    fallbackReason = `the model computes in float16 and this WebGPU adapter (${caps.adapterDescription || 'unknown'}) has no shader-f16`;
  } else if (gpuPlan && !gpuPlan.fits) {
    fallbackReason = gpuPlan.message ?? 'the model does not fit this WebGPU adapter';
  } else if (preference === 'auto' && software && !options.probeSoftwareAdapter) {
    // a CPU rasteriser runs the same model about 100x slower than WASM: never worth a try
    fallbackReason = `the only WebGPU adapter is a software one (${software})`;
  } else {
    try {
      const build = await loadOrtBuild('webgpu', { wasmPrefix, threads, adapter: caps.adapter });
      gpuThreads = build.threads;
      const headBytes = (logits: LogitsType) => fetchHead(options.assetsBase, logits);
      void headBytes('float32').catch(() => undefined); // most models' head, fetched while the model opens
      gpu = await createGpuScorer(build, modelBytes, headBytes, options.config, options.externalData);
      // one tiny window proves the whole path (both sessions, the gpu-buffer hand-over, TopK)
      await gpu.scoreWindow(PROOF_WINDOW);
      Object.assign(gpu.counters, zeroCounters());
      watchDeviceLoss(build.ort, (r) => (deviceLost = r));
    } catch (e) {
      await gpu?.release().catch(() => undefined);
      gpu = null;
      fallbackReason = `WebGPU failed: ${errorMessage(e)}`;
    }
  }
  const adapterName = caps.adapterDescription || 'unknown adapter';
  const allowed = PROBE_AGREEMENT_NATS[options.float16 ? 'float16' : 'float32'];
  let disagreement: BackendDisagreement | null = null;
  const timed = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (gpu && preference === 'webgpu') {
    const chosen = `WebGPU: chosen in the Backend menu${software ? ` (a software adapter, ${software}: much slower than WASM)` : ''}`;
    // forced, but still checked: the same window on WASM, so that a kernel that computes something else
    // (onnxruntime-web 1.30's MultiHeadAttention on SwiftShader, from 32 tokens) is not shown as the model's numbers
    try {
      wasm = await openWasm();
    } catch (e) {
      reason = `${chosen}; not checked against WASM, which could not open the model (${errorMessage(e)})`;
    }
    if (wasm) {
      const tokens = Math.max(
        2,
        Math.min(
          FORCED_CHECK_TOKENS,
          Math.floor(options.probeTokens ?? FORCED_CHECK_TOKENS),
          gpuPlan?.window ?? Infinity,
        ),
      );
      probe = await probeBoth(gpu, wasm.scorer, tokens, options.config?.vocab_size);
      const verdict = agreementVerdict(probe, allowed, options.acceptWebgpuDisagreement === true);
      disagreement = verdict.disagreement;
      if (verdict.keepWebgpu) {
        reason = disagreement
          ? `${chosen}, although its numbers disagree with WASM's by up to ${disagreement.nats.toPrecision(3)} nats on a ` +
            `${tokens}-token window (allowed ${allowed}): they may be wrong`
          : `${chosen}; it agrees with WASM within ${probe.differenceNats.toPrecision(2)} nats on a ${tokens}-token window`;
        await wasm.model.release();
        wasm = null;
      } else {
        fallbackReason = disagreementReason(probe, allowed, adapterName);
        await gpu.release();
        gpu = null;
      }
      for (const counters of [gpu?.counters, wasm?.model.counters])
        if (counters) Object.assign(counters, zeroCounters());
    }
  } else if (gpu) {
    // a hardware adapter is not always faster (small models, integrated GPUs): time one window on each
    wasm = await openWasm(); // its proof window compiled WASM's kernels, as the GPU's did WebGPU's
    const tokens = Math.max(2, Math.min(Math.floor(options.probeTokens ?? 128), gpuPlan?.window ?? Infinity));
    probe = await probeBoth(gpu, wasm.scorer, tokens, options.config?.vocab_size);
    const { webgpuMs, wasmMs } = probe;
    for (const counters of [gpu.counters, wasm.model.counters]) Object.assign(counters, zeroCounters());
    // the same window on both: a WebGPU kernel that computes something else must not reach the page
    disagreement = agreementVerdict(probe, allowed, false).disagreement;
    if (disagreement) {
      fallbackReason = disagreementReason(probe, allowed, adapterName);
      await gpu.release();
      gpu = null;
    } else if (webgpuMs <= wasmMs) {
      reason = `WebGPU: a ${tokens}-token window took ${timed(webgpuMs)} on WebGPU (${adapterName}), ${timed(wasmMs)} on WASM`;
      await wasm.model.release();
      wasm = null;
    } else {
      fallbackReason = `WASM was faster: a ${tokens}-token window took ${timed(wasmMs)} on WASM, ${timed(webgpuMs)} on WebGPU (${adapterName})`;
      await gpu.release();
      gpu = null;
    }
  }
  if (!gpu) {
    wasm ??= await openWasm();
    if (fallbackReason) reason = fallbackReason.startsWith('WASM') ? fallbackReason : `WASM: ${fallbackReason}`;
  }

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
          reason = `WASM: ${fallbackReason}`;
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
    get reason() {
      return reason;
    },
    probe,
    disagreement,
    get windowLimit() {
      return gpu && gpuPlan?.message ? { window: gpuPlan.window, note: gpuPlan.message } : null;
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

/** The smallest window: proves a backend's whole path and compiles its kernels. */
const PROOF_WINDOW: WindowRequest = { ids: new Int32Array([0, 0]), from: 0, k: 1 };

/** Tokens in the window forced WebGPU is checked on against WASM (or the model's context, if shorter). */
const FORCED_CHECK_TOKENS = 128;

/** One window of `tokens` ids timed and compared on both backends (both warmed up by their proof windows). */
async function probeBoth(
  gpu: Pick<WindowScorer, 'scoreWindow'>,
  wasm: Pick<WindowScorer, 'scoreWindow'>,
  tokens: number,
  vocabSize = 1,
): Promise<BackendProbe> {
  const ids = probeIds(tokens, vocabSize);
  const onGpu = await timeWindow(gpu, ids);
  const onWasm = await timeWindow(wasm, ids);
  return {
    tokens,
    wasmMs: onWasm.ms,
    webgpuMs: onGpu.ms,
    differenceNats: largestDifference(onGpu.stats, onWasm.stats),
  };
}

/**
 * Whether WebGPU may run after its probe window: yes where it agrees with WASM within `allowed` nats, or
 * where the user insisted (`accept`); the disagreement, when there is one, for the backend line.
 * @example agreementVerdict({ tokens: 40, wasmMs: 1, webgpuMs: 9, differenceNats: 2.8 }, 1e-3, false) // { keepWebgpu: false, disagreement: { nats: 2.8, ... } }
 */
export function agreementVerdict(
  probe: BackendProbe,
  allowed: number,
  accept: boolean,
): { keepWebgpu: boolean; disagreement: BackendDisagreement | null } {
  if (probe.differenceNats <= allowed) return { keepWebgpu: true, disagreement: null };
  return {
    keepWebgpu: accept,
    disagreement: { nats: probe.differenceNats, tokens: probe.tokens, allowed, kept: accept },
  };
}

/** The backend line's reason when WASM runs because WebGPU's numbers disagreed with it. */
function disagreementReason(probe: BackendProbe, allowed: number, adapterName: string): string {
  return (
    `WebGPU's numbers disagreed with WASM's on this model: up to ${probe.differenceNats.toPrecision(3)} nats on a ` +
    `${probe.tokens}-token window (allowed ${allowed}), so WASM scores it (${adapterName})`
  );
}

/** A probe window's ids: spread over the vocabulary (the ids do not change the work, only the shapes do). */
function probeIds(tokens: number, vocabSize: number): Int32Array {
  const ids = new Int32Array(tokens);
  for (let i = 0; i < tokens; i++) ids[i] = (i * 7919 + 1) % Math.max(1, vocabSize);
  return ids;
}

async function timeWindow(
  scorer: Pick<WindowScorer, 'scoreWindow'>,
  ids: Int32Array,
): Promise<{ ms: number; stats: WindowStats }> {
  const t0 = performance.now();
  const stats = await scorer.scoreWindow({ ids, from: 0, k: 5 });
  return { ms: performance.now() - t0, stats };
}

/**
 * The largest difference, nats, between two backends' statistics of the same window: each target's
 * log-probability and each position's entropy. NaN anywhere counts as Infinity.
 * @example largestDifference(a, a) // 0
 */
export function largestDifference(
  a: Pick<WindowStats, 'logprob' | 'entropy'>,
  b: Pick<WindowStats, 'logprob' | 'entropy'>,
): number {
  if (a.logprob.length !== b.logprob.length) return Infinity;
  let worst = 0;
  for (const key of ['logprob', 'entropy'] as const) {
    for (let i = 0; i < a[key].length; i++) {
      const d = a[key][i] === b[key][i] ? 0 : Math.abs(a[key][i] - b[key][i]);
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
    }
  }
  return worst;
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
