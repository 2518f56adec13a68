/**
 * UTF-8 helpers that agree with TextEncoder (a lone surrogate counts as U+FFFD, 3 bytes), without
 * allocating the encoded bytes.
 */

/**
 * Number of UTF-8 bytes TextEncoder would produce for `text`.
 * @example utf8ByteLength('héllo 👋') // 11
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3; // BMP character, or a lone surrogate encoded as U+FFFD
  }
  return bytes;
}

/**
 * Number of Unicode code points in `text` (a lone surrogate counts as one).
 * @example codePointLength('a👋') // 2
 */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    count++;
  }
  return count;
}

export const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
export const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * Append the UTF-8 bytes of one code point to `out` at `at`; returns the new end. Surrogate code
 * points (lone surrogates) are written as U+FFFD, as TextEncoder does.
 * @example const b = new Uint8Array(4); writeCodePointUtf8(0x1f44b, b, 0) // 4
 */
export function writeCodePointUtf8(codePoint: number, out: Uint8Array, at: number): number {
  let cp = codePoint;
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) {
    out[at++] = cp;
  } else if (cp < 0x800) {
    out[at++] = 0xc0 | (cp >> 6);
    out[at++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[at++] = 0xe0 | (cp >> 12);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  } else {
    out[at++] = 0xf0 | (cp >> 18);
    out[at++] = 0x80 | ((cp >> 12) & 0x3f);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  }
  return at;
}
