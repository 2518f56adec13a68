/**
 * A small reader of an ONNX file's protobuf (onnx.proto3) that walks ModelProto → GraphProto and reads
 * what a load needs to know before a session opens, without decoding any weights (raw_data and every
 * other payload is skipped by its length):
 *   - each initializer's name, element type, dims and, for weights kept outside the file, where they are
 *     (TensorProto `external_data`: `location`, `offset`, `length`);
 *   - the graph's declared inputs and outputs (name, element type, dims);
 *   - the operators its nodes use (domain, op_type), and the opsets it imports.
 *
 *   const scan = scanOnnx(bytes);
 *   externalDataLocations(scan) // ['model.onnx.data']
 */

/** TensorProto.DataType values, as ONNX numbers them. */
export const ONNX_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
  21: 'uint4',
  22: 'int4',
};

export interface OnnxInitializer {
  name: string;
  /** ONNX_TYPES name, or `type <n>` for one not listed. */
  type: string;
  dims: number[];
  /** Set when the tensor's bytes are in another file (data_location EXTERNAL). */
  external: { location: string; offset: number; length: number | null } | null;
}

export interface OnnxValueInfo {
  name: string;
  /** Element type of a tensor value (ONNX_TYPES name), or null when it is not a tensor or has none. */
  type: string | null;
  /** Each dimension: a number, a symbolic name, or null when unnamed. */
  dims: (number | string | null)[] | null;
}

export interface OnnxScan {
  irVersion: number | null;
  producer: string;
  /** Opsets imported: domain ('' is the default ai.onnx) and version. */
  opsets: { domain: string; version: number }[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Distinct operators of the main graph's nodes (not of subgraphs), in order of first use. */
  operators: { domain: string; opType: string }[];
  /**
   * Values the graph's rotary operators read as their cos / sin caches (first dimension: the positions the
   * graph can take), whatever they are named: com.microsoft RotaryEmbedding's inputs 2 and 3,
   * GroupQueryAttention's 7 and 8, ai.onnx RotaryEmbedding's 1 and 2 (when it takes position_ids).
   */
  positionCaches: string[];
}

/** A protobuf wire-format cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('the file ends inside a number (truncated?)');
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * scale; // no bitwise ops: values above 2^31 (offsets) stay exact up to 2^53
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('its bytes are not an ONNX protobuf (a malformed number)');
  }
  /** A signed int64 varint (negative values are 10 bytes, two's complement). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  /** [start, end) of a length-delimited field's payload; the cursor moves past it. */
  span(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new Error('the file is truncated, or not an ONNX protobuf (a field runs past its end)');
    this.pos = start + length;
    return [start, this.pos];
  }
  sub(): Reader {
    const [start, end] = this.span();
    return new Reader(this.bytes, start, end);
  }
  string(): string {
    const [start, end] = this.span();
    return decoder.decode(this.bytes.subarray(start, end));
  }
  /** Skip a field of this wire type. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.span();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`its bytes are not an ONNX protobuf (unknown field type ${wire})`);
    if (this.pos > this.end) throw new Error('the file is truncated, or not an ONNX protobuf');
  }
  /** Calls `field(number, wire)` for each field; `field` reads it or returns false to skip it. */
  fields(field: (n: number, wire: number) => boolean | void): void {
    while (!this.done) {
      const key = this.varint();
      const n = Math.floor(key / 8);
      const wire = key & 7;
      if (field(n, wire) !== true) this.skip(wire);
    }
  }
}

const decoder = new TextDecoder();

const typeName = (n: number): string => ONNX_TYPES[n] ?? `type ${n}`;

/** Repeated int64: packed (wire 2) or one per field (wire 0). */
function readInts(r: Reader, wire: number, into: number[]): void {
  if (wire === 2) {
    const packed = r.sub();
    while (!packed.done) into.push(packed.int64());
  } else {
    into.push(r.int64());
  }
}

function readTensor(r: Reader): OnnxInitializer {
  const tensor: OnnxInitializer = { name: '', type: typeName(0), dims: [], external: null };
  const entries = new Map<string, string>();
  let external = false;
  r.fields((n, wire) => {
    if (n === 1 && (wire === 0 || wire === 2)) readInts(r, wire, tensor.dims);
    else if (n === 2 && wire === 0) tensor.type = typeName(r.varint());
    else if (n === 8 && wire === 2) tensor.name = r.string();
    else if (n === 13 && wire === 2) {
      // StringStringEntryProto: key = 1, value = 2
      const entry = r.sub();
      let key = '';
      let value = '';
      entry.fields((m, w) => {
        if (m === 1 && w === 2) key = entry.string();
        else if (m === 2 && w === 2) value = entry.string();
        else return false;
        return true;
      });
      entries.set(key, value);
    } else if (n === 14 && wire === 0) external = r.varint() === 1;
    else return false;
    return true;
  });
  if (external || entries.has('location')) {
    const location = entries.get('location') ?? '';
    const length = entries.get('length');
    tensor.external = { location, offset: Number(entries.get('offset') ?? 0), length: length === undefined ? null : Number(length) };
  }
  return tensor;
}

/** ValueInfoProto: name = 1, type = 2 (TypeProto: tensor_type = 1 (elem_type = 1, shape = 2 (dim = 1 (dim_value = 1, dim_param = 2)))). */
function readValueInfo(r: Reader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', type: null, dims: null };
  r.fields((n, wire) => {
    if (n === 1 && wire === 2) info.name = r.string();
    else if (n === 2 && wire === 2) {
      const type = r.sub();
      type.fields((m, w) => {
        if (m !== 1 || w !== 2) return false;
        const tensor = type.sub();
        tensor.fields((t, tw) => {
          if (t === 1 && tw === 0) info.type = typeName(tensor.varint());
          else if (t === 2 && tw === 2) {
            const shape = tensor.sub();
            info.dims = [];
            shape.fields((s, sw) => {
              if (s !== 1 || sw !== 2) return false;
              const dim = shape.sub();
              let value: number | string | null = null;
              dim.fields((d, dw) => {
                if (d === 1 && dw === 0) value = dim.int64();
                else if (d === 2 && dw === 2) value = dim.string();
                else return false;
                return true;
              });
              info.dims!.push(value);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return info;
}

/**
 * The inputs of one node that are rotary cos / sin caches indexed by position (see OnnxScan.positionCaches).
 * @example positionCacheInputs('com.microsoft', 'RotaryEmbedding', ['q', 'position_ids', 'cos', 'sin']) // ['cos', 'sin']
 */
export function positionCacheInputs(domain: string, opType: string, inputs: readonly string[]): string[] {
  let at: number[] = [];
  if (domain === 'com.microsoft' && opType === 'RotaryEmbedding') at = [2, 3];
  else if (domain === 'com.microsoft' && opType === 'GroupQueryAttention') at = [7, 8];
  // ai.onnx (opset 23): X, cos_cache, sin_cache, position_ids; without position_ids the caches are per token
  else if ((domain === '' || domain === 'ai.onnx') && opType === 'RotaryEmbedding' && inputs[3]) at = [1, 2];
  return at.map((i) => inputs[i]).filter((name): name is string => !!name);
}

/**
 * Scan an ONNX file's structure. Throws, in plain words, when the bytes are not an ONNX model.
 * @example scanOnnx(bytes).initializers.filter((t) => t.external).map((t) => t.external!.location)
 */
export function scanOnnx(bytes: Uint8Array): OnnxScan {
  const scan: OnnxScan = { irVersion: null, producer: '', opsets: [], initializers: [], inputs: [], outputs: [], operators: [], positionCaches: [] };
  const seenOps = new Set<string>();
  let graphs = 0;
  const model = new Reader(bytes);
  model.fields((n, wire) => {
    if (n === 1 && wire === 0) scan.irVersion = model.varint();
    else if (n === 2 && wire === 2) scan.producer = model.string();
    else if (n === 8 && wire === 2) {
      // OperatorSetIdProto: domain = 1, version = 2
      const opset = model.sub();
      const entry = { domain: '', version: 0 };
      opset.fields((m, w) => {
        if (m === 1 && w === 2) entry.domain = opset.string();
        else if (m === 2 && w === 0) entry.version = opset.varint();
        else return false;
        return true;
      });
      scan.opsets.push(entry);
    } else if (n === 7 && wire === 2) {
      graphs++;
      const graph = model.sub();
      graph.fields((g, w) => {
        if (w !== 2) return false;
        if (g === 5) scan.initializers.push(readTensor(graph.sub()));
        else if (g === 11) scan.inputs.push(readValueInfo(graph.sub()));
        else if (g === 12) scan.outputs.push(readValueInfo(graph.sub()));
        else if (g === 1) {
          // NodeProto: input = 1, op_type = 4, domain = 7
          const node = graph.sub();
          let opType = '';
          let domain = '';
          const inputs: string[] = [];
          node.fields((m, nw) => {
            if (m === 1 && nw === 2) inputs.push(node.string());
            else if (m === 4 && nw === 2) opType = node.string();
            else if (m === 7 && nw === 2) domain = node.string();
            else return false;
            return true;
          });
          for (const name of positionCacheInputs(domain, opType, inputs)) {
            if (!scan.positionCaches.includes(name)) scan.positionCaches.push(name);
          }
          const key = `${domain}\u0000${opType}`;
          if (!seenOps.has(key)) {
            seenOps.add(key);
            scan.operators.push({ domain, opType });
          }
        } else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (graphs === 0 || scan.irVersion === null) throw new Error('it has no graph');
  return scan;
}

/**
 * The files holding a model's external weights, as the ONNX file names them (relative to its folder),
 * in order of first use.
 * @example externalDataLocations(scanOnnx(bytes)) // ['model.onnx_data', 'model.onnx_data_1']
 */
export function externalDataLocations(scan: Pick<OnnxScan, 'initializers'>): string[] {
  const out: string[] = [];
  for (const t of scan.initializers) {
    const location = t.external?.location;
    if (location && !out.includes(location)) out.push(location);
  }
  return out;
}

/**
 * A location is a plain relative path inside the model's folder: no absolute path, no `..`, no URL.
 * Throws naming it otherwise (a file could otherwise make the app fetch from anywhere).
 */
export function checkExternalLocation(location: string): string {
  const parts = location.replace(/\\/g, '/').split('/');
  if (location === '' || /^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith('/') || parts.some((p) => p === '..' || p === '')) {
    throw new Error(`the ONNX file names its external weights "${location}", which is not a file beside it`);
  }
  return parts.join('/');
}

/** Initialiser name patterns whose first dimension is the number of positions the graph can embed. */
const POSITION_TABLES = [/(^|[./_])wpe([./_]|$)/i, /position_embeddings?\b/i, /embed_positions/i, /pos_emb/i, /(^|[./_])(cos|sin)_cache$/i];

/**
 * The longest context the graph can take, from its position tables (GPT-2's `wpe`, `*position_embedding*`,
 * rotary `cos_cache` / `sin_cache`, and whatever initialisers its rotary operators read as caches): the
 * smallest first dimension among them, or null when it has none.
 * @example graphContextLimit(scanOnnx(bytes)) // 2048
 */
export function graphContextLimit(scan: Pick<OnnxScan, 'initializers'> & Partial<Pick<OnnxScan, 'positionCaches'>>): number | null {
  let limit: number | null = null;
  const caches = new Set(scan.positionCaches ?? []);
  for (const t of scan.initializers) {
    if (t.dims.length !== 2 || !(caches.has(t.name) || POSITION_TABLES.some((re) => re.test(t.name)))) continue;
    if (limit === null || t.dims[0] < limit) limit = t.dims[0];
  }
  return limit;
}

/** Bits per element of each ONNX_TYPES name a weight may have (strings and unknown types are left out). */
const ELEMENT_BITS: Readonly<Record<string, number>> = {
  float32: 32, uint8: 8, int8: 8, uint16: 16, int16: 16, int32: 32, int64: 64, bool: 8, float16: 16, float64: 64,
  uint32: 32, uint64: 64, bfloat16: 16, uint4: 4, int4: 4,
};

/**
 * The largest initialiser (a weight) by its bytes, dims times element size: what must fit one GPU buffer.
 * @example largestInitializer(scanOnnx(bytes)) // { name: 'model.embed_tokens.weight', bytes: 65536000 }
 */
export function largestInitializer(scan: Pick<OnnxScan, 'initializers'>): { name: string; bytes: number } | null {
  let best: { name: string; bytes: number } | null = null;
  for (const t of scan.initializers) {
    const bits = ELEMENT_BITS[t.type];
    if (!bits) continue;
    const bytes = Math.ceil((t.dims.reduce((a, d) => a * d, 1) * bits) / 8);
    if (!best || bytes > best.bytes) best = { name: t.name, bytes };
  }
  return best;
}
