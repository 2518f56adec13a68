/**
 * A Vite plugin that assembles WebAssembly text at build time: a module `X.wat.ts` beside a file `X.wat`
 * is replaced by the bytes of X.wat (`export default` a Uint8Array), assembled by wabt (tools/wat.ts).
 * The same in `vite build`, the dev server (which reloads when X.wat changes) and vitest. Run in Node
 * without Vite (the CLI under tsx), X.wat.ts itself assembles X.wat on import; either way X.wat is the
 * only source, and no assembled bytes are committed.
 */
import fs from 'node:fs';
import type { Plugin } from 'vite';
import { assembleWat } from './wat.ts';

export function watModules(): Plugin {
  return {
    name: 'perplexity-playground:wat',
    enforce: 'pre',
    async load(id) {
      const file = id.split('?')[0];
      if (!file.endsWith('.wat.ts')) return null;
      const wat = file.slice(0, -'.ts'.length);
      if (!fs.existsSync(wat)) return null;
      this.addWatchFile(wat);
      const bytes = await assembleWat(fs.readFileSync(wat, 'utf8'), wat);
      const base64 = Buffer.from(bytes).toString('base64');
      return [
        `// ${wat.split('/').pop()}, assembled by wabt at build time (tools/vite-wat.ts): ${bytes.length} bytes`,
        `const bytes = Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`,
        'export default bytes;',
      ].join('\n');
    },
  };
}
