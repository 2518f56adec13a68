/**
 * A Vite plugin that serves, and copies into the build, the large static files the app fetches at run
 * time, none from a CDN:
 *
 *   ort/ort-wasm-simd-threaded{,.asyncify}.{mjs,wasm}   onnxruntime-web's loaders and binaries
 *                                                        (plain WASM build and native WebGPU build)
 *   models/manifest.json                                 the bundled models (src/lib/models/bundled-manifest.ts)
 *   models/<id>/{config.json, tokenizer*.json, onnx/*.onnx}
 *
 * They are copied after the bundle is written instead of going through Rollup, so the 15-27 MB binaries
 * are never held in the bundle graph. The dev and preview servers send COOP/COEP headers (set in
 * vite.config.ts) so WASM threads work.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin, ResolvedConfig } from 'vite';
import {
  makeManifest,
  manifestEntry,
  REQUIRED_MODEL_FILES,
  SERVED_MODEL_FILES,
  SNAPSHOTS_FILE,
  snapshotEntries,
  quantizedEntry,
  type BundledManifest,
  type BundledModel,
} from '../src/lib/models/bundled-manifest.ts';

/** Training snapshots' weights files, served next to onnx/model.onnx (snapshots.json names them). */
const SNAPSHOT_FILE = /^onnx\/snapshot_\d+\.onnx$/;

/** The onnxruntime-web files src/lib/runtime loads through `env.wasm.wasmPaths`. */
export const ORT_FILES = [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
] as const;

export interface BundledAssetsOptions {
  /** Folder of model folders. @defaultValue `<root>/models` */
  modelsDir?: string;
  /** onnxruntime-web's dist folder. @defaultValue `<root>/node_modules/onnxruntime-web/dist` */
  ortDistDir?: string;
}

/** WASM threads need cross-origin isolation; ort's .mjs also starts the thread workers. */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const MIME: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
};

/** Read every complete model folder; incomplete ones (still training) are skipped with a warning. */
export function scanModels(modelsDir: string, warn: (msg: string) => void = () => {}): BundledManifest {
  const models: BundledModel[] = [];
  const ids = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).sort() : [];
  for (const id of ids) {
    const dir = path.join(modelsDir, id);
    if (!fs.statSync(dir).isDirectory()) continue;
    const missing = REQUIRED_MODEL_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length) {
      warn(`models/${id}: not bundled, missing ${missing.join(', ')}`);
      continue;
    }
    const files: Record<string, number> = {};
    for (const f of SERVED_MODEL_FILES) {
      const p = path.join(dir, f);
      if (fs.existsSync(p)) files[f] = fs.statSync(p).size;
    }
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const tokenizer = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const entry = manifestEntry(id, config, tokenizer, files);
    models.push(entry);
    const quantized = quantizedEntry(entry);
    if (quantized) models.push(quantized);
    const listFile = path.join(dir, SNAPSHOTS_FILE);
    if (fs.existsSync(listFile)) {
      const list = JSON.parse(fs.readFileSync(listFile, 'utf8'));
      const sizes: Record<string, number> = {};
      for (const s of list.snapshots ?? []) {
        const p = path.join(dir, String(s.file));
        if (fs.existsSync(p)) sizes[s.file] = fs.statSync(p).size;
      }
      models.push(...snapshotEntries(entry, list, sizes));
    }
  }
  return makeManifest(models);
}

/** Map a served URL path (below the base) to a file on disk, or null. */
function resolveServed(urlPath: string, modelsDir: string, ortDistDir: string): string | null {
  const ort = /^\/?ort\/([^/]+)$/.exec(urlPath);
  if (ort) return (ORT_FILES as readonly string[]).includes(ort[1]) ? path.join(ortDistDir, ort[1]) : null;
  const model = /^\/?models\/([\w.-]+)\/(.+)$/.exec(urlPath);
  if (model && ((SERVED_MODEL_FILES as readonly string[]).includes(model[2]) || SNAPSHOT_FILE.test(model[2]))) {
    return path.join(modelsDir, model[1], model[2]);
  }
  return null;
}

export function bundledAssets(options: BundledAssetsOptions = {}): Plugin {
  let config: ResolvedConfig;
  let modelsDir = '';
  let ortDistDir = '';

  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    // the headers of vite.config.ts's server.headers do not reach responses made here
    for (const [name, value] of Object.entries(CROSS_ORIGIN_ISOLATION)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://x');
    // the dev server strips nothing for base './'; the preview server serves under the base
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '/');
    if (rel === '/models/manifest.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(JSON.stringify(scanModels(modelsDir), null, 1));
      return;
    }
    const file = resolveServed(rel, modelsDir, ortDistDir);
    if (!file || !fs.existsSync(file)) return next();
    res.setHeader('Content-Type', MIME[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(fs.statSync(file).size));
    fs.createReadStream(file).pipe(res);
  };

  return {
    name: 'perplexity-playground:bundled-assets',
    configResolved(resolved) {
      config = resolved;
      modelsDir = path.resolve(config.root, options.modelsDir ?? process.env.PP_MODELS_DIR ?? 'models');
      ortDistDir = path.resolve(config.root, options.ortDistDir ?? 'node_modules/onnxruntime-web/dist');
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    writeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      const copy = (from: string, to: string) => {
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(from, to);
      };
      for (const f of ORT_FILES) copy(path.join(ortDistDir, f), path.join(outDir, 'ort', f));
      const manifest = scanModels(modelsDir, (msg) => config.logger.warn(msg));
      for (const m of manifest.models) {
        for (const f of Object.keys(m.files))
          copy(path.join(modelsDir, m.path, f), path.join(outDir, 'models', m.path, f));
      }
      fs.mkdirSync(path.join(outDir, 'models'), { recursive: true });
      fs.writeFileSync(path.join(outDir, 'models', 'manifest.json'), JSON.stringify(manifest, null, 1));
      const sizes = new Map(
        manifest.models.flatMap((m) => Object.entries(m.files).map(([f, n]) => [m.path + f, n] as const)),
      );
      const total = [...sizes.values()].reduce((a, b) => a + b, 0);
      config.logger.info(
        `bundled models: ${manifest.models.map((m) => m.id).join(', ') || '(none)'} ` +
          `(${(total / 1e6).toFixed(1)} MB), onnxruntime-web files in ort/`,
      );
    },
  };
}
