import { execFile } from 'node:child_process';
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
  it('--json prints exactly one object whose totals equal the engine\'s', async () => {
    const run = await score(['--model', MODEL, '--stride', '10', '--top', '3', '--json', TEXT_FILE]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(run.stdout) as ScoreResult;
    expect(Object.keys(result)).toEqual(['model', 'n_ctx', 'stride', 'backend', 'totals', 'tokens']);
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

  const notOnnx = writeModelFolder(join(tmp, 'not-onnx'), { config, tokenizerJson, onnx: new TextEncoder().encode('hello') });
  const invalidUtf8 = join(tmp, 'latin1.txt');
  writeFileSync(invalidUtf8, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
  const empty = join(tmp, 'empty.txt');
  writeFileSync(empty, '');

  it.each([
    ['a missing file', ['--model', MODEL, join(tmp, 'nope.txt')], /nope.txt: no such file/],
    ['invalid UTF-8', ['--model', MODEL, invalidUtf8], /latin1.txt: not valid UTF-8 text/],
    ['empty text', ['--model', MODEL, empty], /empty text/],
    ['a file that is not an ONNX model', ['--model', notOnnx, TEXT_FILE], /model.onnx is not a model onnxruntime can load/],
    ['a missing model folder', ['--model', join(tmp, 'nowhere'), TEXT_FILE], /nowhere: no such model folder/],
    ['a stride out of range', ['--model', MODEL, '--stride', '32', TEXT_FILE], /stride must be an integer in \[1, 31\]/],
    ['a stride that is not a number', ['--model', MODEL, '--stride', 'abc', TEXT_FILE], /--stride must be an integer, got "abc"/],
    ['no --model', [TEXT_FILE], /--model is required/],
  ])('fails on %s with a message on stderr', async (_, args, message) => {
    const run = await score(args);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});
