/**
 * Score a text file with a bundled (or any Hugging Face layout) ONNX model, on the same src/lib code
 * the browser runs.
 *
 *   npm run -s score -- --model models/tiny-bpe1k [--window N] [--stride N] [--top K] [--json] [--max-bytes N] [--parse-special] FILE
 *
 * --json prints exactly one JSON object { model, n_ctx, stride, backend, tokens, totals } on stdout,
 * written as the windows are scored (the totals come last). The input is streamed against a limit of
 * --max-bytes (10 MB by default) and memory beyond the text's token ids is one window's. Errors go to
 * stderr with a non-zero exit status; a progress line goes to stderr for long texts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadModelFolder, MissingModelFileError } from '../src/lib/models/model-source';
import { defaultStride, validateStride } from '../src/lib/scoring/windows';
import { nodeModelSource } from './node-model-source';
import { readExternalData } from '../src/lib/models/external-data';
import { scanOnnx } from '../src/lib/models/onnx-proto';
import { openNodeModel } from './ort-node';
import { parseScoreArgs, SCORE_USAGE, UsageError } from './score-args';
import { formatSummary, WorstTokens } from './score-summary';
import { readBoundedText, scoreStreaming } from './score-stream';

const MODEL_FILE = 'onnx/model.onnx';
/** Tokens the summary lists. */
const SURPRISING = 10;

/** The input, read against the byte limit and checked as UTF-8 as it arrives. */
async function readText(file: string, maxBytes: number): Promise<string> {
  if (file === '-') return readBoundedText(process.stdin, 'standard input', maxBytes);
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new Error(`${file}: no such file`);
    throw e;
  });
  if (info.isDirectory()) throw new Error(`${file}: is a directory, not a text file`);
  return readBoundedText(createReadStream(file), file, maxBytes);
}

/** A stream on stdout that waits when the pipe is full, so a slow reader bounds what is buffered. */
function stdoutWriter(): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise<void>((resolve, reject) => process.stdout.write(chunk, (e) => (e ? reject(e) : resolve())));
}

/** A progress line on stderr once scoring has taken a while: at most one a second, none for short texts. */
function progressLine(): { update: (done: number, total: number) => void; end: () => void } {
  const started = Date.now();
  let last = 0;
  let shown = false;
  const tty = process.stderr.isTTY;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - started < 2000 || now - last < 1000) return;
      last = now;
      shown = true;
      const line = `score: window ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${Math.floor((100 * done) / total)}%), ${Math.round((now - started) / 1000)} s`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    end() {
      if (shown && tty) process.stderr.write('\n');
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseScoreArgs(argv);
  const folder = args.model.replace(/\/+$/, '');
  const folderStat = await stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) throw new Error(`${folder}: no such model folder`);

  const text = await readText(args.file, args.maxBytes);
  if (text.length === 0)
    throw new Error(`${args.file === '-' ? 'standard input' : args.file}: empty text, nothing to score`);
  const loaded = await loadModelFolder(nodeModelSource(folder));
  const { tokenizer } = loaded;
  if (args.window !== undefined && !(args.window >= 2 && args.window <= loaded.config.n_ctx)) {
    throw new Error(`--window must be 2 to ${loaded.config.n_ctx} (the model's context), got ${args.window}`);
  }
  // a window below the context: the engine sees that context, as the page's Window field does
  const config = args.window === undefined ? loaded.config : { ...loaded.config, n_ctx: args.window };
  // fail on a bad stride before the model loads
  const stride = args.stride ?? defaultStride(config.n_ctx);
  validateStride(stride, config.n_ctx);
  let modelBytes: Uint8Array;
  try {
    modelBytes = await nodeModelSource(folder).readBytes(MODEL_FILE);
  } catch (e) {
    if (e instanceof MissingModelFileError)
      throw new Error(`${folder}: no ${MODEL_FILE} (has the model been exported?)`, { cause: e });
    throw e;
  }
  const specials = tokenizer.specialTokensIn(text);
  if (specials.length > 0) {
    const named =
      specials
        .slice(0, 3)
        .map((t) => JSON.stringify(t))
        .join(', ') + (specials.length > 3 ? ', ...' : '');
    process.stderr.write(
      args.parseSpecial
        ? `score: note: the text contains special tokens (${named}), read as those tokens (--parse-special)\n`
        : `score: note: the text contains special-token strings (${named}), scored as plain text; --parse-special reads them as the special tokens\n`,
    );
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
  const model = await openNodeModel(modelBytes, loaded.config, `${folder}/${MODEL_FILE}`, externalData);
  const progress = progressLine();
  try {
    const head = { model: basename(resolve(folder)), n_ctx: config.n_ctx, stride, backend: model.scorer.backend };
    const write = stdoutWriter();
    const worst = new WorstTokens(SURPRISING);
    // JSON goes out as the windows come in: the head, each token, and the totals last
    let first = true;
    if (args.json) await write(`${JSON.stringify(head).slice(0, -1)},"tokens":[`);
    const { totals } = await scoreStreaming(text, {
      tokenizer,
      config,
      scorer: model.scorer,
      stride,
      k: Math.min(args.top, config.vocab_size),
      parseSpecial: args.parseSpecial,
      onProgress: progress.update,
      onToken: args.json
        ? (token) => {
            const json = JSON.stringify(token);
            const chunk = first ? json : `,${json}`;
            first = false;
            // wait for the pipe only now and then: one promise per token would cost more than the JSON
            if (process.stdout.write(chunk)) return;
            return new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
          }
        : (token) => worst.add(token),
    });
    progress.end();
    if (args.json) await write(`],"totals":${JSON.stringify(totals)}}\n`);
    else await write(`${formatSummary({ ...head, totals, tokens: worst.tokens }, SURPRISING)}\n`);
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
