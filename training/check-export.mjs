// Independent check of an export: onnxruntime-node's logits, log-softmax in float64 here, against the
// golden file PyTorch wrote. Single-window texts only (the TypeScript engine's tests cover windows).
// usage: node training/check-export.mjs <model folder> <golden.json>
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [dir, goldenPath] = process.argv.slice(2);
const golden = JSON.parse(fs.readFileSync(goldenPath, 'utf8'));
const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
const TOLERANCE = 1e-4; // nats: fp32 onnxruntime against a float64 PyTorch forward
let worst = 0;
let checked = 0;
for (const t of golden.texts) {
  const seq = [golden.bos_token_id, ...t.ids];
  if (seq.length > golden.n_ctx) continue;
  const T = seq.length;
  const { logits } = await session.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(seq, BigInt), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
  });
  const V = logits.dims[2];
  for (let p = 1; p < T; p++) {
    const row = logits.data.subarray((p - 1) * V, p * V); // (V)
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    const logprob = row[seq[p]] - max - Math.log(z);
    worst = Math.max(worst, Math.abs(logprob - t.logprob[p - 1]));
    checked++;
  }
}
console.log(`check-export: ${checked} tokens, max |logprob - golden| = ${worst.toExponential(2)} nats`);
if (!checked || worst > TOLERANCE) process.exit(1);
