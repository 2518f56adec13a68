import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel } from '../../cli/ort-node';
import { loadModelFolder } from '../../src/lib/models/model-source';
import { scoreText } from '../../src/lib/scoring/score-text';
import type { ScoreResult } from '../../src/lib/scoring/types';
import { bigramTable } from './helpers/bigram-model';
import { MODELS_DIR, readJSON, ROOT } from './helpers/fixtures';
import { bigramOnnx, writeModelFolder } from './helpers/tiny-onnx';

const tmp = mkdtempSync(join(tmpdir(), 'pp-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const V = 257;
const config = { model_type: 'bigram', vocab_size: V, n_positions: 32, bos_token_id: 256 };
const tokenizerJson = readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json'));
const MODEL = writeModelFolder(join(tmp, 'bigram'), { config, tokenizerJson, onnx: bigramOnnx(bigramTable(V, 5), V) });
const TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, having little money in my purse. 👋🏽\n';
const TEXT_FILE = join(tmp, 'text.txt');
writeFileSync(TEXT_FILE, TEXT);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run -s score -- ...args`, run as the script does (tsx cli/score.ts). */
function score(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'cli/score.ts'), ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

describe('npm run score', () => {
  it("--json prints exactly one object whose totals equal the engine's", async () => {
    const run = await score(['--model', MODEL, '--stride', '10', '--top', '3', '--json', TEXT_FILE]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(run.stdout) as ScoreResult;
    expect(Object.keys(result)).toEqual(['model', 'n_ctx', 'stride', 'backend', 'tokens', 'totals']);
    expect(result).toMatchObject({ model: 'bigram', n_ctx: 32, stride: 10, backend: 'node' });
    expect(result.tokens[0]).toHaveProperty('top.2.text');

    const { tokenizer, config: loaded } = await loadModelFolder(nodeModelSource(MODEL));
    const model = await openNodeModel(await nodeModelSource(MODEL).readBytes('onnx/model.onnx'), loaded, MODEL);
    try {
      const engine = await scoreText(TEXT, { tokenizer, config: loaded, scorer: model.scorer, stride: 10, k: 3 });
      expect(result.totals).toEqual(engine.totals);
      expect(result.tokens).toEqual(engine.tokens);
    } finally {
      await model.release();
    }
  });

  it('reads standard input for FILE -', async () => {
    const fromFile = JSON.parse((await score(['--model', MODEL, '--json', TEXT_FILE])).stdout) as ScoreResult;
    const fromStdin = await score(['--model', MODEL, '--json', '-'], TEXT);
    expect(fromStdin.code).toBe(0);
    expect((JSON.parse(fromStdin.stdout) as ScoreResult).totals).toEqual(fromFile.totals);
  });

  it('prints a readable summary without --json', async () => {
    const run = await score(['--model', MODEL, TEXT_FILE]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/as if choosing uniformly among [\d.]+ tokens/);
    expect(run.stdout).toMatch(/bits\/byte\s+\d+\.\d+/);
    expect(run.stdout).toContain('most surprising tokens');
  });

  const notOnnx = writeModelFolder(join(tmp, 'not-onnx'), {
    config,
    tokenizerJson,
    onnx: new TextEncoder().encode('hello'),
  });
  const invalidUtf8 = join(tmp, 'latin1.txt');
  writeFileSync(invalidUtf8, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
  const empty = join(tmp, 'empty.txt');
  writeFileSync(empty, '');

  it.each([
    ['a missing file', ['--model', MODEL, join(tmp, 'nope.txt')], /nope.txt: no such file/],
    ['invalid UTF-8', ['--model', MODEL, invalidUtf8], /latin1.txt: not valid UTF-8 text/],
    ['empty text', ['--model', MODEL, empty], /empty text/],
    [
      'a file that is not an ONNX model',
      ['--model', notOnnx, TEXT_FILE],
      /model.onnx is not a model onnxruntime can load/,
    ],
    ['a missing model folder', ['--model', join(tmp, 'nowhere'), TEXT_FILE], /nowhere: no such model folder/],
    [
      'a stride out of range',
      ['--model', MODEL, '--stride', '32', TEXT_FILE],
      /stride must be an integer in \[1, 31\]/,
    ],
    [
      'a stride that is not a number',
      ['--model', MODEL, '--stride', 'abc', TEXT_FILE],
      /--stride must be an integer, got "abc"/,
    ],
    ['no --model', [TEXT_FILE], /--model is required/],
  ])('fails on %s with a message on stderr', async (_, args, message) => {
    const run = await score(args);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('stops an endless standard input at the byte limit, with a message, in bounded memory', async () => {
    // `yes` writes "hi\n" for ever; before the limit the CLI read it all (7.4 GB in 12 s)
    const env = { ...process.env, NODE_OPTIONS: `--require ${join(ROOT, 'test/unit/helpers/report-peak-rss.cjs')}` };
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        join(ROOT, 'cli/score.ts'),
        '--model',
        MODEL,
        '--max-bytes',
        '20M',
        '-',
      ],
      {
        cwd: ROOT,
        env,
      },
    );
    const generator = spawn('yes', ['hi']);
    generator.stdout.pipe(child.stdin);
    child.stdin.on('error', () => {}); // EPIPE once the CLI stops reading
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    generator.kill();
    expect(code).toBe(1);
    expect(stderr).toMatch(/score: standard input: more than 20 MB of text \(the limit\); raise it with --max-bytes N/);
    const peaks = [...stderr.matchAll(/peak-rss-kb (\d+)/g)].map((m) => Number(m[1]));
    expect(peaks.length).toBeGreaterThan(0);
    const peakMB = Math.max(...peaks) / 1024;
    console.log(`endless stdin: peak RSS ${peakMB.toFixed(0)} MB at a 20 MB limit`);
    // node and tsx alone take ~60-100 MB; 20 MB of text is ~40 MB as a string (kept in parts)
    expect(peakMB).toBeLessThan(300);
  }, 60_000);

  it('refuses a file over --max-bytes before scoring, and takes a suffix', async () => {
    const big = join(tmp, 'big.txt');
    writeFileSync(big, 'a'.repeat(3000));
    const run = await score(['--model', MODEL, '--max-bytes', '2k', big]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/big.txt: more than 2 kB of text \(the limit\)/);
    const bad = await score(['--model', MODEL, '--max-bytes', 'lots', big]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-bytes must be a byte count/);
  });

  it('decodes UTF-8 split across reads, and names the byte where it is not UTF-8', async () => {
    const { readBoundedText } = await import('../../cli/score-stream');
    const bytes = new TextEncoder().encode('a👋🏽é');
    // one byte per read: every multi-byte sequence is split
    const oneByte = async function* () {
      for (const b of bytes) yield Uint8Array.of(b);
    };
    expect(await readBoundedText(oneByte(), 'x', 100)).toBe('a👋🏽é');
    const bad = async function* () {
      yield Uint8Array.of(0x61, 0x62);
      yield Uint8Array.of(0xe9, 0x20);
    };
    await expect(readBoundedText(bad(), 'x', 100)).rejects.toThrow(
      /x: not valid UTF-8 text \(a bad byte at or after byte 2\)/,
    );
  });

  it('scores a literal <|endoftext|> as plain text and says so; --parse-special reads the token', async () => {
    // the input: 200 copies scored as 200 tokens of the BOS/EOS id with no word of it
    const file = join(tmp, 'eot.txt');
    writeFileSync(file, '<|endoftext|>'.repeat(200));
    const eot = 256; // tiny-byte's <|endoftext|>
    const plain = await score(['--model', MODEL, '--json', '--top', '0', file]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(
      /note: the text contains special-token strings \("<\|endoftext\|>"\), scored as plain text; --parse-special/,
    );
    const plainResult = JSON.parse(plain.stdout) as ScoreResult;
    expect(plainResult.tokens).toHaveLength(13 * 200); // one byte token per character
    expect(plainResult.tokens.some((t) => t.id === eot)).toBe(false);
    const parsed = await score(['--model', MODEL, '--json', '--top', '0', '--parse-special', file]);
    expect(parsed.stderr).toMatch(/read as those tokens \(--parse-special\)/);
    const parsedResult = JSON.parse(parsed.stdout) as ScoreResult;
    expect(parsedResult.tokens.map((t) => t.id)).toEqual(new Array(200).fill(eot));
  });

  it('scores a long text in memory bounded by the window, not the text', async () => {
    // before: 1 MB took 715 MB and 3 min 48 s; every token's record was held, then all the JSON
    const wide = writeModelFolder(join(tmp, 'bigram-512'), {
      config: { ...config, n_positions: 512 },
      tokenizerJson,
      onnx: bigramOnnx(bigramTable(V, 5), V),
    });
    const long = join(tmp, 'long.txt');
    writeFileSync(
      long,
      TEXT.repeat(Math.ceil(1_000_000 / TEXT.length))
        .slice(0, 1_000_000)
        .replace(/\uD83D$/, ''),
    );
    const env = { ...process.env, NODE_OPTIONS: `--require ${join(ROOT, 'test/unit/helpers/report-peak-rss.cjs')}` };
    const peakOf = (args: string[]) =>
      new Promise<{ peakMB: number; code: number; stdout: number; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'cli/score.ts'), ...args],
          { cwd: ROOT, env },
        );
        let stderr = '';
        let stdout = 0;
        child.stdout.on('data', (d: Buffer) => (stdout += d.length)); // counted, not kept
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => {
          const peaks = [...stderr.matchAll(/peak-rss-kb (\d+)/g)].map((m) => Number(m[1]));
          resolve({ peakMB: Math.max(...peaks) / 1024, code: code ?? -1, stdout, stderr });
        });
      });
    const small = await peakOf(['--model', wide, '--json', '--stride', '511', TEXT_FILE]);
    const big = await peakOf(['--model', wide, '--json', '--stride', '511', long]);
    expect(small.code).toBe(0);
    expect(big.code).toBe(0);
    expect(big.stdout).toBeGreaterThan(100 * 1_000_000); // the JSON of ~1 million tokens went out
    console.log(
      `1 MB text: peak RSS ${big.peakMB.toFixed(0)} MB, a 100-byte text ${small.peakMB.toFixed(0)} MB; ${(big.stdout / 1e6).toFixed(0)} MB of JSON`,
    );
    // the text (2 MB as UTF-16), its ids and spans (12 MB) and one window: far from the records' gigabytes
    expect(big.peakMB - small.peakMB).toBeLessThan(150);
    // a long text shows progress on stderr (a short one does not)
    expect(big.stderr).toMatch(/score: window [\d,]+ of [\d,]+ \(\d+%\), \d+ s/);
    expect(small.stderr).not.toMatch(/score: window/);
  }, 300_000);
});
