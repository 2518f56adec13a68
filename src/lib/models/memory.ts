/**
 * The memory guard: what a model needs (its weights, plus the logits of one window, n_ctx x vocab x 4
 * bytes) against what onnxruntime-web can hold, decided before a byte of weights is downloaded.
 *
 *   - one ArrayBuffer holds at most 2 GiB: a weights file (or the logits copied back) larger than that
 *     cannot be handed to the runtime in one piece;
 *   - a WASM instance addresses at most 4 GiB: the weights, the logits the graph writes and a copy of
 *     them (the MatMul output, then the graph output) live there together with the activations.
 *
 * When the weights fit but a full window's logits would not, the window shrinks (the user is told);
 * when not even a small window fits, the model is refused with both sizes named.
 */

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
}

export interface MemoryPlan {
  weightsBytes: number;
  /** Logits of one window at the planned window, bytes (window x vocab x 4). */
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
 * Bytes as the user reads them: "8.3 MB", "2.5 GB".
 * @example formatBytes(8_348_238) // '8.3 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '? B';
  if (bytes < 1e3) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1e3;
  let u = 0;
  while (v >= 1e3 && u < units.length - 1) {
    v /= 1e3;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/**
 * Logits of one forward pass over `tokens` tokens (batch 1, float32).
 * @example logitsBytes(256, 1280) // 1310720
 */
export function logitsBytes(tokens: number, vocabSize: number): number {
  return tokens * vocabSize * 4;
}

/**
 * Plan a model's memory: fits or not, and the window to score with.
 * @example planMemory({ files: [{ path: 'onnx/model.onnx', bytes: 8e6 }], nCtx: 256, vocabSize: 1280 }).window // 256
 */
export function planMemory(request: MemoryRequest): MemoryPlan {
  const { nCtx, vocabSize } = request;
  const weightsBytes = request.files.reduce((sum, f) => sum + f.bytes, 0);
  const refuse = (message: string, window = nCtx): MemoryPlan => {
    const logits = logitsBytes(window, vocabSize);
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
  const maxWindow = logitsBudget > 0 ? Math.floor(logitsBudget / (vocabSize * 4)) : 0;
  if (maxWindow < Math.min(MIN_WINDOW, nCtx)) {
    return refuse(
      `this model needs more memory than the WASM backend has: ${formatBytes(weightsBytes)} of weights plus ` +
        `${formatBytes(logitsBytes(Math.min(MIN_WINDOW, nCtx), vocabSize))} of logits for even a ${Math.min(MIN_WINDOW, nCtx)}-token ` +
        `window, against ${formatBytes(WASM_MEMORY_BYTES)} of WASM memory: try a quantized variant or a smaller model`,
      Math.min(MIN_WINDOW, nCtx),
    );
  }
  // round a reduced window down to a multiple of 64 tokens: tidy numbers, and no odd tail
  const window = maxWindow >= nCtx ? nCtx : maxWindow >= 128 ? maxWindow - (maxWindow % 64) : maxWindow;
  const logits = logitsBytes(window, vocabSize);
  const message =
    window < nCtx
      ? `Scoring with ${window}-token windows instead of the model's ${nCtx}: the logits of a full window ` +
        `(${nCtx} x ${vocabSize} x 4 bytes = ${formatBytes(logitsBytes(nCtx, vocabSize))}) would not fit in memory ` +
        `next to ${formatBytes(weightsBytes)} of weights.`
      : null;
  return { weightsBytes, logitsBytes: logits, wasmBytes: weightsBytes + 2 * logits + RUNTIME_OVERHEAD_BYTES, window, fits: true, message };
}
