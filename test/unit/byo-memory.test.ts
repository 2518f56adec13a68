import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/lib/format';
import {
  GIB,
  logitsBytes,
  MAX_BUFFER_BYTES,
  planGpuWindow,
  planMemory,
  WASM_MEMORY_BYTES,
} from '../../src/lib/models/memory';
import { largestInitializer } from '../../src/lib/models/onnx-proto';

describe('memory guard', () => {
  it('a tiny model fits with its full window (tiny-bpe1k: 8.3 MB, 256 x 1280 logits)', () => {
    const plan = planMemory({ files: [{ path: 'onnx/model.onnx', bytes: 8_348_238 }], nCtx: 256, vocabSize: 1280 });
    expect(plan).toMatchObject({ fits: true, window: 256, message: null, logitsBytes: 256 * 1280 * 4 });
    expect(plan.wasmBytes).toBeLessThan(WASM_MEMORY_BYTES);
  });

  it('GPT-2 small (498 MB fp32, 1024 x 50257) fits at full context', () => {
    const plan = planMemory({ files: [{ path: 'onnx/model.onnx', bytes: 498e6 }], nCtx: 1024, vocabSize: 50257 });
    expect(plan.fits).toBe(true);
    expect(plan.window).toBe(1024);
    expect(plan.logitsBytes).toBe(logitsBytes(1024, 50257)); // 206 MB
  });

  it('a long context with a large vocabulary gets a smaller window, and says why', () => {
    // Qwen-style: 151,936 tokens x 32,768 context = 19.9 GB of logits per full window
    const plan = planMemory({
      files: [{ path: 'onnx/model_quantized.onnx', bytes: 500e6 }],
      nCtx: 32768,
      vocabSize: 151936,
    });
    expect(plan.fits).toBe(true);
    expect(plan.window).toBeLessThan(32768);
    expect(plan.window % 64).toBe(0);
    // the reduced window's logits fit one ArrayBuffer, and twice over in WASM memory next to the weights
    expect(plan.logitsBytes).toBeLessThanOrEqual(MAX_BUFFER_BYTES);
    expect(plan.wasmBytes).toBeLessThanOrEqual(WASM_MEMORY_BYTES);
    expect(plan.message).toMatch(/-token windows instead of the model's 32768/);
    expect(plan.message).toContain('151936');
  });

  it('refuses one file over 2 GB (one ArrayBuffer), naming the file and the limit', () => {
    const plan = planMemory({ files: [{ path: 'onnx/model.onnx', bytes: 2.5 * GIB }], nCtx: 2048, vocabSize: 32000 });
    expect(plan.fits).toBe(false);
    expect(plan.message).toMatch(/onnx\/model\.onnx is 2\.7 GB.*2\.1 GB.*onnx_data/);
  });

  it('refuses weights that leave no room in 4 GB of WASM memory, even split into external data', () => {
    const plan = planMemory({
      files: [
        { path: 'onnx/model.onnx', bytes: 1e6 },
        { path: 'onnx/model.onnx_data', bytes: 1.9 * GIB },
        { path: 'onnx/model.onnx_data_1', bytes: 1.9 * GIB },
      ],
      nCtx: 2048,
      vocabSize: 128256,
    });
    expect(plan.fits).toBe(false);
    expect(plan.message).toMatch(/more memory than the WASM backend has/);
  });

  it('formats bytes for people', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(8_348_238)).toBe('8.3 MB');
    expect(formatBytes(5e9)).toBe('5.0 GB');
  });
});

describe('memory guard: float16 logits take 2 bytes each', () => {
  it('plans float16 logits at half the bytes of float32, so a larger window fits WASM', () => {
    const request = { files: [{ path: 'onnx/model_q4f16.onnx', bytes: 500e6 }], nCtx: 32768, vocabSize: 151936 };
    const f32 = planMemory(request);
    const f16 = planMemory({ ...request, logitsElementBytes: 2 });
    expect(f16.logitsBytes).toBe(logitsBytes(f16.window, 151936, 2));
    expect(f16.window).toBeGreaterThanOrEqual(2 * f32.window - 64); // both rounded down to a multiple of 64
    expect(f16.message).toContain('151936 x 2 bytes');
    expect(f32.message).toContain('151936 x 4 bytes');
  });
});

describe('WebGPU memory guard (planGpuWindow): a window against the adapter buffer limits', () => {
  const MIB = 2 ** 20;
  // the WebGPU spec's default limits, which an adapter reports at least
  const defaults = { maxBufferSize: 256 * MIB, maxStorageBufferBindingSize: 128 * MIB };
  // a typical discrete GPU on Chromium: 2 GiB bindings, 4 GiB buffers
  const large = { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB - 4 };

  it('leaves a window that fits alone (tiny-bpe1k: 256 x 1280 float32 = 1.3 MB)', () => {
    expect(planGpuWindow({ window: 256, vocabSize: 1280, logitsElementBytes: 4, limits: defaults })).toEqual({
      window: 256,
      fits: true,
      message: null,
    });
  });

  it('caps GPT-2 (1024 x 50257 float32 logits = 206 MB) under a 128 MiB binding, naming the limit', () => {
    const plan = planGpuWindow({ window: 1024, vocabSize: 50257, logitsElementBytes: 4, limits: defaults });
    // floor(128 MiB / (50257 x 4)) = 667 tokens, down to a multiple of 64
    expect(plan).toMatchObject({ window: 640, fits: true });
    expect(plan.window * 50257 * 4).toBeLessThanOrEqual(128 * MIB);
    expect(plan.message).toBe(
      "Scoring with 640-token windows instead of 1024 on WebGPU: a full window's logits [1, 1024, 50257] float32 (206 MB) " +
        "would not fit this WebGPU adapter's maxStorageBufferBindingSize of 134 MB.",
    );
    // and not under 2 GiB
    expect(planGpuWindow({ window: 1024, vocabSize: 50257, logitsElementBytes: 4, limits: large }).window).toBe(1024);
  });

  it('counts float16 logits at 2 bytes: twice the window of float32 under the same limit', () => {
    const f32 = planGpuWindow({ window: 2048, vocabSize: 151936, logitsElementBytes: 4, limits: defaults });
    const f16 = planGpuWindow({ window: 2048, vocabSize: 151936, logitsElementBytes: 2, limits: defaults });
    expect(f32.window).toBe(192); // floor(134217728 / 607744) = 220
    expect(f16.window).toBe(384); // floor(134217728 / 303872) = 441
    expect(f16.message).toContain('[1, 2048, 151936] float16');
  });

  it('names maxBufferSize where it is the smaller limit', () => {
    const plan = planGpuWindow({
      window: 1024,
      vocabSize: 50257,
      logitsElementBytes: 4,
      limits: { maxBufferSize: 64 * MIB, maxStorageBufferBindingSize: 128 * MIB },
    });
    expect(plan.window).toBe(320); // floor(67108864 / 201028) = 333
    expect(plan.message).toContain('maxBufferSize of 67.1 MB');
  });

  it('caps by the attention scores [1, heads, T, T] where they bind before the logits', () => {
    // 32 heads, float32, small vocabulary: T^2 x 128 bytes <= 128 MiB at T <= 1024
    const plan = planGpuWindow({
      window: 4096,
      vocabSize: 1000,
      logitsElementBytes: 4,
      limits: defaults,
      attention: { heads: 32, elementBytes: 4 },
      kv: { heads: 8, headDim: 128, elementBytes: 4 },
    });
    expect(plan.window).toBe(1024);
    expect(plan.message).toContain('attention scores [1, 32, 4096, 4096] float32 (2.1 GB)');
  });

  it('refuses WebGPU (WASM may still run) when not even a 64-token window fits, or a weight is too large', () => {
    const tiny = { maxBufferSize: 1 * MIB, maxStorageBufferBindingSize: 1 * MIB };
    const window = planGpuWindow({ window: 2048, vocabSize: 151936, logitsElementBytes: 2, limits: tiny });
    expect(window.fits).toBe(false);
    expect(window.message).toBe(
      "WebGPU cannot score even a 64-token window: its logits [1, 64, 151936] float16 take 19.4 MB, more than this WebGPU adapter's maxStorageBufferBindingSize of 1.0 MB",
    );
    const weight = planGpuWindow({
      window: 256,
      vocabSize: 1280,
      logitsElementBytes: 4,
      limits: defaults,
      largestWeight: { name: 'model.embed_tokens.weight', bytes: 151936 * 896 * 4 },
    });
    expect(weight).toMatchObject({ fits: false, window: 256 });
    expect(weight.message).toBe(
      "WebGPU cannot hold the weight model.embed_tokens.weight (545 MB) in one buffer: this WebGPU adapter's maxStorageBufferBindingSize of 134 MB",
    );
  });

  it('sizes weights by their element type (4-bit packed, float16, float32)', () => {
    const t = (name: string, type: string, dims: number[]) => ({ name, type, dims, external: null });
    expect(
      largestInitializer({
        initializers: [t('a', 'float32', [10, 10]), t('b', 'float16', [300]), t('c', 'int4', [2000])],
      }),
    ).toEqual({ name: 'c', bytes: 1000 });
    expect(largestInitializer({ initializers: [t('s', 'string', [1e6])] })).toBeNull();
  });
});
