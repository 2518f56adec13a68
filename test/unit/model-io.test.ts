import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel } from '../../cli/ort-node';
import { parseModelConfig } from '../../src/lib/models/model-config';
import { loadModelFolder } from '../../src/lib/models/model-source';
import {
  buildFeeds,
  int64Of,
  pickLogitsOutput,
  planModelIO,
  type FeedData,
  type FeedTensorType,
} from '../../src/lib/models/onnx-io';
import { bigramLogprob, bigramTable } from './helpers/bigram-model';
import { MODELS_DIR, readJSON } from './helpers/fixtures';
import { bigramOnnx, writeModelFolder } from './helpers/tiny-onnx';

const tmp = mkdtempSync(join(tmpdir(), 'pp-model-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseModelConfig', () => {
  it('reads the fields under one set of names', () => {
    expect(
      parseModelConfig({
        model_type: 'gpt2',
        vocab_size: 1280,
        n_positions: 256,
        n_embd: 128,
        n_head: 4,
        n_layer: 4,
        bos_token_id: 1279,
        eos_token_id: 1279,
      }),
    ).toEqual({
      model_type: 'gpt2',
      vocab_size: 1280,
      n_ctx: 256,
      bos_token_id: 1279,
      eos_token_id: 1279,
      n_head: 4,
      n_kv_head: 4,
      head_dim: 32,
      n_layer: 4,
    });
    const llama = parseModelConfig({
      vocab_size: 32000,
      max_position_embeddings: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      hidden_size: 4096,
      eos_token_id: [2, 3],
    });
    expect(llama).toMatchObject({
      n_ctx: 4096,
      n_kv_head: 8,
      head_dim: 128,
      bos_token_id: null,
      eos_token_id: 2,
      model_type: null,
    });
  });

  it('names what is missing', () => {
    expect(() => parseModelConfig({ n_positions: 256 }, 'm/config.json')).toThrow('m/config.json: no vocab_size');
    expect(() => parseModelConfig({ vocab_size: 10 })).toThrow(
      /no context length \(looked for n_positions, n_ctx, max_position_embeddings\)/,
    );
    expect(() => parseModelConfig({ vocab_size: 10, n_ctx: 8, bos_token_id: 'x' })).toThrow(
      /bos_token_id must be a non-negative integer/,
    );
    expect(() => parseModelConfig([])).toThrow(/expected a JSON object/);
  });
});

/** A tensor factory that records what it was asked for. */
const plain = (type: FeedTensorType, data: FeedData, dims: readonly number[]) => ({
  type,
  data: Array.from(data, Number),
  dims: [...dims],
});

describe('planModelIO and buildFeeds', () => {
  it('feeds input_ids and a mask of ones for the plain export', () => {
    const io = planModelIO(['input_ids', 'attention_mask'], ['logits']);
    const feeds = buildFeeds(io, Int32Array.from([5, 6, 7]), plain);
    expect(feeds).toEqual({
      input_ids: { type: 'int64', data: [5, 6, 7], dims: [1, 3] },
      attention_mask: { type: 'int64', data: [1, 1, 1], dims: [1, 3] },
    });
  });

  it('feeds what an Optimum export declares: positions, an empty past, no cache branch', () => {
    const io = planModelIO(
      [
        { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
        { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'total_sequence_length'] },
        { name: 'position_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
        { name: 'past_key_values.0.key', type: 'float32', shape: ['batch_size', 4, 'past_sequence_length', 32] },
        {
          name: 'past_key_values.0.value',
          type: 'float16',
          shape: ['batch_size', 'num_heads', 'past_sequence_length', 'head_size'],
        },
        { name: 'use_cache_branch', type: 'bool', shape: [1] },
      ],
      ['logits', 'present.0.key', 'present.0.value'],
      { n_kv_head: 2, head_dim: 16 },
    );
    expect(io.logits).toBe('logits');
    const feeds = buildFeeds(io, Int32Array.from([9, 8]), plain);
    expect(feeds.position_ids).toEqual({ type: 'int64', data: [0, 1], dims: [1, 2] });
    expect(feeds['past_key_values.0.key']).toEqual({ type: 'float32', data: [], dims: [1, 4, 0, 32] });
    expect(feeds['past_key_values.0.value']).toEqual({ type: 'float16', data: [], dims: [1, 2, 0, 16] });
    expect(feeds.use_cache_branch).toEqual({ type: 'bool', data: [0], dims: [1] });
  });

  it('sizes an empty past from config.json when only names are known', () => {
    const io = planModelIO(['input_ids', 'past_key_values.0.key'], ['logits'], { n_kv_head: 3, head_dim: 8 });
    expect(buildFeeds(io, Int32Array.from([1]), plain)['past_key_values.0.key'].dims).toEqual([1, 3, 0, 8]);
    expect(() => planModelIO(['input_ids', 'past_key_values.0.key'], ['logits'])).toThrow(/cannot size dimension 1/);
  });

  it('lists what the model has when it cannot be fed or has no logits', () => {
    expect(() => planModelIO(['input_ids', 'pixel_values'], ['logits'])).toThrow(
      /"pixel_values" is not one this app can feed \(its inputs: input_ids, pixel_values; known: /,
    );
    expect(() => planModelIO(['tokens'], ['logits'])).toThrow(/no input_ids input \(its inputs: tokens\)/);
    expect(() => planModelIO(['input_ids'], ['hidden', 'pooled'])).toThrow(
      /no "logits" output \(its outputs: hidden, pooled\)/,
    );
    expect(pickLogitsOutput(['scores'])).toBe('scores');
  });
});

describe('model folders and onnxruntime-node', () => {
  const V = 257;
  const table = bigramTable(V, 3);
  const tokenizerJson = readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json'));
  const config = { model_type: 'bigram', vocab_size: V, n_positions: 32, bos_token_id: 256, n_head: 2, n_embd: 8 };

  it('loads config and tokenizer through a source, without the optional tokenizer_config.json', async () => {
    const dir = writeModelFolder(join(tmp, 'plain'), { config, tokenizerJson });
    const loaded = await loadModelFolder(nodeModelSource(dir));
    expect(loaded.config).toMatchObject({ vocab_size: V, n_ctx: 32, bos_token_id: 256 });
    expect(loaded.tokenizer.vocabSize).toBe(V);
  });

  it('names the missing or broken file', async () => {
    const dir = writeModelFolder(join(tmp, 'broken'), { config, tokenizerJson });
    writeFileSync(join(dir, 'config.json'), '{ not json');
    await expect(loadModelFolder(nodeModelSource(dir))).rejects.toThrow(/config.json is not valid JSON/);
    rmSync(join(dir, 'config.json'));
    await expect(loadModelFolder(nodeModelSource(dir))).rejects.toThrow(/broken: no config.json/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...tokenizerJson, pre_tokenizer: { type: 'Nope' } }));
    await expect(loadModelFolder(nodeModelSource(dir))).rejects.toThrow(
      /tokenizer.json: unsupported pre-tokenizer type 'Nope'/,
    );
  });

  it('runs a model with Optimum-style extra inputs, one forward pass per window', async () => {
    const onnx = bigramOnnx(table, V, {
      extraInputs: [
        { name: 'position_ids', elemType: 'int64', shape: ['batch', 'sequence'] },
        { name: 'past_key_values.0.key', elemType: 'float32', shape: ['batch', 2, 'past_sequence_length', 4] },
        { name: 'past_key_values.0.value', elemType: 'float32', shape: ['batch', 2, 'past_sequence_length', 4] },
        { name: 'use_cache_branch', elemType: 'bool', shape: [1] },
      ],
      outputName: 'logits',
      secondOutput: 'present.0.key',
    });
    const model = await openNodeModel(onnx, parseModelConfig(config), 'bigram.onnx');
    try {
      const ids = Int32Array.from([256, 72, 105, 33]);
      const stats = await model.scorer.scoreWindow({ ids, from: 1, k: 2 });
      expect(model.forwardPasses).toBe(1);
      expect(stats.logprob).toHaveLength(2);
      // Gather copies the float32 table exactly, so the only difference is float64 rounding
      expect(stats.logprob[0]).toBeCloseTo(bigramLogprob(table, V, 72, 105), 9);
      expect(stats.logprob[1]).toBeCloseTo(bigramLogprob(table, V, 105, 33), 9);
    } finally {
      await model.release();
    }
  });

  it('fails clearly on a file that is not an ONNX model, or a model without logits', async () => {
    await expect(openNodeModel(new TextEncoder().encode('not a model'), {}, 'x/model.onnx')).rejects.toThrow(
      /x\/model.onnx is not a model onnxruntime can load/,
    );
    const twoOutputs = bigramOnnx(table, V, { outputName: 'hidden', secondOutput: 'pooled' });
    await expect(openNodeModel(twoOutputs, {}, 'y/model.onnx')).rejects.toThrow(
      /no "logits" output \(its outputs: hidden, pooled\)/,
    );
  });
});

describe('int64Of', () => {
  it('writes every int32 value, negative ones sign-extended, as BigInt64Array would', () => {
    const values = Int32Array.of(0, 1, 255, 65_536, 2 ** 31 - 1, -1, -(2 ** 31), 50_256);
    expect(Array.from(int64Of(values))).toEqual(Array.from(values, (v) => BigInt(v)));
    expect(int64Of([]).length).toBe(0);
  });
});
