/**
 * Golden comparison: for every test/fixtures/golden/<id>.json (written by training/export.py from a
 * float64 PyTorch forward of the exported weights), the TypeScript engine on onnxruntime-node must
 * reproduce the tokenization exactly and the per-token values and totals within the tolerances below.
 * The runner is generic: it walks whatever golden files exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel, type NodeModel } from '../../cli/ort-node';
import { loadModelFolder, type LoadedModel } from '../../src/lib/models/model-source';
import { GOLDEN_DIR, type Golden } from '../fixtures/golden';
import { scoreLogits } from '../../src/lib/scoring/log-softmax';
import { scoreText } from '../../src/lib/scoring/score-text';
import { computeTotals, scoredText } from '../../src/lib/scoring/totals';
import type { Totals, WindowScorer } from '../../src/lib/scoring/types';
import { bundledModelIds, MODELS_DIR } from './helpers/fixtures';

/** Per-token values: float32 ONNX Runtime against a float64 reference differ by ~1e-6 nats; 1e-4 is
 * far above that noise and far below any real error (a wrong context or row shifts values by > 1e-2). */
const TOKEN_TOLERANCE = 1e-4;
/** Two logprobs this close are a near-tie: float32 rounding may order them either way. */
const NEAR_TIE = 1e-5;
/** Totals are sums of per-token values whose float32 noise has random sign and mostly cancels;
 * 1e-6 relative still catches any token scored twice, missed, or a wrong byte/char/word count. */
const TOTALS_RELATIVE = 1e-6;
/** Totals recomputed from the reference's own logprobs: only float64 rounding differs. */
const DEFINITION_RELATIVE = 1e-12;

const goldenFiles = existsSync(GOLDEN_DIR)
  ? readdirSync(GOLDEN_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];
const hasOnnx = (id: string) => existsSync(join(MODELS_DIR, id, 'onnx/model.onnx'));

function expectRelativelyClose(actual: number | null, expected: number | null, tolerance: number, what: string): void {
  if (expected === null || actual === null) {
    expect(actual, what).toBe(expected);
    return;
  }
  const scale = Math.max(Math.abs(expected), Math.abs(actual), Number.MIN_VALUE);
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function expectTotalsClose(actual: Totals, expected: Totals, tolerance: number): void {
  for (const key of Object.keys(expected) as (keyof Totals)[]) {
    if (['tokens', 'tokens_scored', 'bytes', 'chars', 'words'].includes(key))
      expect(actual[key], key).toBe(expected[key]);
    // ppl and word_ppl are exponentials: exp turns the tiny absolute error of an fp32 forward pass in the
    // exponent (about 1e-6 nats per token) into a relative error of the same size, which a one-token text
    // cannot get under 1e-6. Their exponents are the quantities the tolerance is about.
    else if (key === 'ppl' || key === 'word_ppl') {
      const log = (v: number | null) => (v === null ? null : Math.log(v));
      expectRelativelyClose(log(actual[key]), log(expected[key]), tolerance, `log totals.${key}`);
    } else expectRelativelyClose(actual[key], expected[key], tolerance, `totals.${key}`);
  }
}

/**
 * The CPU scorer, also recording for every scored token how close its logit is to the nearest other
 * vocabulary entry's (in nats, the same gap as between their logprobs): a rank may differ only there.
 */
function tieAwareScorer(model: NodeModel): { scorer: WindowScorer; gaps: number[] } {
  const gaps: number[] = [];
  const scorer: WindowScorer = {
    backend: 'node',
    async scoreWindow({ ids, from, k }) {
      const logits = await model.forward(ids); // (T, V)
      if (!(logits instanceof Float32Array)) throw new Error('the golden models return float32 logits');
      const V = logits.length / ids.length;
      for (let row = from; row < ids.length - 1; row++) {
        const target = logits[row * V + ids[row + 1]];
        let gap = Infinity;
        for (let v = 0; v < V; v++) if (v !== ids[row + 1]) gap = Math.min(gap, Math.abs(logits[row * V + v] - target));
        gaps.push(gap);
      }
      return scoreLogits(logits, ids, from, k);
    },
  };
  return { scorer, gaps };
}

describe('golden files', () => {
  it('exist for every bundled model with onnx/model.onnx, and name bundled models', () => {
    const golden = new Set(goldenFiles.map((f) => f.replace(/\.json$/, '')));
    for (const id of bundledModelIds().filter(hasOnnx)) {
      expect(golden.has(id), `models/${id} has onnx/model.onnx but test/fixtures/golden/${id}.json is missing`).toBe(
        true,
      );
    }
    for (const id of golden) {
      expect(hasOnnx(id), `test/fixtures/golden/${id}.json exists but models/${id}/onnx/model.onnx does not`).toBe(
        true,
      );
    }
  });
});

describe.each(goldenFiles)('golden %s', (file) => {
  const golden: Golden = JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8'));
  const folder = join(MODELS_DIR, golden.model);
  let loaded: LoadedModel;
  let model: NodeModel;

  beforeAll(async () => {
    loaded = await loadModelFolder(nodeModelSource(folder));
    model = await openNodeModel(await nodeModelSource(folder).readBytes('onnx/model.onnx'), loaded.config, folder);
  });
  afterAll(() => model?.release());

  it('has a text with special-token strings scored as plain text, and one read as the special token', () => {
    const eot = loaded.tokenizer.tokenToId('<|endoftext|>');
    const plain = golden.texts.find((t) => t.name === 'special:plain-endoftext');
    expect(plain?.text).toContain('<|endoftext|>');
    expect(plain?.ids).not.toContain(eot);
    expect(golden.texts.find((t) => t.parse_special)?.ids).toContain(eot);
  });

  it('matches the model folder', () => {
    expect(loaded.config.n_ctx).toBe(golden.n_ctx);
    expect(loaded.config.bos_token_id).toBe(golden.bos_token_id);
  });

  it.each(golden.texts.map((t) => [t.name, t] as const))('%s', async (_, ref) => {
    const k = golden.k ?? ref.top_ids?.[0]?.length ?? 0;
    const { scorer, gaps } = tieAwareScorer(model);
    const parseSpecial = ref.parse_special === true;
    const result = await scoreText(ref.text, {
      tokenizer: loaded.tokenizer,
      config: loaded.config,
      scorer,
      stride: ref.stride,
      k,
      parseSpecial,
    });

    // tokenizer parity: @huggingface/tokenizers must encode exactly as training did
    expect(result.tokens.map((t) => t.id)).toEqual(ref.ids);
    expect(gaps).toHaveLength(ref.ids.length); // a BOS model scores every text token, once

    const nearTies: number[] = [];
    result.tokens.forEach((token, i) => {
      expect(Math.abs(token.logprob! - ref.logprob[i]), `logprob of token ${i}`).toBeLessThanOrEqual(TOKEN_TOLERANCE);
      expect(Math.abs(token.entropy! - ref.entropy[i]), `entropy of token ${i}`).toBeLessThanOrEqual(TOKEN_TOLERANCE);
      if (token.rank !== ref.rank[i]) {
        expect(gaps[i], `rank of token ${i}: ${token.rank} vs ${ref.rank[i]}, not a near-tie`).toBeLessThan(NEAR_TIE);
        nearTies.push(i);
      }
      const refTop = ref.top_ids?.[i];
      const refTopLogprobs = ref.top_logprobs?.[i];
      if (!refTop || !refTopLogprobs) return;
      token.top.forEach((alt, j) => {
        expect(Math.abs(alt.logprob - refTopLogprobs[j]), `top ${j} logprob of token ${i}`).toBeLessThanOrEqual(
          TOKEN_TOLERANCE,
        );
        // ids may swap only between near-tied alternatives
        if (alt.id !== refTop[j])
          expect(Math.abs(alt.logprob - refTopLogprobs[j]), `top ${j} id of token ${i}`).toBeLessThan(NEAR_TIE);
      });
    });
    if (nearTies.length > 0)
      console.info(`${golden.model} ${ref.name}: ranks differ at near-ties, tokens ${nearTies.join(', ')}`);

    expectTotalsClose(result.totals, ref.totals, TOTALS_RELATIVE);
    // the totals' definitions alone (bytes, characters, words, normalisations), on the reference's logprobs
    const referenceRecords = result.tokens.map((t, i) => ({ ...t, logprob: ref.logprob[i] }));
    expectTotalsClose(
      computeTotals(referenceRecords, scoredText(ref.text, referenceRecords, true)),
      ref.totals,
      DEFINITION_RELATIVE,
    );
  });
});
