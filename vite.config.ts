import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defaultClientConditions, defineConfig } from 'vite';
import { bundledAssets, CROSS_ORIGIN_ISOLATION } from './tools/vite-bundled-assets.ts';
import { serviceWorker } from './tools/vite-service-worker.ts';
import { watModules } from './tools/vite-wat.ts';

/**
 * WASM threads need cross-origin isolation (SharedArrayBuffer) on every server that hosts the app: a
 * static host must send COOP same-origin and COEP require-corp too, or the app runs WASM on one thread.
 */
const crossOriginIsolation = { ...CROSS_ORIGIN_ISOLATION };

export default defineConfig({
  // relative asset URLs: the build works from any static host and any sub-path
  base: './',
  // watModules: the scoring head's WebAssembly, assembled from src/lib/scoring/head.wat
  plugins: [svelte(), bundledAssets(), serviceWorker(), watModules()],
  resolve: {
    // onnxruntime-web's "extern wasm" entry points hold no `new URL('*.wasm', import.meta.url)`, so Vite
    // does not emit a second copy of the 15-27 MB binaries; src/lib/runtime points env.wasm.wasmPaths
    // at our own copy in ort/ (tools/vite-bundled-assets.ts)
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  // pre-bundling breaks onnxruntime-web's dynamic import of its loader (vitejs/vite#8427)
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['@huggingface/tokenizers', 'd3'] },
  // the worker (where scoring runs) is bundled apart, with its own plugins
  worker: { format: 'es', plugins: () => [watModules()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500 },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
});
