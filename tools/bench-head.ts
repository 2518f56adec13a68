/**
 * The CPU scoring head, timed three ways on the same logits in one run: the WebAssembly module built from
 * src/lib/scoring/head.wat, the TypeScript path (its fallback), and the ONNX scoring head
 * (public/scoring-head.onnx, the WebGPU path's graph) on onnxruntime-web's WASM execution provider.
 *
 *   npx tsx tools/bench-head.ts [--rows 512] [--vocab 8192,32000] [--k 5] [--repeat 5] [--threads 1]
 *
 * Logits are uniform in ±8 (float32), targets at random. The methods take turns within each repeat, and
 * the table gives each one's median time and its ratio to the WebAssembly head's: on a shared machine
 * absolute times drift, ratios within one run much less. The ONNX head computes in float32 (the others
 * in float64): its largest difference from the WebAssembly head's log-probabilities is printed too.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-web';
import HEAD_WASM from '../src/lib/scoring/head.wat.ts';
import { headStatus, scoreLogits } from '../src/lib/scoring/log-softmax';

const ROOT = path.resolve(import.meta.dirname, '..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const ROWS = Number(option('rows', '512'));
const VOCABS = option('vocab', '8192,32000').split(',').map(Number);
const K = Number(option('k', '5'));
const REPEAT = Number(option('repeat', '5'));
const THREADS = Number(option('threads', '1'));

/** Uniform floats in [-scale, scale) from a 32-bit xorshift. */
function random(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

async function main(): Promise<void> {
  ort.env.wasm.numThreads = THREADS;
  const onnxHead = await ort.InferenceSession.create(fs.readFileSync(path.join(ROOT, 'public', 'scoring-head.onnx')), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const sha = crypto.createHash('sha256').update(HEAD_WASM).digest('hex').slice(0, 16);
  console.log(
    `head.wat: ${HEAD_WASM.length} bytes, sha256 ${sha}; ${ROWS} rows, k = ${K}, ${REPEAT} repeats; ONNX on ${THREADS} thread(s)`,
  );
  const lines: string[] = [];
  for (const V of VOCABS) {
    // T = ROWS + 1 tokens: rows 0 .. ROWS - 1 predict ids 1 .. ROWS
    const T = ROWS + 1;
    const logits = random(T * V, V, 8);
    const ids = Int32Array.from(random(T, V + 1, 0.5), (x) => Math.floor((x + 0.5) * V));
    const feeds = {
      logits: new ort.Tensor('float32', logits, [1, T, V]),
      first_row: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]),
      targets: new ort.Tensor('int64', BigInt64Array.from(ids.subarray(1), BigInt), [1, ROWS]),
      k: new ort.Tensor('int64', BigInt64Array.from([BigInt(K)]), [1]),
    };
    const methods: Record<string, () => Promise<Float64Array | Float32Array>> = {
      'wasm (head.wat)': async () => scoreLogits(logits, ids, 0, K, 'simd').logprob,
      typescript: async () => scoreLogits(logits, ids, 0, K, 'js').logprob,
      'onnx (wasm EP)': async () => (await onnxHead.run(feeds)).target_logprob.data as Float32Array,
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(methods).map((m) => [m, []]));
    const results: Record<string, Float64Array | Float32Array> = {};
    for (let r = 0; r <= REPEAT; r++) {
      for (const [name, run] of Object.entries(methods)) {
        const t0 = performance.now();
        results[name] = await run();
        if (r > 0) times[name].push(performance.now() - t0); // repeat 0 warms up (JIT, session)
      }
    }
    const base = median(times['wasm (head.wat)']);
    const ref = results['wasm (head.wat)'];
    for (const name of Object.keys(methods)) {
      let worst = 0;
      for (let i = 0; i < ROWS; i++) worst = Math.max(worst, Math.abs(results[name][i] - ref[i]));
      const ms = median(times[name]);
      lines.push(
        `${`${ROWS} x ${V}`.padEnd(12)} ${name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms ${(ms / base).toFixed(2).padStart(6)}x ` +
          `${((ROWS * V) / ms / 1e3).toFixed(0).padStart(6)} M logits/s  max |Δ logprob| ${worst.toExponential(1)}`,
      );
    }
  }
  await onnxHead.release();
  console.log(lines.join('\n'));
  const status = headStatus();
  if (status.path !== 'wasm') console.log(`note: the 'auto' head is on TypeScript here: ${status.reason}`);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
