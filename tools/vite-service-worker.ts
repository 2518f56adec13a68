/**
 * A Vite plugin that writes dist/sw.js (src/offline/sw.js with the build's id and precache list filled
 * in) after every other file of the build is in place, so that the second visit, and offline use, need
 * no network. See src/offline/sw.js for the caching rules.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import type { BundledManifest } from '../src/lib/models/bundled-manifest.ts';

const SOURCE = path.join(import.meta.dirname, '..', 'src', 'offline', 'sw.js');
/** Scripts and styles above this size are loaded on demand (real tokenizers): cached on first use only. */
const PRECACHE_MAX_ASSET_BYTES = 600_000;
/** The WASM runtime the first screen opens (the WebGPU build is cached when first used). */
const PRECACHE_ORT = ['ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm'];

function filesUnder(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, p) : [p];
  });
}

/**
 * What the first screen loads: the page, its scripts and styles, the WASM runtime, the scoring head, the
 * manifest and the default model's files. Paths relative to the app root.
 */
export function precacheList(outDir: string): string[] {
  const assets = filesUnder(outDir, 'assets').filter(
    (f) => /\.(js|css)$/.test(f) && fs.statSync(path.join(outDir, f)).size <= PRECACHE_MAX_ASSET_BYTES,
  );
  const manifestFile = path.join(outDir, 'models', 'manifest.json');
  const list = ['./', ...assets, ...PRECACHE_ORT, 'scoring-head.onnx', 'scoring-head-f16.onnx'];
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BundledManifest;
    const model = manifest.models.find((m) => m.id === manifest.default);
    list.push('models/manifest.json', ...Object.keys(model?.files ?? {}).map((f) => `models/${model!.path}${f}`));
  }
  return list.filter((f) => f === './' || fs.existsSync(path.join(outDir, f)));
}

/** A hash of every file the build serves: a new build, a new cache. */
export function buildId(outDir: string): string {
  const hash = crypto.createHash('sha256');
  for (const f of filesUnder(outDir).sort()) {
    if (f === 'sw.js') continue;
    hash
      .update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(outDir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

export function serviceWorker(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'perplexity-playground:service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    // after every other plugin has written its files (the models and ort/ are copied in writeBundle)
    writeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        const outDir = path.resolve(config.root, config.build.outDir);
        const source = fs.readFileSync(SOURCE, 'utf8');
        const sw = source
          .replace("'__PP_BUILD__'", JSON.stringify(buildId(outDir)))
          .replace('__PP_PRECACHE__', JSON.stringify(precacheList(outDir)));
        fs.writeFileSync(path.join(outDir, 'sw.js'), sw);
      },
    },
  };
}
