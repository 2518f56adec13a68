/**
 * The memory guard: what a model needs (its weights, plus the logits of one window, n_ctx x vocab x 4
 * bytes, 2 for float16 logits) against what onnxruntime-web can hold, decided before a byte of weights is downloaded.
 *
 *   - one ArrayBuffer holds at most 2 GiB: a weights file (or the logits copied back) larger than that
 *     cannot be handed to the runtime in one piece;
 *   - a WASM instance addresses at most 4 GiB: the weights, the logits the graph writes and a copy of
 *     them (the MatMul output, then the graph output) live there together with the activations.
 *
 * When the weights fit but a full window's logits would not, the window shrinks (the user is told);
 * when not even a small window fits, the model is refused with both sizes named.
 */

import { formatBytes } from '../format';

export const GIB = 2 ** 30;
/** The largest ArrayBuffer the runtime is handed in one piece (Chromium's and V8's practical limit). */
export const MAX_BUFFER_BYTES = 2 * GIB;
/** A wasm32 instance's address space. */
export const WASM_MEMORY_BYTES = 4 * GIB;
/** Activations, the runtime's own arenas and the WASM code: a flat allowance. */
export const RUNTIME_OVERHEAD_BYTES = 256 * 2 ** 20;
/** Below this many tokens a window is not worth scoring with: the model is refused instead. */
export const MIN_WINDOW = 64;

export interface MemoryRequest {
  /** Sizes of the weights files (the .onnx and its external data files), bytes. */
  files: readonly { path: string; bytes: number }[];
  /** config.json's context length. */
  nCtx: number;
  vocabSize: number;
  /** Bytes per logit: 4 for float32 logits, 2 for float16 (fp16 / q4f16 exports). @defaultValue 4 */
  logitsElementBytes?: number;
}

export interface MemoryPlan {
  weightsBytes: number;
  /** Logits of one window at the planned window, bytes (window x vocab x bytes per logit). */
  logitsBytes: number;
  /** WASM memory the model needs at the planned window (weights + 2 x logits + overhead). */
  wasmBytes: number;
  /** Tokens per window: n_ctx, or fewer when the logits would not fit. */
  window: number;
  /** False: the model cannot be loaded; `message` says why. */
  fits: boolean;
  /** Why it does not fit, or why the window is smaller than n_ctx; null when all is well. */
  message: string | null;
}


/**
 * Logits of one forward pass over `tokens` tokens (batch 1; float32 unless told 2 bytes, float16).
 * @example logitsBytes(256, 1280) // 1310720
 */
export function logitsBytes(tokens: number, vocabSize: number, elementBytes = 4): number {
  return tokens * vocabSize * elementBytes;
}

/**
 * Plan a model's memory: fits or not, and the window to score with.
 * @example planMemory({ files: [{ path: 'onnx/model.onnx', bytes: 8e6 }], nCtx: 256, vocabSize: 1280 }).window // 256
 */
export function planMemory(request: MemoryRequest): MemoryPlan {
  const { nCtx, vocabSize } = request;
  const bytesPer = request.logitsElementBytes ?? 4;
  const weightsBytes = request.files.reduce((sum, f) => sum + f.bytes, 0);
  const refuse = (message: string, window = nCtx): MemoryPlan => {
    const logits = logitsBytes(window, vocabSize, bytesPer);
    return { weightsBytes, logitsBytes: logits, wasmBytes: weightsBytes + 2 * logits + RUNTIME_OVERHEAD_BYTES, window, fits: false, message };
  };
  const tooBig = request.files.find((f) => f.bytes > MAX_BUFFER_BYTES);
  if (tooBig) {
    return refuse(
      `${tooBig.path} is ${formatBytes(tooBig.bytes)}, more than the ${formatBytes(MAX_BUFFER_BYTES)} the browser ` +
        'hands the runtime in one piece: use an export with external weights (*.onnx_data) or a quantized variant',
    );
  }
  const room = WASM_MEMORY_BYTES - RUNTIME_OVERHEAD_BYTES - weightsBytes;
  // the logits exist twice in WASM memory and once more as the JavaScript copy (one ArrayBuffer)
  const logitsBudget = Math.min(MAX_BUFFER_BYTES, room / 2);
  const maxWindow = logitsBudget > 0 ? Math.floor(logitsBudget / (vocabSize * bytesPer)) : 0;
  if (maxWindow < Math.min(MIN_WINDOW, nCtx)) {
    return refuse(
      `this model needs more memory than the WASM backend has: ${formatBytes(weightsBytes)} of weights plus ` +
        `${formatBytes(logitsBytes(Math.min(MIN_WINDOW, nCtx), vocabSize, bytesPer))} of logits for even a ${Math.min(MIN_WINDOW, nCtx)}-token ` +
        `window, against ${formatBytes(WASM_MEMORY_BYTES)} of WASM memory: try a quantized variant or a smaller model`,
      Math.min(MIN_WINDOW, nCtx),
    );
  }
  // round a reduced window down to a multiple of 64 tokens: tidy numbers, and no odd tail
  const window = maxWindow >= nCtx ? nCtx : maxWindow >= 128 ? maxWindow - (maxWindow % 64) : maxWindow;
  const logits = logitsBytes(window, vocabSize, bytesPer);
  const message =
    window < nCtx
      ? `Scoring with ${window}-token windows instead of the model's ${nCtx}: the logits of a full window ` +
        `(${nCtx} x ${vocabSize} x ${bytesPer} bytes = ${formatBytes(logitsBytes(nCtx, vocabSize, bytesPer))}) would not fit in memory ` +
        `next to ${formatBytes(weightsBytes)} of weights.`
      : null;
  return { weightsBytes, logitsBytes: logits, wasmBytes: weightsBytes + 2 * logits + RUNTIME_OVERHEAD_BYTES, window, fits: true, message };
}

/** Bytes per element of the tensor types a window's large tensors come in. */
export const ELEMENT_BYTES = { float32: 4, float16: 2 } as const;

/** The per-buffer limits of a WebGPU adapter (src/lib/runtime/capabilities.ts GpuBufferLimits), bytes. */
export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface GpuWindowRequest {
  /** The window planned so far (the context, or what the WASM guard allowed). */
  window: number;
  vocabSize: number;
  /** Bytes per logit: 4 for float32 logits, 2 for float16. */
  logitsElementBytes: number;
  limits: GpuLimits;
  /** Attention scores [1, heads, T, T] where the heads are known (an unfused attention, or a fused kernel's scratch). */
  attention?: { heads: number; elementBytes: number } | null;
  /** One layer's key or value [1, kvHeads, T, headDim], where known. */
  kv?: { heads: number; headDim: number; elementBytes: number } | null;
  /** The largest weight, which must fit one buffer whatever the window. */
  largestWeight?: { name: string; bytes: number } | null;
}

export interface GpuWindowPlan {
  /** Tokens per window on WebGPU: `window`, or fewer so that every tensor fits one buffer. */
  window: number;
  /** False: WebGPU cannot run the model at all (`message` says which limit); WASM may. */
  fits: boolean;
  /** Why WebGPU cannot run it, or why its window is smaller; null when all fits. */
  message: string | null;
}

/**
 * The WebGPU side of the memory guard: every large tensor of a window (logits [1, T, V] at their dtype,
 * attention scores [1, heads, T, T], a layer's KV [1, kvHeads, T, headDim]) and the largest weight against
 * the adapter's maxBufferSize and maxStorageBufferBindingSize. Caps the window (to a multiple of 64 from
 * 128 tokens) or says that WebGPU cannot hold the model, naming the limit.
 * @example planGpuWindow({ window: 2048, vocabSize: 151936, logitsElementBytes: 2, limits: { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 } }).window // 384
 */
export function planGpuWindow(request: GpuWindowRequest): GpuWindowPlan {
  const { window, vocabSize, limits } = request;
  const storage = limits.maxStorageBufferBindingSize <= limits.maxBufferSize;
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const limitText = `this WebGPU adapter's ${storage ? 'maxStorageBufferBindingSize' : 'maxBufferSize'} of ${formatBytes(limit)}`;
  const weight = request.largestWeight;
  if (weight && weight.bytes > limit) {
    return { window, fits: false, message: `WebGPU cannot hold the weight ${weight.name} (${formatBytes(weight.bytes)}) in one buffer: ${limitText}` };
  }
  const dtype = (bytes: number) => (bytes === 2 ? 'float16' : bytes === 4 ? 'float32' : `${bytes}-byte`);
  // each tensor's size at T tokens, and the most tokens it allows
  const tensors: { what: (T: number) => string; bytes: (T: number) => number; maxTokens: number }[] = [
    {
      what: (T) => `logits [1, ${T}, ${vocabSize}] ${dtype(request.logitsElementBytes)}`,
      bytes: (T) => T * vocabSize * request.logitsElementBytes,
      maxTokens: Math.floor(limit / (vocabSize * request.logitsElementBytes)),
    },
  ];
  const att = request.attention;
  if (att && att.heads > 0) {
    tensors.push({
      what: (T) => `attention scores [1, ${att.heads}, ${T}, ${T}] ${dtype(att.elementBytes)}`,
      bytes: (T) => att.heads * T * T * att.elementBytes,
      maxTokens: Math.floor(Math.sqrt(limit / (att.heads * att.elementBytes))),
    });
  }
  const kv = request.kv;
  if (kv && kv.heads > 0 && kv.headDim > 0) {
    tensors.push({
      what: (T) => `a layer's keys [1, ${kv.heads}, ${T}, ${kv.headDim}] ${dtype(kv.elementBytes)}`,
      bytes: (T) => kv.heads * T * kv.headDim * kv.elementBytes,
      maxTokens: Math.floor(limit / (kv.heads * kv.headDim * kv.elementBytes)),
    });
  }
  const binding = tensors.reduce((a, b) => (b.maxTokens < a.maxTokens ? b : a));
  if (binding.maxTokens >= window) return { window, fits: true, message: null };
  const smallest = Math.min(MIN_WINDOW, window);
  if (binding.maxTokens < smallest) {
    return {
      window,
      fits: false,
      message: `WebGPU cannot score even a ${smallest}-token window: its ${binding.what(smallest)} take ${formatBytes(binding.bytes(smallest))}, more than ${limitText}`,
    };
  }
  const max = binding.maxTokens;
  const capped = max >= 128 ? max - (max % 64) : max;
  return {
    window: capped,
    fits: true,
    message:
      `Scoring with ${capped}-token windows instead of ${window} on WebGPU: a full window's ${binding.what(window)} ` +
      `(${formatBytes(binding.bytes(window))}) would not fit ${limitText}.`,
  };
}
