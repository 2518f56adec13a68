/**
 * A real exporter's output (../shared/real/genai-builder-llama-fp16: onnxruntime-genai's model builder,
 * fp16 weights, logits and KV inputs, com.microsoft operators, external weights in model.onnx.data) read
 * by the app's own code (onnx-proto scanner, external-data reader, onnx-io feeds, the CPU scoring head),
 * checked against onnxruntime-node run independently: the session opened from the file's path (ort finds
 * model.onnx.data itself), feeds written out here, float16 decoded here and log-softmax in float64.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeModelSource } from '../../cli/node-model-source';
import { openNodeModel } from '../../cli/ort-node';
import { externalDataFiles, MissingExternalDataError, readExternalData } from '../../src/lib/models/external-data';
import { chooseBos } from '../../src/lib/models/bos';
import { planModelIO } from '../../src/lib/models/onnx-io';
import { checkGraph, describeOpenError, DETAILS_MARKER, splitDetails } from '../../src/lib/models/graph-checks';
import { parseGenaiConfig, parseModelConfig } from '../../src/lib/models/model-config';
import { loadModelFolder, readFolderConfig, withBos } from '../../src/lib/models/model-source';
import {
  checkExternalLocation,
  externalDataLocations,
  graphContextLimit,
  positionCacheInputs,
  scanOnnx,
} from '../../src/lib/models/onnx-proto';
import { float16Value, widenHalf } from '../../src/lib/scoring/half';
import { scoreLogits } from '../../src/lib/scoring/log-softmax';
import { scoreText } from '../../src/lib/scoring/score-text';
import { realArtefact } from '../real-artefacts';
import { decodeHalf, genaiLlamaLogits, referenceRows } from '../real-reference';
import { bigramLogprob, bigramTable } from './helpers/bigram-model';
import { MODELS_DIR } from './helpers/fixtures';
import { bigramTable as table5 } from './helpers/bigram-model';
import { bigramOnnx, bigramOnnxExternal } from './helpers/tiny-onnx';

const LLAMA = realArtefact('genai-builder-llama-fp16');
const ONNX = join(LLAMA, 'onnx', 'model.onnx');
const TEXT = 'The quick brown fox jumps over the lazy dog. Call me Ishmael; some years ago, never mind how long.';

const tmp = mkdtempSync(join(tmpdir(), 'pp-real-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the ONNX scanner (src/lib/models/onnx-proto.ts)', () => {
  it('reads the real export: external data, inputs, outputs, operators, context, without the weights', () => {
    const bytes = readFileSync(ONNX);
    const scan = scanOnnx(bytes);
    expect(scan.producer).toBe('onnxruntime-genai');
    expect(externalDataLocations(scan)).toEqual(['model.onnx.data']);
    expect(externalDataFiles('onnx/model.onnx', scan)).toEqual([
      { location: 'model.onnx.data', path: 'onnx/model.onnx.data' },
    ]);
    // every initializer is external, and their (offset + length) end exactly at the data file's size
    const dataSize = readFileSync(join(LLAMA, 'onnx', 'model.onnx.data')).byteLength;
    expect(scan.initializers).toHaveLength(23);
    expect(Math.max(...scan.initializers.map((t) => t.external!.offset + t.external!.length!))).toBe(dataSize);
    expect(scan.initializers.find((t) => t.name === 'model.embed_tokens.weight')).toMatchObject({
      type: 'float16',
      dims: [32000, 16],
    });
    expect(graphContextLimit(scan)).toBe(2048); // cos_cache / sin_cache (2048, 8)
    expect(scan.inputs.map((i) => `${i.name}:${i.type}`)).toContain('past_key_values.1.value:float16');
    expect(scan.inputs.find((i) => i.name === 'past_key_values.0.key')!.dims).toEqual([
      'batch_size',
      1,
      'past_sequence_length',
      16,
    ]);
    expect(scan.outputs[0]).toMatchObject({ name: 'logits', type: 'float16' });
    const ops = scan.operators.map((o) => `${o.domain}:${o.opType}`);
    for (const op of [
      'com.microsoft:RotaryEmbedding',
      'com.microsoft:MultiHeadAttention',
      'com.microsoft:SkipSimplifiedLayerNormalization',
    ]) {
      expect(ops).toContain(op);
    }
    expect(scan.opsets).toContainEqual({ domain: 'com.microsoft', version: 1 });
  });

  it('refuses what is not an ONNX file, and locations outside the folder', () => {
    expect(() => scanOnnx(new TextEncoder().encode('<!doctype html><p>Not found</p>'))).toThrow(
      /not an ONNX protobuf|truncated|no graph/,
    );
    expect(() => scanOnnx(readFileSync(ONNX).subarray(0, 1000))).toThrow(/truncated|ends inside|not an ONNX protobuf/);
    for (const bad of ['../secret.bin', '/etc/passwd', 'https://evil.example/w.bin', 'a//b', '']) {
      expect(() => checkExternalLocation(bad), bad).toThrow(/not a file beside it/);
    }
    expect(checkExternalLocation('weights/model.onnx_data')).toBe('weights/model.onnx_data');
  });
});

describe('external weights in several parts (a synthetic export)', () => {
  const V = 61;
  const table = bigramTable(V, 7);
  const { onnx, files } = bigramOnnxExternal(table, V, 3);
  const dir = join(tmp, 'multi');
  const write = () => {
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'onnx', 'model.onnx'), onnx);
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, 'onnx', name), data);
  };

  it('finds every part by the location the file gives, and the model scores exactly', async () => {
    write();
    const scan = scanOnnx(onnx);
    expect(externalDataLocations(scan)).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']);
    const externalData = await readExternalData(nodeModelSource(dir), 'onnx/model.onnx', scan);
    expect(externalData.map((f) => [f.path, f.data.byteLength])).toEqual(
      Object.entries(files).map(([n, d]) => [n, d.byteLength]),
    );
    const model = await openNodeModel(onnx, {}, 'multi/model.onnx', externalData);
    const ids = Int32Array.from([3, 60, 0, 17, 17, 42]);
    const stats = await model.scorer.scoreWindow({ ids, from: 0, k: 2 });
    for (let i = 0; i < ids.length - 1; i++) {
      expect(Math.abs(stats.logprob[i] - bigramLogprob(table, V, ids[i], ids[i + 1]))).toBeLessThan(1e-6);
    }
    await model.release();
  });

  it('a missing part is one line naming the file', async () => {
    write();
    rmSync(join(dir, 'onnx', 'model.onnx_data_1'));
    const failure = readExternalData(nodeModelSource(dir), 'onnx/model.onnx', scanOnnx(onnx), 'the folder');
    await expect(failure).rejects.toBeInstanceOf(MissingExternalDataError);
    await expect(failure).rejects.toThrow(
      /^onnx\/model\.onnx keeps its weights in onnx\/model\.onnx_data_1, which the folder does not have \(not found\)$/,
    );
  });
});

describe('float16 logits in the CPU scoring head', () => {
  it('widens every float16 exactly (against the definition)', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const out = new Float32Array(65536);
    widenHalf({ type: 'float16', bits }, 0, 65536, out);
    for (let h = 0; h < 65536; h++) {
      const want = decodeHalf(h);
      if (Number.isNaN(want)) expect(Number.isNaN(out[h])).toBe(true);
      else if (out[h] !== want) throw new Error(`float16 ${h.toString(16)}: ${out[h]} != ${want}`);
    }
    expect(float16Value(0xc000)).toBe(-2);
    const bf = new Float32Array(2);
    widenHalf({ type: 'bfloat16', bits: Uint16Array.of(0x3f80, 0xc0a0) }, 0, 2, bf);
    expect([...bf]).toEqual([1, -5]);
  });

  it('scores half rows as their float32 widening does', () => {
    const V = 37;
    const T = 4;
    const bits = Uint16Array.from({ length: T * V }, (_, i) => 0x3000 + ((i * 2654435761) % 0x1000));
    const widened = Float32Array.from(bits, decodeHalf);
    const ids = Int32Array.from([1, 5, 36, 0]);
    const a = scoreLogits({ type: 'float16', bits }, ids, 0, 3);
    const b = scoreLogits(widened, ids, 0, 3);
    expect(a).toEqual(b);
  });
});

describe('the real genai-builder Llama (fp16) through the app', () => {
  it("loads by the file's own locations and scores within float16 precision of a float64 reference", async () => {
    const source = nodeModelSource(LLAMA);
    const { config, tokenizer } = await loadModelFolder(source);
    const bytes = await source.readBytes('onnx/model.onnx');
    const externalData = await readExternalData(source, 'onnx/model.onnx', scanOnnx(bytes));
    const model = await openNodeModel(bytes, config, 'genai-builder-llama-fp16', externalData);
    const result = await scoreText(TEXT, { tokenizer, config, scorer: model.scorer, k: 3 });
    await model.release();

    expect(config.bos_token_id).toBe(1);
    const ids = [1, ...result.tokens.map((t) => t.id)];
    const ref = await genaiLlamaLogits(ONNX, ids);
    expect(ref.type).toBe('float16');
    expect(ref.dims).toEqual([1, ids.length, 32000]);
    const want = referenceRows(ref.values, ids);
    expect(result.tokens).toHaveLength(want.length);
    let worst = 0;
    result.tokens.forEach((t, i) => {
      expect(t.scored).toBe(true);
      worst = Math.max(worst, Math.abs(t.logprob! - want[i].logprob), Math.abs(t.entropy! - want[i].entropy));
      expect(t.rank).toBe(want[i].rank);
    });
    // the stated tolerance is float16's (2e-2 nats); on the same logits the head agrees far closer
    expect(worst).toBeLessThan(2e-2);
    expect(worst).toBeLessThan(1e-6);
    const nats = -result.tokens.reduce((s, t) => s + t.logprob!, 0);
    expect(result.totals.nats_total).toBeCloseTo(nats, 9);
    // random weights: near-uniform predictions, about log(32000) = 10.37 nats a token
    expect(result.totals.nats_per_token).toBeGreaterThan(9.5);
    expect(result.totals.nats_per_token).toBeLessThan(11.5);
  }, 60_000);
});

describe('the float16 scoring head (public/scoring-head-f16.onnx, the graph WebGPU runs)', () => {
  it("on the real model's float16 logits, run by onnxruntime-node, matches the float64 reference", async () => {
    const ids = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889];
    const ref = await genaiLlamaLogits(ONNX, ids);
    const want = referenceRows(ref.values, ids);
    const T = ids.length;
    // the model's own float16 logits, as the model session hands them to the head on the GPU
    const half = new ort.Tensor('float16', ref.bits, [1, T, 32000]);
    const head = await ort.InferenceSession.create(join(__dirname, '..', '..', 'public', 'scoring-head-f16.onnx'));
    const i64 = (values: number[], dims: number[]) =>
      new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
    const from = 2;
    const out = await head.run({
      logits: half,
      first_row: i64([from], [1]),
      targets: i64(ids.slice(from + 1), [1, T - 1 - from]),
      k: i64([3], [1]),
    });
    await head.release();
    const logprob = out.target_logprob.data as Float32Array;
    const entropy = out.entropy.data as Float32Array;
    const rank = out.rank.data as Float32Array;
    expect(logprob).toHaveLength(T - 1 - from);
    for (let i = 0; i < logprob.length; i++) {
      // float32 arithmetic in the head over 32000 terms: far inside float16's 2e-2
      expect(Math.abs(logprob[i] - want[from + i].logprob)).toBeLessThan(1e-4);
      expect(Math.abs(entropy[i] - want[from + i].entropy)).toBeLessThan(1e-3);
      expect(rank[i]).toBe(want[from + i].rank);
    }
  }, 60_000);
});

describe('genai_config.json and the BOS each family expects', () => {
  const llamaTokenizer = JSON.parse(readFileSync(join(LLAMA, 'tokenizer.json'), 'utf8'));
  const llamaTokenizerConfig = JSON.parse(readFileSync(join(LLAMA, 'tokenizer_config.json'), 'utf8'));
  /** genai_config.json as onnxruntime-genai's builder writes it for this model (abridged). */
  const genai = {
    model: {
      bos_token_id: 1,
      context_length: 2048,
      decoder: {
        filename: 'model.onnx',
        head_size: 16,
        hidden_size: 16,
        num_attention_heads: 1,
        num_hidden_layers: 2,
        num_key_value_heads: 1,
        session_options: {},
      },
      eos_token_id: 2,
      pad_token_id: 0,
      type: 'llama',
      vocab_size: 32000,
    },
    search: { max_length: 2048 },
  };

  it("reads genai_config.json under config.json's names, with the ONNX file it names", () => {
    const { config, onnx } = parseGenaiConfig(genai);
    expect(onnx).toBe('model.onnx');
    expect(config).toEqual({
      model_type: 'llama',
      vocab_size: 32000,
      n_ctx: 2048,
      bos_token_id: 1,
      eos_token_id: 2,
      n_head: 1,
      n_kv_head: 1,
      head_dim: 16,
      n_layer: 2,
    });
    expect(() => parseGenaiConfig({ search: {} }, 'x/genai_config.json')).toThrow(
      'x/genai_config.json: no "model" object',
    );
    expect(() => parseGenaiConfig({ model: { vocab_size: 5 } })).toThrow(/genai_config\.json: no context length/);
  });

  it('a folder without config.json is read from genai_config.json; with neither, config.json is what is missing', async () => {
    const dir = join(tmp, 'genai');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'genai_config.json'), JSON.stringify(genai));
    const folder = await readFolderConfig(nodeModelSource(dir));
    expect(folder).toMatchObject({
      file: 'genai_config.json',
      onnx: 'model.onnx',
      config: { n_ctx: 2048, vocab_size: 32000 },
    });
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(readFolderConfig(nodeModelSource(empty))).rejects.toMatchObject({
      name: 'MissingModelFileError',
      path: 'config.json',
    });
  });

  it("Llama: <s> from the tokenizer's post-processor; GPT-2 style: the config's <|endoftext|>; none: nothing", () => {
    expect(chooseBos(llamaTokenizer, llamaTokenizerConfig, null)).toEqual({
      id: 1,
      text: '<s>',
      source: "the tokenizer's post-processor",
    });
    // add_bos_token alone (no template) names the token by its text
    const noTemplate = { ...llamaTokenizer, post_processor: null };
    expect(chooseBos(noTemplate, llamaTokenizerConfig, null)).toEqual({
      id: 1,
      text: '<s>',
      source: 'tokenizer_config.json add_bos_token',
    });
    const bundled = JSON.parse(readFileSync(join(MODELS_DIR, 'tiny-bpe8k', 'tokenizer.json'), 'utf8'));
    const bundledConfig = JSON.parse(readFileSync(join(MODELS_DIR, 'tiny-bpe8k', 'config.json'), 'utf8'));
    expect(chooseBos(bundled, { add_bos_token: false }, bundledConfig.bos_token_id)).toEqual({
      id: bundledConfig.bos_token_id,
      text: '<|endoftext|>',
      source: "the config's bos_token_id",
    });
    expect(chooseBos(noTemplate, { add_bos_token: false }, null)).toBeNull();
  });

  it('a BOS id beyond the vocabulary is refused at load', () => {
    const { config } = parseGenaiConfig(genai);
    expect(() =>
      withBos(
        { ...config, bos_token_id: 40000 },
        { ...llamaTokenizer, post_processor: null },
        { add_bos_token: false },
      ),
    ).toThrow(/BOS token id 40000 \(the config's bos_token_id\) is outside the model's vocabulary of 32000/);
    expect(withBos(config, llamaTokenizer, llamaTokenizerConfig).bos?.id).toBe(1);
  });
});

describe('load-time checks of the config against the graph (src/lib/models/graph-checks.ts)', () => {
  const bundled = () => {
    const bytes = readFileSync(join(MODELS_DIR, 'tiny-bpe1k', 'onnx', 'model.onnx'));
    const config = parseModelConfig(JSON.parse(readFileSync(join(MODELS_DIR, 'tiny-bpe1k', 'config.json'), 'utf8')));
    return { scan: scanOnnx(bytes), config };
  };

  it('an overstated context is capped at the position table, with a note; a true one passes unchanged', () => {
    const { scan, config } = bundled();
    expect(checkGraph(scan, config, 'config.json', 'onnx/model.onnx')).toEqual({ config, notes: [] });
    const over = checkGraph(scan, { ...config, n_ctx: 4096 }, 'config.json', 'onnx/model.onnx');
    expect(over.config.n_ctx).toBe(256);
    expect(over.notes).toEqual([
      "config.json states a context of 4096 tokens, but the model's position table holds 256: windows of 256 tokens are used",
    ]);
    const llama = scanOnnx(readFileSync(ONNX));
    const genai = parseGenaiConfig({
      model: { type: 'llama', vocab_size: 32000, context_length: 8192, bos_token_id: 1 },
    }).config;
    expect(checkGraph(llama, genai, 'genai_config.json', 'model.onnx').config.n_ctx).toBe(2048);
  });

  it('without a position table, the rotary caches the graph wires in cap the context (genai fixtures, the real export)', () => {
    const fixture = (layout: string) =>
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'real-export', layout, 'model.onnx'));
    const overstated = (limit: number) =>
      parseGenaiConfig({ model: { type: 'llama', vocab_size: 1280, context_length: limit, bos_token_id: 1279 } })
        .config;
    // GroupQueryAttention (fp16) and MultiHeadAttention (fp32): RotaryEmbedding reads cos_cache / sin_cache (128, 8)
    for (const layout of ['genai', 'genai-multipart']) {
      const scan = scanOnnx(fixture(layout));
      expect(scan.positionCaches, layout).toEqual(['cos_cache', 'sin_cache']);
      expect(graphContextLimit(scan), layout).toBe(128);
      const checked = checkGraph(scan, overstated(4096), 'genai_config.json', 'model.onnx');
      expect(checked.config.n_ctx).toBe(128);
      expect(checked.notes).toEqual([
        "genai_config.json states a context of 4096 tokens, but the model's position table holds 128: windows of 128 tokens are used",
      ]);
      expect(checkGraph(scan, overstated(128), 'genai_config.json', 'model.onnx').notes).toEqual([]);
    }
    // the same graph with its caches renamed (same length, so the protobuf stays valid): found by the wiring, not the name
    const bytes = Buffer.from(fixture('genai'));
    const renamed = Buffer.from(
      bytes.toString('latin1').replaceAll('cos_cache', 'rope_tabc').replaceAll('sin_cache', 'rope_tabs'),
      'latin1',
    );
    const scan = scanOnnx(renamed);
    expect(scan.initializers.some((t) => /(cos|sin)_cache/.test(t.name))).toBe(false);
    expect(scan.positionCaches).toEqual(['rope_tabc', 'rope_tabs']);
    expect(graphContextLimit(scan)).toBe(128);
    expect(graphContextLimit({ initializers: scan.initializers })).toBeNull(); // by name alone: nothing
    // the onnxruntime-genai builder's real export: 2048 positions in its rotary caches, whatever genai_config says
    const real = scanOnnx(readFileSync(ONNX));
    expect(real.positionCaches).toEqual(['cos_cache', 'sin_cache']);
    expect(
      checkGraph(real, { ...overstated(8192), vocab_size: 32000 }, 'genai_config.json', 'model.onnx').config.n_ctx,
    ).toBe(2048);
  });

  it('reads the cos / sin inputs of each rotary operator by position', () => {
    expect(positionCacheInputs('com.microsoft', 'RotaryEmbedding', ['x', 'pos', 'c', 's'])).toEqual(['c', 's']);
    const gqa = ['q', 'k', 'v', 'pk', 'pv', 'seqlens_k', 'total', 'c', 's'];
    expect(positionCacheInputs('com.microsoft', 'GroupQueryAttention', gqa)).toEqual(['c', 's']);
    expect(positionCacheInputs('com.microsoft', 'GroupQueryAttention', gqa.slice(0, 7))).toEqual([]); // do_rotary=0: none
    expect(positionCacheInputs('', 'RotaryEmbedding', ['x', 'c', 's', 'pos'])).toEqual(['c', 's']);
    expect(positionCacheInputs('', 'RotaryEmbedding', ['x', 'c', 's'])).toEqual([]); // caches per token, not per position
    expect(positionCacheInputs('com.microsoft', 'MultiHeadAttention', ['q', 'k', 'v'])).toEqual([]);
  });

  it('a vocabulary the logits contradict, a seq2seq or encoder model, and a model without logits are refused', () => {
    const { scan, config } = bundled();
    expect(() => checkGraph(scan, { ...config, vocab_size: 2000 }, 'config.json', 'onnx/model.onnx')).toThrow(
      'config.json says vocab_size 2000, but onnx/model.onnx returns 1280 logits per token: the files do not belong together',
    );
    const seq2seq = {
      ...scan,
      inputs: [...scan.inputs, { name: 'encoder_hidden_states', type: 'float32', dims: null }],
    };
    expect(() => checkGraph(seq2seq, config, 'config.json', 'decoder_model.onnx')).toThrow(
      /encoder-decoder \(seq2seq\) model: the playground scores causal language models/,
    );
    expect(() => checkGraph(scan, { ...config, model_type: 'bert' }, 'config.json', 'model.onnx')).toThrow(
      /encoder-only model \(bert\)/,
    );
    const base = {
      ...scan,
      outputs: [
        { name: 'last_hidden_state', type: 'float32', dims: null },
        { name: 'pooler_output', type: 'float32', dims: null },
      ],
    };
    expect(() => checkGraph(base, config, 'config.json', 'model.onnx')).toThrow(
      /has no logits output \(its outputs: last_hidden_state, pooler_output\)/,
    );
  });

  it("an operator the runtime cannot run is named in one line, the runtime's text kept as details", async () => {
    const bytes = Buffer.from(
      Buffer.from(bigramOnnx(table5(5), 5))
        .toString('latin1')
        .replace('Gather', 'Gathxr'),
      'latin1',
    );
    const text = await ort.InferenceSession.create(bytes).then(
      () => '',
      (e: Error) => e.message,
    );
    const err = describeOpenError('onnx/model_q4.onnx', text, 'wasm');
    const { line, details } = splitDetails(err.message);
    expect(line).toBe(
      'onnx/model_q4.onnx uses the operator Gathxr (opset 13), which onnxruntime-web cannot run on WASM: try another variant of the model (fp32 or int8) or the other backend',
    );
    expect(line).not.toContain('\n');
    expect(details).toBe(text);
    expect(err.message).toContain(DETAILS_MARKER);
    // ort-web's wording for a kernel it lacks
    expect(
      splitDetails(
        describeOpenError('m.onnx', "Could not find an implementation for MatMulNBits(1) node with name 'x'").message,
      ).line,
    ).toMatch(/^m\.onnx uses the operator MatMulNBits \(opset 1\)/);
  });
});

describe('empty past inputs by type (src/lib/models/onnx-io.ts)', () => {
  it('float16 past inputs are fed as empty float16; bfloat16 is refused in plain words', () => {
    const io = planModelIO(
      scanOnnx(readFileSync(ONNX)).inputs.map((i) => ({
        name: i.name,
        type: i.type ?? undefined,
        shape: i.dims?.map((d) => d ?? 'x'),
      })),
      ['logits'],
    );
    expect(io.inputs.filter((i) => i.role === 'past').map((i) => [i.pastType, i.pastDims])).toEqual(
      Array(4).fill(['float16', [1, 1, 0, 16]]),
    );
    expect(() =>
      planModelIO(
        [{ name: 'input_ids' }, { name: 'past_key_values.0.key', type: 'bfloat16', shape: [1, 1, 'past', 16] }],
        ['logits'],
      ),
    ).toThrow(
      /"past_key_values\.0\.key" is bfloat16, which onnxruntime-web cannot feed: use the model's fp16 or fp32 variant/,
    );
  });
});

describe('the command line on the real export', () => {
  it('npm run score reads model.onnx.data by its location and prints the reference numbers', async () => {
    const root = join(__dirname, '..', '..');
    const out = execFileSync(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'cli/score.ts'), '--model', LLAMA, '--json', '-'],
      {
        cwd: root,
        input: TEXT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const result = JSON.parse(out) as { n_ctx: number; tokens: { id: number; logprob: number }[] };
    expect(result.n_ctx).toBe(2048);
    const ids = [1, ...result.tokens.map((t) => t.id)];
    const want = referenceRows((await genaiLlamaLogits(ONNX, ids)).values, ids);
    result.tokens.forEach((t, i) => expect(Math.abs(t.logprob - want[i].logprob)).toBeLessThan(2e-2));
  }, 120_000);
});
