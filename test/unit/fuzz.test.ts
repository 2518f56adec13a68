/**
 * Fuzzing (issue 17): random and mutated texts, training logs, config.json files, tokenizer.json files
 * and share links go through the parsers and the scoring engine (a bundled model on onnxruntime-node),
 * for a fixed seed and a time budget per kind. Every outcome must be a result whose numbers are finite
 * where they are numbers the user reads, or an Error with a message: never a hang (the budget and the
 * test timeout), a crash (anything thrown that is not an Error with a message), or a silent NaN/Infinity.
 * A failure prints the seed's input, so it can be replayed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel, type NodeModel } from '../../cli/ort-node';
import { buildRun } from '../../src/lib/curves/run';
import { diagnose } from '../../src/lib/curves/diagnose';
import { parseLog } from '../../src/lib/curves/parse';
import { parseModelConfig } from '../../src/lib/models/model-config';
import { loadModelFolder, type LoadedModel } from '../../src/lib/models/model-source';
import { parseShareHash } from '../../src/lib/playground/share-link';
import { scoreText } from '../../src/lib/scoring/score-text';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { MODELS_DIR } from './helpers/fixtures';

const SEED = 0x5eed17;
/** Time per kind of input, ms: a few seconds in all. */
const BUDGET_MS = 1500;

/** mulberry32: a small seeded generator, the same sequence on every machine. */
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof generator>;

const PIECES = [
  'the',
  ' whale',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '  ',
  '<|endoftext|>',
  '<|endoftext',
  '<s>',
  '\u0000',
  '\u007f',
  '\u009b',
  '\u202e',
  '\ud800',
  '\udc00',
  '👋🏽',
  '👨‍👩‍👧',
  'é',
  'e\u0301',
  '東京',
  '\ufeff',
  '"',
  ',',
  '=',
  '{',
  '}',
  '[',
  ']',
  'NaN',
  '-inf',
  '1e309',
  '0',
  '-1',
  '3.5',
  'null',
  'true',
  '\\',
  "'",
  '%',
  '#',
  '$',
];

function randomText(rng: Rng, maxPieces = 40): string {
  let t = '';
  const n = rng.int(maxPieces);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.1)
      t += String.fromCodePoint(rng.int(0x110000 - 0x800)); // any code point, surrogates excluded below
    else if (r < 0.15) t += rng.pick(PIECES).repeat(1 + rng.int(50));
    else t += rng.pick(PIECES);
  }
  return t.replace(/[\ud800-\udfff](?![\udc00-\udfff])/g, (c) => (rng.next() < 0.5 ? c : '?'));
}

/** Byte-level damage to a text: flips, cuts, repeats, insertions of hostile pieces. */
function mutate(rng: Rng, text: string): string {
  let s = text;
  const edits = 1 + rng.int(6);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(6)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(rng.int(0x80)) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at);
        break;
      case 2:
        s = s.slice(0, at) + rng.pick(PIECES) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at) + s.slice(at, at + rng.int(200)).repeat(1 + rng.int(4)) + s.slice(at);
        break;
      case 4:
        s = s.slice(0, at) + s.slice(at + rng.int(50));
        break;
      default:
        s = s.slice(0, at) + randomText(rng, 5) + s.slice(at);
    }
  }
  return s;
}

/** Mutate parsed JSON: values replaced by hostile ones, keys dropped, types swapped. */
function mutateJson(rng: Rng, value: unknown, depth = 0): unknown {
  const hostile = [null, -1, 0, 1.5, Infinity, -0, 2 ** 53, 'x', '', [], {}, true, Number.NaN, '<|endoftext|>', [1, 2]];
  if (rng.next() < 0.08) return rng.pick(hostile);
  if (Array.isArray(value)) {
    if (value.length > 50) {
      // large arrays (merges): damage a few entries, sometimes cut
      const copy = value.slice(0, rng.next() < 0.2 ? rng.int(value.length) : value.length);
      for (let i = 0; i < 3 && copy.length > 0; i++) copy[rng.int(copy.length)] = rng.pick(hostile);
      return copy;
    }
    return value.map((v) => mutateJson(rng, v, depth + 1));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const entries = Object.entries(value);
    for (const [k, v] of entries.length > 300 ? entries.slice(0, entries.length) : entries) {
      if (rng.next() < 0.05) continue;
      out[k] = entries.length > 300 ? (rng.next() < 0.01 ? rng.pick(hostile) : v) : mutateJson(rng, v, depth + 1);
    }
    return out;
  }
  return value;
}

/** The engine's own words for a bug: not a message a user can act on. */
const INTERNAL =
  /^(TypeError|ReferenceError): .*(Cannot read propert|is not a function|is not iterable|Cannot convert|is not defined)|Maximum call stack/;

/** Run `fn` on inputs until the budget is spent; every throw must be an Error with a message. */
function fuzz<T>(
  name: string,
  make: (rng: Rng) => T,
  check: (input: T) => void | Promise<void>,
  seed = SEED,
): Promise<number> {
  const rng = generator(seed);
  const until = Date.now() + BUDGET_MS;
  return (async () => {
    let runs = 0;
    while (Date.now() < until || runs < 5) {
      const input = make(rng);
      const started = Date.now();
      try {
        await check(input);
      } catch (e) {
        const shown = JSON.stringify(input)?.slice(0, 300);
        if (!(e instanceof Error) || e.message.trim() === '' || INTERNAL.test(`${e.name}: ${e.message}`)) {
          const where = e instanceof Error ? (e.stack ?? '').split('\n').slice(1, 4).join(' | ') : '';
          throw new Error(`${name}: a crash, not a clear error: ${String(e)} at ${where}; input ${shown}`, {
            cause: e,
          });
        }
        if ((e as Error).name === 'AssertionError')
          throw new Error(`${name} on ${shown}: ${(e as Error).message}`, { cause: e });
      }
      // nothing may take long on inputs this size
      expect(Date.now() - started, `${name}: ${JSON.stringify(input)?.slice(0, 200)}`).toBeLessThan(5000);
      runs++;
    }
    return runs;
  })();
}

/** Fail (as an assertion, not a clear error) unless x is a finite number. */
function finite(x: unknown, what: string): void {
  expect(typeof x === 'number' && Number.isFinite(x), `${what} = ${String(x)}`).toBe(true);
}

const readText = (path: string) => readFileSync(path, 'utf8');

describe('fuzz', () => {
  let model: LoadedModel;
  let net: NodeModel;
  const folder = join(MODELS_DIR, 'tiny-bpe1k');

  beforeAll(async () => {
    model = await loadModelFolder(nodeModelSource(folder));
    net = await openNodeModel(await nodeModelSource(folder).readBytes('onnx/model.onnx'), model.config, folder);
  });
  afterAll(() => net?.release());

  it('texts through the tokenizer and the scoring engine: a finite result, or a clear error', async () => {
    const runs = await fuzz(
      'score',
      (rng) => ({
        text: randomText(rng, 30),
        stride: 1 + rng.int(model.config.n_ctx + 2),
        parseSpecial: rng.next() < 0.3,
      }),
      async ({ text, stride, parseSpecial }) => {
        const result = await scoreText(text, {
          tokenizer: model.tokenizer,
          config: model.config,
          scorer: net.scorer,
          stride,
          k: 3,
          parseSpecial,
        });
        let covered = '';
        for (const t of result.tokens) {
          expect(t.id >= 0 && t.id < model.config.vocab_size, `id ${t.id}`).toBe(true);
          finite(t.logprob, 'logprob');
          expect(t.logprob!).toBeLessThanOrEqual(1e-6);
          finite(t.entropy, 'entropy');
          expect(Number.isInteger(t.rank) && t.rank! >= 1).toBe(true);
          for (const alt of t.top) finite(alt.logprob, 'top logprob');
          if (t.start >= covered.length) covered += text.slice(covered.length, t.end);
        }
        expect(covered, 'spans cover the text').toBe(text);
        const t = result.totals;
        for (const [key, value] of Object.entries(t)) {
          // a perplexity is exp(nats per token or word): past e^709.78 the true value is beyond a double;
          // its exponent, the quantity the page and CLI also give, must be finite
          if ((key === 'ppl' || key === 'word_ppl') && value === Infinity) {
            const exponent = key === 'ppl' ? t.nats_per_token : t.nats_total / t.words;
            expect(exponent, `${key} overflows only past e^709.78`).toBeGreaterThan(709);
          } else if (value !== null) finite(value, `totals.${key}`);
        }
      },
    );
    expect(runs).toBeGreaterThan(5);
  }, 30_000);

  it('mutated training logs through the parser, run builder and diagnosis', async () => {
    const bases = [
      ['training_log.csv', readText(join(MODELS_DIR, 'tiny-bpe1k/training_log.csv')).slice(0, 4000)],
      [
        'trainer_state.json',
        JSON.stringify({
          log_history: [
            { step: 10, loss: 3.2 },
            { step: 20, loss: 2.9, eval_loss: 3.0 },
            null,
            7,
            { step: 30, loss: 2.7, learning_rate: 1e-4 },
          ],
        }),
      ],
      [
        'log.jsonl',
        '{"step": 1, "train_loss": 4.0}\n{"step": 2, "train_loss": 3.5, "val_loss": 3.9}\n{"step": 3, "train_loss": NaN}\n',
      ],
      ['metrics.tsv', 'step\tloss\tval_loss\n1\t5\t5.5\n2\t4\t\n3\tinf\t4.5\n'],
    ] as const;
    const runs = await fuzz(
      'logs',
      (rng) => {
        const [name, text] = rng.pick(bases);
        return { name, text: rng.next() < 0.15 ? randomText(rng) : mutate(rng, text) };
      },
      ({ name, text }) => {
        for (const table of parseLog(name, text)) {
          expect(Array.isArray(table.notes)).toBe(true);
          const run = buildRun(table);
          for (const finding of diagnose(run)) expect(typeof finding.kind).toBe('string');
        }
      },
    );
    expect(runs).toBeGreaterThan(5);
  }, 30_000);

  it('mutated config.json files: integers where there are numbers, or a clear error', async () => {
    const base = JSON.parse(readText(join(folder, 'config.json')));
    const runs = await fuzz(
      'config',
      (rng) => mutateJson(rng, base),
      (json) => {
        const config = parseModelConfig(json);
        for (const key of ['vocab_size', 'n_ctx'] as const) {
          expect(Number.isInteger(config[key]) && config[key] > 0, `${key} = ${config[key]}`).toBe(true);
        }
      },
    );
    expect(runs).toBeGreaterThan(5);
  }, 30_000);

  it('mutated tokenizer.json files: a tokenizer whose ids and spans are sound, or a clear error', async () => {
    const base = JSON.parse(readText(join(folder, 'tokenizer.json')));
    const sample = 'Call me Ishmael. <|endoftext|> 👋🏽 e\u0301';
    const runs = await fuzz(
      'tokenizer',
      (rng) => mutateJson(rng, base),
      (json) => {
        const tokenizer = loadTokenizer(json);
        for (const parseSpecial of [false, true]) {
          const { ids, start, end } = tokenizer.encode(sample, { parseSpecial });
          for (let i = 0; i < ids.length; i++) {
            expect(Number.isInteger(ids[i]) && ids[i] >= 0, `id ${ids[i]}`).toBe(true);
            expect(0 <= start[i] && start[i] <= end[i] && end[i] <= sample.length, `span ${start[i]}..${end[i]}`).toBe(
              true,
            );
          }
        }
      },
    );
    expect(runs).toBeGreaterThan(2);
  }, 60_000);

  it('random share links: a view with whole positive strides, or none', async () => {
    await fuzz(
      'share',
      (rng) => `#/playground?${mutate(rng, 'model=tiny-bpe1k&stride=64&mode=rank&text=Call+me')}`,
      (hash) => {
        const view = parseShareHash(hash);
        if (view === null) return;
        expect(typeof view.text).toBe('string');
        if (view.stride !== undefined) expect(Number.isInteger(view.stride) && view.stride > 0).toBe(true);
      },
    );
  }, 30_000);
});
