import { describe, expect, it } from 'vitest';
import { formatBytes, GIB, logitsBytes, MAX_BUFFER_BYTES, planMemory, WASM_MEMORY_BYTES } from '../../src/lib/models/memory';

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
    const plan = planMemory({ files: [{ path: 'onnx/model_quantized.onnx', bytes: 500e6 }], nCtx: 32768, vocabSize: 151936 });
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
