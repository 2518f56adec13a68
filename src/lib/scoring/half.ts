/**
 * Logits in 16-bit floats (float16 from fp16 / q4f16 exports, bfloat16), as the runtime hands them over:
 * the raw bits in a Uint16Array. Every float16 and bfloat16 value is exactly a float32, so widening a row
 * loses nothing; the CPU scoring head widens one row at a time into a scratch row (log-softmax.ts).
 */

/** Logits the runtime returned as 16-bit floats: (T, V) row-major raw bits. */
export interface HalfLogits {
  readonly type: 'float16' | 'bfloat16';
  readonly bits: Uint16Array;
}

/** Logits as the CPU head takes them: float32, or 16-bit floats as they came. */
export type LogitsData = Float32Array | HalfLogits;

let float16Table: Float32Array | null = null;

/** float32 of every float16 bit pattern (256 KB, made once): a row widens by one lookup per logit. */
function float16Values(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      bits[h] = sign | 0x7f800000 | (mantissa << 13); // Infinity, NaN
    } else if (exponent === 0) {
      table[h] = (sign ? -1 : 1) * mantissa * 2 ** -24; // zero and subnormals: exact in float32
    } else {
      bits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13); // rebias 15 -> 127
    }
  }
  float16Table = table;
  return table;
}

/**
 * The value of one float16 bit pattern.
 * @example float16Value(0x3c00) // 1
 */
export function float16Value(h: number): number {
  return float16Values()[h & 0xffff];
}

/**
 * Widen `count` 16-bit floats from `src` at `at` into `dst` (from 0).
 * @example widenHalf({ type: 'float16', bits: Uint16Array.of(0x3c00, 0xc000) }, 0, 2, out) // out = [1, -2]
 */
export function widenHalf(src: HalfLogits, at: number, count: number, dst: Float32Array): void {
  const bits = src.bits;
  if (src.type === 'float16') {
    const table = float16Values();
    for (let i = 0; i < count; i++) dst[i] = table[bits[at + i]];
  } else {
    const out = new Uint32Array(dst.buffer, dst.byteOffset, count);
    for (let i = 0; i < count; i++) out[i] = bits[at + i] << 16; // bfloat16 is float32's upper half
  }
}

/** Number of logits held, whatever their type. */
export const logitsLength = (logits: LogitsData): number =>
  logits instanceof Float32Array ? logits.length : logits.bits.length;

/**
 * A runtime tensor's float16 / bfloat16 data as raw bits: a Uint16Array as ort hands it over where the
 * platform has no Float16Array, or a Float16Array's bytes where it does.
 */
export function halfBits(data: ArrayBufferView): Uint16Array {
  return data instanceof Uint16Array ? data : new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1);
}
