/**
 * GPT-2's reversible byte <-> character table ("bytes_to_unicode"): byte-level BPE vocabularies spell
 * every byte as one printable character, so a token's characters map back to exactly its bytes.
 */

/** (256) the character GPT-2 uses for each byte. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b); // '!' .. '~'
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b); // '¡' .. '¬'
  for (let b = 0xae; b <= 0xff; b++) printable.push(b); // '®' .. 'ÿ'
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  // the remaining bytes (controls, space, soft hyphen, ...) get code points 256, 257, ... in byte order
  let next = 256;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(next++);
  return table;
})();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/**
 * The bytes a byte-level token stands for, or null when one of its characters is not in the table
 * (the token is not byte-level, e.g. an added token such as `<|endoftext|>`).
 * @example byteLevelTokenBytes('Ġthe') // Uint8Array [0x20, 0x74, 0x68, 0x65]
 */
export function byteLevelTokenBytes(token: string): Uint8Array | null {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return null;
    bytes[i] = b;
  }
  return bytes;
}
