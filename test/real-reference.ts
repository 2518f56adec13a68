/**
 * The independent reference for the real fp16 export (../shared/real/genai-builder-llama-fp16): the model
 * run by onnxruntime-node from its file path (ort finds model.onnx.data by itself, not through the app's
 * scanner), its feeds written out here, float16 decoded by definition and log-softmax in float64. Shared
 * by the unit test (test/unit/real-models.test.ts) and the e2e test (test/e2e/real-models.e2e.ts).
 */
import * as ort from 'onnxruntime-node';

/** IEEE 754 binary16, decoded by its definition (independent of src/lib/scoring/half.ts's table). */
export function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export interface ReferenceRow {
  /** log p(ids[r + 1]) from row r, nats */
  logprob: number;
  entropy: number;
  rank: number;
}

/** Per-row log p(target), entropy and rank from float64 logits (T, V). */
export function referenceRows(logits: Float64Array, ids: readonly number[]): ReferenceRow[] {
  const T = ids.length;
  const V = logits.length / T;
  const rows: ReferenceRow[] = [];
  for (let r = 0; r < T - 1; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const logZ = max + Math.log(sum);
    let entropy = 0;
    for (const x of row) entropy -= Math.exp(x - logZ) * (x - logZ);
    const target = row[ids[r + 1]];
    rows.push({ logprob: target - logZ, entropy, rank: 1 + row.filter((x) => x > target).length });
  }
  return rows;
}

/**
 * The genai-builder Llama at `onnxPath` run on `ids` (2 layers, 1 KV head of 16, empty fp16 past):
 * its logits' type, dims and raw float16 bits, and their values in float64.
 */
export async function genaiLlamaLogits(
  onnxPath: string,
  ids: readonly number[],
): Promise<{ type: string; dims: readonly number[]; bits: Uint16Array; values: Float64Array }> {
  const session = await ort.InferenceSession.create(onnxPath);
  try {
    const i64 = (values: number[]) =>
      new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: i64([...ids]),
      attention_mask: i64(ids.map(() => 1)),
      position_ids: i64(ids.map((_, i) => i)),
    };
    for (let layer = 0; layer < 2; layer++) {
      for (const kv of ['key', 'value'])
        feeds[`past_key_values.${layer}.${kv}`] = new ort.Tensor('float16', new Uint16Array(0), [1, 1, 0, 16]);
    }
    const out = (await session.run(feeds, ['logits'])).logits;
    const raw = out.data as ArrayBufferView;
    const bits = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    return { type: out.type, dims: out.dims, bits: bits.slice(), values: Float64Array.from(bits, decodeHalf) };
  } finally {
    await session.release();
  }
}
