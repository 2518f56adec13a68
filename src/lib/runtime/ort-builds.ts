/**
 * The two onnxruntime-web builds the app uses, each set up once per context (the WebGPU one loaded on demand):
 *
 *   wasm    `onnxruntime-web/wasm`    ort-wasm-simd-threaded.{mjs,wasm}            (~14 MB)
 *   webgpu  `onnxruntime-web/webgpu`  ort-wasm-simd-threaded.asyncify.{mjs,wasm}   (~27 MB)
 *           the native WebGPU build: TopK and the rest of the scoring head run on the GPU there
 *
 * A user who forces WASM never downloads the WebGPU binary. Each build has its own WASM instance, its
 * own `env` and its own run queue. The files come from our own server (tools/vite-bundled-assets.ts),
 * never from a CDN.
 */
import type * as OrtModule from 'onnxruntime-web';
// the WASM build is part of the worker's own file: every model needs it (Auto checks WebGPU against it), and
// fetching it apart would put two more round trips before its 14 MB binary is asked for
import * as ortWasm from 'onnxruntime-web/wasm';
import type { Backend } from './backends';
import type { GpuAdapterLike } from './capabilities';
import { RunQueue } from './run-queue';

export type Ort = typeof OrtModule;

export interface OrtBuild {
  ort: Ort;
  backend: Backend;
  /** Every session.run of this build goes through here. */
  queue: RunQueue;
  /** WASM threads this build was started with (fixed at its first session). */
  threads: number;
}

export interface OrtBuildOptions {
  /** Absolute URL of the folder that holds ort-wasm-simd-threaded*.{mjs,wasm}, ending in '/'. */
  wasmPrefix: string;
  /** WASM threads; takes effect only when the build is first loaded. @defaultValue 1 */
  threads?: number;
  /** A WebGPU adapter found by detectCapabilities, so ort does not request another. */
  adapter?: GpuAdapterLike | null;
}

const builds = new Map<Backend, Promise<OrtBuild>>();

/** The WebAssembly loader each build imports from wasmPrefix when its first session opens. */
const LOADER_FILES: Record<Backend, string> = {
  wasm: 'ort-wasm-simd-threaded.mjs',
  webgpu: 'ort-wasm-simd-threaded.asyncify.mjs',
};

/**
 * Load (once) the build for a backend and configure its environment before its first session.
 * @example const { ort, queue } = await loadOrtBuild('wasm', { wasmPrefix: 'https://host/app/ort/', threads: 4 });
 */
export function loadOrtBuild(backend: Backend, options: OrtBuildOptions): Promise<OrtBuild> {
  let build = builds.get(backend);
  if (!build) {
    // in a browser worker (where the app runs onnxruntime), the loader downloads with the build, not after
    // it: the first session's import of it finds it loaded, and the 14-27 MB binary is asked for a round
    // trip sooner (a failure shows there, in onnxruntime's own words)
    if ('WorkerGlobalScope' in globalThis) {
      void import(/* @vite-ignore */ `${options.wasmPrefix}${LOADER_FILES[backend]}`).catch(() => undefined);
    }
    build = importBuild(backend).then((ort) => configure(ort, backend, options));
    // a failed load may be retried (e.g. after a network hiccup)
    build.catch(() => builds.delete(backend));
    builds.set(backend, build);
  }
  return build;
}

function importBuild(backend: Backend): Promise<Ort> {
  switch (backend) {
    case 'wasm':
      return Promise.resolve(ortWasm as unknown as Ort);
    case 'webgpu':
      return import('onnxruntime-web/webgpu');
    default:
      throw new Error(`unknown backend "${backend as string}"`);
  }
}

function configure(ort: Ort, backend: Backend, options: OrtBuildOptions): OrtBuild {
  const threads = Math.max(1, options.threads ?? 1);
  ort.env.logLevel = 'error';
  ort.env.wasm.wasmPaths = options.wasmPrefix;
  ort.env.wasm.numThreads = threads;
  // we already run in a worker; ort's own proxy worker would only add a copy of every tensor
  ort.env.wasm.proxy = false;
  if (backend === 'webgpu' && options.adapter) {
    (ort.env.webgpu as { adapter: unknown }).adapter = options.adapter;
  }
  return { ort, backend, queue: new RunQueue(), threads };
}
