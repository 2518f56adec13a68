/**
 * WebAssembly text to bytes, by wabt (the WebAssembly Binary Toolkit's assembler, compiled to
 * WebAssembly): what tools/vite-wat.ts runs at build time, and what a `*.wat.ts` module runs on import
 * where no Vite is in between (the CLI under tsx).
 */
import fs from 'node:fs';
import wabtInit from 'wabt';

let wabt: ReturnType<typeof wabtInit> | undefined;

/**
 * The module in `text` (WebAssembly text, with the SIMD proposal), validated and encoded without a name
 * section. Throws with wabt's message, naming `filename` and the line, on a syntax or validation error.
 * @example const bytes = await assembleWat('(module (func (export "f")))', 'f.wat');
 */
export async function assembleWat(text: string, filename: string): Promise<Uint8Array<ArrayBuffer>> {
  const assembler = await (wabt ??= wabtInit());
  const module = assembler.parseWat(filename, text, { simd: true });
  try {
    module.resolveNames();
    module.validate();
    const { buffer } = module.toBinary({ canonicalize_lebs: true, write_debug_names: false });
    return Uint8Array.from(buffer);
  } finally {
    module.destroy();
  }
}

/** assembleWat of a file. */
export function assembleWatFile(file: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  return assembleWat(fs.readFileSync(file, 'utf8'), typeof file === 'string' ? file : file.pathname);
}
