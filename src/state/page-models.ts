/**
 * The page's one model service (./model-service.ts), started by the page's first code (src/main.ts):
 * the inference worker starts at once and, where the model the app will open is a bundled one, loads it
 * before the app's own code is even fetched. The app's first load then finds it loading (or loaded).
 * Views reach the service through ./loaded-models.svelte.ts, which adds a reactive copy of what it holds.
 */
import { ModelService, type ModelSpec } from './model-service';
import type { BundledManifest, BundledModel } from '../lib/models/bundled-manifest';
import type { ModelRef } from '../worker/protocol';
import { parseShareHash } from '../lib/playground/share-link';
import { parseBackendPreference, type BackendPreference } from '../lib/runtime/backends';
import { BACKEND_SETTING, MODEL_SETTING, readSetting } from './storage';

export const modelService = new ModelService();

/** The backend and WASM threads the page asks for: the query (?backend=, ?threads=), else the saved setting. */
export function startupRuntime(search: string = location.search): { backend: BackendPreference; threads: number } {
  const query = new URLSearchParams(search);
  return {
    backend: parseBackendPreference(query.get('backend') ?? readSetting(BACKEND_SETTING)),
    threads: Number(query.get('threads') ?? 0) || 0,
  };
}

let manifest: { base: string; read: Promise<BundledManifest> } | null = null;

/**
 * models/manifest.json (read once per page; index.html preloads it), or an error that says what is wrong.
 * @example const { models, default: first } = await readManifest(assetsBase);
 */
export function readManifest(assetsBase: string): Promise<BundledManifest> {
  if (manifest?.base !== assetsBase) {
    const read = (async () => {
      const res = await fetch(new URL('models/manifest.json', assetsBase));
      if (!res.ok) throw new Error(`could not read the bundled models (HTTP ${res.status} for models/manifest.json)`);
      const parsed = (await res.json()) as BundledManifest;
      if (!Array.isArray(parsed.models) || parsed.models.length === 0)
        throw new Error('no bundled model is available (models/manifest.json is empty)');
      return parsed;
    })();
    manifest = { base: assetsBase, read };
    read.catch(() => {
      if (manifest?.read === read) manifest = null; // the app's own start asks again, and says why
    });
  }
  return manifest.read;
}

/**
 * The id the app opens first, before it knows the user's own models: the query's ?model=, else a share
 * link's, else the saved one. The app opens it where it is bundled or one of the user's models, else the
 * manifest's default.
 */
export function wantedModel(search: string = location.search, hash: string = location.hash): string | null {
  return new URLSearchParams(search).get('model') ?? parseShareHash(hash)?.model ?? readSetting(MODEL_SETTING);
}

/** Where a bundled model's folder is: models/<path> under the app. */
export function bundledModelRef(model: BundledModel, assetsBase: string): ModelRef {
  return { kind: 'url', url: new URL(`models/${model.path}`, assetsBase).href, name: model.id, onnx: model.onnx };
}

/**
 * How the app asks for a model: the runtime, and the test hooks the query names. The worker compares the
 * whole spec to take over a load it started early, so the page's first code and the app both use this.
 */
export function loadSpec(
  model: ModelRef,
  runtime: { backend: BackendPreference; threads: number },
  assetsBase: string,
  search: string = location.search,
): ModelSpec {
  const query = new URLSearchParams(search);
  return {
    model,
    backend: runtime.backend,
    threads: runtime.threads,
    webgpuFailAfterWindows: Number(query.get('fault-webgpu-after') ?? NaN) || undefined,
    probeSoftwareAdapter: query.get('probe-software-webgpu') === '1',
    assetsBase,
  };
}

/**
 * Start the inference worker and its runtime now: onnxruntime's 14 MB WebAssembly is fetched and compiled
 * while the page's code loads, and the bundled model the app will open (where that is known from the
 * manifest and the settings alone) starts loading with it. A backend the query names wrongly, or a model
 * the page cannot tell yet (one the user brought), starts only the runtime or nothing here; the app
 * loads and reports as it always does.
 */
export async function startEarly(assetsBase: string): Promise<void> {
  let runtime;
  try {
    runtime = startupRuntime();
  } catch {
    return; // the app's start names the bad value
  }
  let spec: ModelSpec | null = null;
  try {
    const { models, default: fallback } = await readManifest(assetsBase);
    const wanted = wantedModel();
    // a wanted id that is not bundled may be one of the user's models: the app decides, later
    const id = wanted === null || wanted === '' ? fallback : wanted;
    const model = models.find((m) => m.id === id);
    if (model) spec = loadSpec(bundledModelRef(model, assetsBase), runtime, assetsBase);
  } catch {
    // no manifest: the runtime still starts; the app's start says what is wrong
  }
  modelService.warm(runtime.backend, runtime.threads, assetsBase, spec);
}
