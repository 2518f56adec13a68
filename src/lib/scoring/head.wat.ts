/**
 * The scoring head's WebAssembly module (head.wat), as bytes. In the app, the dev server and vitest,
 * tools/vite-wat.ts replaces this module with the bytes assembled at build time (wabt stays out of the
 * bundle); run in Node without Vite (the CLI under tsx), it assembles head.wat on import.
 */
import { assembleWatFile } from '../../../tools/wat.ts';

const bytes: Uint8Array<ArrayBuffer> = await assembleWatFile(new URL('./head.wat', import.meta.url));
export default bytes;
