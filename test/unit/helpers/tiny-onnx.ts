/**
 * Writes tiny ONNX models for tests, so the runtime path (onnxruntime-node, feeds, logits) is tested
 * without waiting for trained models and without binary fixtures in the repository. The model is the
 * bigram of bigram-model.ts as a graph: logits = Gather(table, input_ids), (batch, seq, V).
 * Only the few protobuf fields these graphs need are written (onnx/onnx.proto, proto2).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;

type Field = Uint8Array;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A varint field (wire type 0). */
const int = (field: number, value: number): Field => Uint8Array.from([...varint(field << 3), ...varint(value)]);
/** A length-delimited field (wire type 2): bytes, a string or an embedded message. */
function bytes(field: number, value: Uint8Array | string): Field {
  const body = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(body.length)]), body]);
}
const message = (field: number, ...parts: Field[]): Field => bytes(field, concat(parts));

/** A dimension: a number, or a symbolic name. */
type Dim = number | string;

/** ValueInfoProto (field `field` of GraphProto): a named tensor of a type and shape. */
function valueInfo(field: number, name: string, elemType: number, shape: Dim[]): Field {
  const dims = shape.map((d) => message(1, typeof d === 'number' ? int(1, d) : bytes(2, d)));
  const tensorType = message(1, int(1, elemType), message(2, ...dims));
  return message(field, bytes(1, name), message(2, tensorType));
}

export interface TinyModelOptions {
  /** Extra graph inputs the graph does not use (to test feeding Optimum-style inputs). */
  extraInputs?: { name: string; elemType: 'int64' | 'float32' | 'bool'; shape: Dim[] }[];
  /** Name of the logits output. @defaultValue 'logits' */
  outputName?: string;
  /** A second output (copy of the logits), to test picking the logits among several. */
  secondOutput?: string;
}

/**
 * An ONNX bigram model: inputs input_ids, attention_mask (int64 [batch, seq]); output logits
 * (float32 [batch, seq, V]) = table[input_ids], table (V, V) row-major.
 * @example writeFileSync('model.onnx', bigramOnnx(table, 257));
 */
export function bigramOnnx(table: Float32Array, V: number, options: TinyModelOptions = {}): Uint8Array {
  const outputName = options.outputName ?? 'logits';
  const elemTypes = { int64: INT64, float32: FLOAT, bool: BOOL };
  const initializer = message(
    5,
    int(1, V),
    int(1, V),
    int(2, FLOAT),
    bytes(8, 'table'),
    bytes(9, new Uint8Array(table.buffer, table.byteOffset, table.byteLength)),
  );
  const nodes = [
    message(1, bytes(1, 'table'), bytes(1, 'input_ids'), bytes(2, outputName), bytes(3, 'gather'), bytes(4, 'Gather')),
  ];
  const outputs = [valueInfo(12, outputName, FLOAT, ['batch', 'sequence', V])];
  if (options.secondOutput) {
    nodes.push(
      message(1, bytes(1, outputName), bytes(2, options.secondOutput), bytes(3, 'copy'), bytes(4, 'Identity')),
    );
    outputs.push(valueInfo(12, options.secondOutput, FLOAT, ['batch', 'sequence', V]));
  }
  const inputs = [
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    ...(options.extraInputs ?? []).map((x) => valueInfo(11, x.name, elemTypes[x.elemType], x.shape)),
  ];
  const graph = message(7, ...nodes, bytes(2, 'bigram'), initializer, ...inputs, ...outputs);
  const opset = message(8, bytes(1, ''), int(2, 13));
  return concat([int(1, 8), bytes(2, 'perplexity-playground tests'), graph, opset]);
}

/**
 * A complete model folder (config.json, tokenizer files, onnx/model.onnx) in `dir`.
 * @example writeModelFolder(dir, { config, tokenizerJson, onnx: bigramOnnx(table, 257) });
 */
export function writeModelFolder(
  dir: string,
  files: { config: object; tokenizerJson: object; tokenizerConfig?: object; onnx?: Uint8Array },
): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(files.config));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
  if (files.tokenizerConfig) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
  if (files.onnx) writeFileSync(join(dir, 'onnx/model.onnx'), files.onnx);
  return dir;
}

/**
 * The bigram model with its table kept outside the .onnx file, split by rows over `parts` files named
 * as exporters name them (`model.onnx_data`, `model.onnx_data_1`, ...; or `names`): each part is an
 * initializer whose TensorProto `external_data` gives location, offset and length, and a Concat joins them.
 * @example const { onnx, files } = bigramOnnxExternal(table, 257, 3); // files: { 'model.onnx_data': ..., ... }
 */
export function bigramOnnxExternal(
  table: Float32Array,
  V: number,
  parts: number,
  names: string[] = Array.from({ length: parts }, (_, i) => (i === 0 ? 'model.onnx_data' : `model.onnx_data_${i}`)),
): { onnx: Uint8Array; files: Record<string, Uint8Array> } {
  const rowsPer = Math.ceil(V / parts);
  const files: Record<string, Uint8Array> = {};
  const initializers: Field[] = [];
  const chunkNames: string[] = [];
  for (let p = 0; p < parts; p++) {
    const rows = Math.min(rowsPer, V - p * rowsPer);
    const chunk = table.slice(p * rowsPer * V, (p * rowsPer + rows) * V);
    // a few bytes of padding first, so that offsets are not all 0
    const data = concat([new Uint8Array(16), new Uint8Array(chunk.buffer)]);
    files[names[p]] = data;
    const entry = (key: string, value: string) => message(13, bytes(1, key), bytes(2, value));
    const name = `table.${p}`;
    chunkNames.push(name);
    initializers.push(
      message(
        5,
        int(1, rows),
        int(1, V),
        int(2, FLOAT),
        bytes(8, name),
        entry('location', names[p]),
        entry('offset', '16'),
        entry('length', String(chunk.byteLength)),
        int(14, 1), // data_location: EXTERNAL
      ),
    );
  }
  const axis = message(5, bytes(1, 'axis'), int(3, 0), int(20, 2)); // AttributeProto: name, i, type INT
  const nodes = [
    message(1, ...chunkNames.map((n) => bytes(1, n)), bytes(2, 'table'), bytes(3, 'join'), bytes(4, 'Concat'), axis),
    message(1, bytes(1, 'table'), bytes(1, 'input_ids'), bytes(2, 'logits'), bytes(3, 'gather'), bytes(4, 'Gather')),
  ];
  const inputs = [
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
  ];
  const graph = message(
    7,
    ...nodes,
    bytes(2, 'bigram'),
    ...initializers,
    ...inputs,
    valueInfo(12, 'logits', FLOAT, ['batch', 'sequence', V]),
  );
  const opset = message(8, bytes(1, ''), int(2, 13));
  return { onnx: concat([int(1, 8), bytes(2, 'perplexity-playground tests'), graph, opset]), files };
}
