/**
 * Score a text file with a bundled (or any Hugging Face layout) ONNX model, on the same src/lib code
 * the browser runs.
 *
 *   npm run -s score -- --model models/tiny-bpe1k [--stride N] [--top K] [--json] FILE
 *
 * --json prints exactly one JSON object { model, n_ctx, stride, backend, totals, tokens } on stdout.
 * Errors go to stderr with a non-zero exit status.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadModelFolder, MissingModelFileError } from '../src/lib/models/model-source';
import { scoreText } from '../src/lib/scoring/score-text';
import type { ScoreResult } from '../src/lib/scoring/types';
import { defaultStride, validateStride } from '../src/lib/scoring/windows';
import { nodeModelSource } from './node-model-source';
import { readExternalData } from '../src/lib/models/external-data';
import { scanOnnx } from '../src/lib/models/onnx-proto';
import { openNodeModel } from './ort-node';
import { parseScoreArgs, SCORE_USAGE, UsageError } from './score-args';
import { formatSummary } from './score-summary';

const MODEL_FILE = 'onnx/model.onnx';

/** The whole input, which must be valid UTF-8 (a leading byte order mark is dropped). */
async function readText(file: string): Promise<string> {
  let bytes: Uint8Array;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    bytes = Buffer.concat(chunks);
  } else {
    try {
      bytes = await readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${file}: no such file`);
      if (code === 'EISDIR') throw new Error(`${file}: is a directory, not a text file`);
      throw e;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${file === '-' ? 'standard input' : file}: not valid UTF-8 text`);
  }
}

/** Write the result as JSON.stringify would, a few thousand tokens at a time: a 1 MB text's JSON can
 * outgrow the longest string V8 allows. */
async function writeJson(result: ScoreResult): Promise<void> {
  const { tokens, ...head } = result;
  const write = (chunk: string) =>
    new Promise<void>((resolve, reject) => process.stdout.write(chunk, (e) => (e ? reject(e) : resolve())));
  await write(`${JSON.stringify(head).slice(0, -1)},"tokens":[`);
  const perChunk = 4096;
  for (let i = 0; i < tokens.length; i += perChunk) {
    const chunk = tokens.slice(i, i + perChunk).map((t) => JSON.stringify(t)).join(',');
    await write(i === 0 ? chunk : `,${chunk}`);
  }
  await write(']}\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseScoreArgs(argv);
  const folder = args.model.replace(/\/+$/, '');
  const folderStat = await stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) throw new Error(`${folder}: no such model folder`);

  const text = await readText(args.file);
  if (text.length === 0) throw new Error(`${args.file === '-' ? 'standard input' : args.file}: empty text, nothing to score`);
  const { config, tokenizer } = await loadModelFolder(nodeModelSource(folder));
  // fail on a bad stride before the model loads
  validateStride(args.stride ?? defaultStride(config.n_ctx), config.n_ctx);
  let modelBytes: Uint8Array;
  try {
    modelBytes = await nodeModelSource(folder).readBytes(MODEL_FILE);
  } catch (e) {
    if (e instanceof MissingModelFileError) throw new Error(`${folder}: no ${MODEL_FILE} (has the model been exported?)`);
    throw e;
  }
  // external weights, by the names the .onnx file gives (model.onnx_data, model.onnx.data, ...)
  // (bytes that are not ONNX at all are left to onnxruntime, whose message names the file)
  const scan = (() => {
    try {
      return scanOnnx(modelBytes);
    } catch {
      return null;
    }
  })();
  const externalData = scan ? await readExternalData(nodeModelSource(folder), MODEL_FILE, scan, folder) : [];
  const model = await openNodeModel(modelBytes, config, `${folder}/${MODEL_FILE}`, externalData);
  try {
    const result = await scoreText(text, {
      tokenizer,
      config,
      scorer: model.scorer,
      model: basename(resolve(folder)),
      stride: args.stride,
      k: Math.min(args.top, config.vocab_size),
    });
    if (args.json) await writeJson(result);
    else process.stdout.write(`${formatSummary(result)}\n`);
  } finally {
    await model.release();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`score: ${message}\n`);
  if (e instanceof UsageError) process.stderr.write(`${SCORE_USAGE}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
