/**
 * TensorBoard event files (`events.out.tfevents.*`), read the way TensorBoard reads them
 * (tensorboard/backend/event_processing/event_file_loader.py): TFRecord frames, both CRCs checked,
 * then a small protobuf decoder for `Event { wall_time, step, summary { value { tag, simple_value |
 * tensor, metadata.plugin_data.plugin_name } } }`. Only scalars are kept; everything else is counted
 * so that a file without scalars can say what it holds.
 *
 * The reader is incremental: `push()` takes the bytes appended since the last call and decodes every
 * complete record, keeping a partial one for the next call, so a live run is read once, not per poll.
 *
 * Frame (little-endian): uint64 length | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
 */
import { formatInteger } from '../format';

// ---------------------------------------------------------------------------------------------------
// CRC-32C (Castagnoli), as TFRecord masks it

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `bytes[start, end)`. @example crc32c(new TextEncoder().encode('123456789')) // 0xe3069283 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's mask: rotate right by 15 and add a constant, so a CRC of CRCs does not degenerate. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// A minimal protobuf reader: varints, fixed 32/64, length-delimited; enough for Event and Summary

class Proto {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  /** A varint as a Number (exact up to 2^53; steps and enums are far below). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('varint past the end of a message');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }
  /** Bounds of a length-delimited field. */
  bytes(): [number, number] {
    const n = this.varint();
    const s = this.pos;
    if (s + n > this.end) throw new Error('field length past the end of a message');
    this.pos = s + n;
    return [s, s + n];
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error('field past the end of a message');
  }
  view(): DataView {
    return new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
}

const utf8 = new TextDecoder();

// TensorFlow DataType values (types.proto) that a scalar can have
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;
const DT_BFLOAT16 = 14;
const DT_HALF = 19;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The value of a TensorProto that holds one number, or null (a string, a histogram, several values). */
function tensorScalar(p: Proto): { value: number | null; dtype: number; elements: number } {
  let dtype = 0;
  let elements = 1;
  let content: [number, number] | null = null;
  const vals: number[] = [];
  const dv = p.view();
  while (!p.done) {
    const key = p.varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 0) dtype = p.varint();
    else if (field === 2 && wire === 2) {
      // TensorShapeProto { dim { size } }: the product of the sizes
      const [s, e] = p.bytes();
      const shape = new Proto(p.buf, s, e);
      while (!shape.done) {
        const k = shape.varint();
        if (k >>> 3 === 2 && (k & 7) === 2) {
          const [ds, de] = shape.bytes();
          const dim = new Proto(p.buf, ds, de);
          while (!dim.done) {
            const dk = dim.varint();
            if (dk >>> 3 === 1 && (dk & 7) === 0) elements *= dim.varint();
            else dim.skip(dk & 7);
          }
        } else shape.skip(k & 7);
      }
    } else if (field === 4 && wire === 2) content = p.bytes();
    else if (field === 5) {
      // float_val, packed or not
      if (wire === 2) {
        const [s, e] = p.bytes();
        for (let i = s; i + 4 <= e; i += 4) vals.push(dv.getFloat32(i, true));
      } else if (wire === 5) {
        vals.push(dv.getFloat32(p.pos, true));
        p.pos += 4;
      } else p.skip(wire);
    } else if (field === 6) {
      // double_val
      if (wire === 2) {
        const [s, e] = p.bytes();
        for (let i = s; i + 8 <= e; i += 8) vals.push(dv.getFloat64(i, true));
      } else if (wire === 1) {
        vals.push(dv.getFloat64(p.pos, true));
        p.pos += 8;
      } else p.skip(wire);
    } else if ((field === 7 || field === 10 || field === 13) && (wire === 0 || wire === 2)) {
      // int_val, int64_val, half_val (half as uint16 in an int32)
      const one = (v: number) => vals.push(field === 13 ? halfToFloat(v) : v > 2 ** 63 ? v - 2 ** 64 : v);
      if (wire === 2) {
        const [s, e] = p.bytes();
        const q = new Proto(p.buf, s, e);
        while (!q.done) one(q.varint());
      } else one(p.varint());
    } else p.skip(wire);
  }
  if (content) {
    const [s, e] = content;
    const n = e - s;
    if (dtype === DT_FLOAT && n >= 4) vals.push(dv.getFloat32(s, true));
    else if (dtype === DT_DOUBLE && n >= 8) vals.push(dv.getFloat64(s, true));
    else if (dtype === DT_INT32 && n >= 4) vals.push(dv.getInt32(s, true));
    else if (dtype === DT_INT64 && n >= 8) vals.push(Number(dv.getBigInt64(s, true)));
    else if (dtype === DT_HALF && n >= 2) vals.push(halfToFloat(dv.getUint16(s, true)));
    else if (dtype === DT_BFLOAT16 && n >= 2) {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint16(2, dv.getUint16(s, true));
      vals.push(b.getFloat32(0));
    }
  }
  const numeric =
    dtype === DT_FLOAT ||
    dtype === DT_DOUBLE ||
    dtype === DT_INT32 ||
    dtype === DT_INT64 ||
    dtype === DT_HALF ||
    dtype === DT_BFLOAT16;
  return { value: numeric && elements === 1 && vals.length >= 1 ? vals[0] : null, dtype, elements };
}

// ---------------------------------------------------------------------------------------------------

/** One tag's points, in the order written. */
export interface TagPoints {
  steps: number[];
  values: number[];
  wallTimes: number[];
}

/** What one event file held: its scalars, and a count of everything else by tag. */
export interface EventFileContent {
  source: string;
  /** Scalar tags in the order first seen. */
  scalars: Map<string, TagPoints>;
  /** Tags that are not scalars: what kind (plugin name, or "histogram", "image", ...) and how many. */
  other: Map<string, { kind: string; count: number }>;
  /** Records read (the header record included). */
  records: number;
  /** Bytes of complete, checked records so far: where the next read starts. */
  offset: number;
  /** A framing or checksum error: reading stopped there, the records before it are kept. */
  error: string | null;
}

const PLUGIN_SCALARS = 'scalars';

/** "version https://git-lfs..." at the start: a pointer saved in place of the real file. */
export function isLfsPointer(bytes: Uint8Array): boolean {
  const sig = 'version https://git-lfs';
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig.charCodeAt(i)) return false;
  return true;
}

/** Whether a file name is a TensorBoard event file. */
export function isEventFileName(name: string): boolean {
  return /(^|[\\/])events\.out\.tfevents\./.test(name);
}

/**
 * Reads one event file as its bytes arrive. Feed it with `push`, then call `finish` once the whole
 * file is in (a partial record left at the end is then reported as a truncated file).
 * @example const r = new EventFileReader('events.out.tfevents.1'); r.push(bytes); r.finish(); r.content.scalars
 */
export class EventFileReader {
  readonly content: EventFileContent;
  /** Bytes received but not yet a complete record. */
  private pending: Uint8Array = new Uint8Array(0);
  /** Chunks that arrived while a record was incomplete, joined only once the record is whole: a
   * 100 MB graph record read in 64 KB chunks would otherwise be copied 1,600 times. */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  /** Bytes the next record needs in all (12 until its header is in). */
  private needed = 12;
  /** Plugin name per tag: TF2 writes the metadata with the first value of a tag only. */
  private plugins = new Map<string, string>();
  private stopped = false;

  constructor(source: string) {
    this.content = { source, scalars: new Map(), other: new Map(), records: 0, offset: 0, error: null };
  }

  /** Decode every complete record in `chunk` (appended to what came before). Returns the number of new points. */
  push(chunk: Uint8Array): number {
    if (this.stopped || chunk.length === 0) return 0;
    if (this.pending.length + this.waitingBytes + chunk.length < this.needed) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
      return 0;
    }
    let buf: Uint8Array;
    if (this.pending.length || this.waiting.length) {
      buf = new Uint8Array(this.pending.length + this.waitingBytes + chunk.length);
      buf.set(this.pending);
      let at = this.pending.length;
      for (const w of this.waiting) {
        buf.set(w, at);
        at += w.length;
      }
      buf.set(chunk, at);
      this.waiting = [];
      this.waitingBytes = 0;
    } else buf = chunk;
    if (this.content.offset === 0 && this.content.records === 0 && isLfsPointer(buf)) {
      this.stop(
        `${this.content.source} is a Git LFS pointer (${formatInteger(buf.length)} bytes of text), not the event file itself: run "git lfs pull" in the repository and load the real file.`,
      );
      return 0;
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    let points = 0;
    while (buf.length - pos >= 12) {
      const lenLo = dv.getUint32(pos, true);
      const lenHi = dv.getUint32(pos + 4, true);
      if (dv.getUint32(pos + 8, true) !== maskedCrc32c(buf, pos, pos + 8)) {
        this.stop(this.corrupt('the length checksum does not match'));
        break;
      }
      const len = lenHi * 2 ** 32 + lenLo;
      if (len > 1 << 30) {
        this.stop(this.corrupt(`a record claims ${formatInteger(len)} bytes`));
        break;
      }
      if (buf.length - pos < 12 + len + 4) break; // not all here yet
      const start = pos + 12;
      if (dv.getUint32(start + len, true) !== maskedCrc32c(buf, start, start + len)) {
        this.stop(this.corrupt('the data checksum does not match'));
        break;
      }
      try {
        points += this.event(buf, start, start + len);
      } catch (e) {
        this.stop(this.corrupt(`the record is not an Event (${e instanceof Error ? e.message : String(e)})`));
        break;
      }
      this.content.records++;
      pos = start + len + 4;
      this.content.offset += 12 + len + 4;
    }
    this.pending = this.stopped ? new Uint8Array(0) : buf.slice(pos);
    // the next record's size, once its header is here (a bad header is caught on the next push)
    this.needed = this.pending.length >= 12 ? 12 + new DataView(this.pending.buffer).getUint32(0, true) + 4 : 12;
    if (this.needed > 1 << 30) this.needed = 12;
    return points;
  }

  /** The file is complete: a partial record left over means it was cut short. */
  finish(): EventFileContent {
    if (!this.stopped && (this.pending.length || this.waitingBytes)) {
      this.stop(
        `${this.content.source} ends in the middle of a record (${formatInteger(this.pending.length + this.waitingBytes)} bytes after byte ${formatInteger(this.content.offset)}): the file is truncated (copied while the run was writing it?). The ${formatInteger(this.content.records)} records before it are read.`,
      );
    }
    return this.content;
  }

  /** Bytes waiting for the rest of their record (a live file being written). */
  get pendingBytes(): number {
    return this.pending.length + this.waitingBytes;
  }

  /** At the record that starts at `content.offset` (every record before it is counted there). */
  private corrupt(what: string): string {
    return `${this.content.source} is corrupt at byte ${formatInteger(this.content.offset)}: ${what}. The ${formatInteger(this.content.records)} records before it are read; nothing after it is.`;
  }

  private stop(message: string): void {
    this.stopped = true;
    this.content.error = message;
    this.pending = new Uint8Array(0);
    this.waiting = [];
    this.waitingBytes = 0;
  }

  /** One Event: returns the number of scalar points it added. */
  private event(buf: Uint8Array, start: number, end: number): number {
    const p = new Proto(buf, start, end);
    const dv = p.view();
    let wall = NaN;
    let step = 0;
    let summary: [number, number] | null = null;
    while (!p.done) {
      const key = p.varint();
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === 1) {
        wall = dv.getFloat64(p.pos, true);
        p.pos += 8;
      } else if (field === 2 && wire === 0) {
        step = p.varint();
        if (step >= 2 ** 63) step -= 2 ** 64; // int64: a negative step written as two's complement
      } else if (field === 5 && wire === 2) summary = p.bytes();
      else p.skip(wire);
    }
    if (p.pos !== end) throw new Error('a field runs past the record');
    if (!summary) return 0;
    let points = 0;
    const s = new Proto(buf, summary[0], summary[1]);
    while (!s.done) {
      const key = s.varint();
      if (key >>> 3 === 1 && (key & 7) === 2) {
        const [vs, ve] = s.bytes();
        points += this.value(buf, vs, ve, step, wall);
      } else s.skip(key & 7);
    }
    return points;
  }

  /** One Summary.Value. */
  private value(buf: Uint8Array, start: number, end: number, step: number, wall: number): number {
    const p = new Proto(buf, start, end);
    const dv = p.view();
    let tag = '';
    let simple: number | null = null;
    let tensor: ReturnType<typeof tensorScalar> | null = null;
    let plugin: string | null = null;
    let kind: string | null = null;
    while (!p.done) {
      const key = p.varint();
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === 2) {
        const [a, b] = p.bytes();
        tag = utf8.decode(buf.subarray(a, b));
      } else if (field === 7 && wire === 2 && !tag) {
        const [a, b] = p.bytes();
        tag = utf8.decode(buf.subarray(a, b)); // node_name: TF1's old name for the tag
      } else if (field === 2 && wire === 5) {
        simple = dv.getFloat32(p.pos, true);
        p.pos += 4;
      } else if (field === 8 && wire === 2) {
        const [a, b] = p.bytes();
        tensor = tensorScalar(new Proto(buf, a, b));
      } else if (field === 9 && wire === 2) {
        const [a, b] = p.bytes();
        plugin = pluginName(buf, a, b);
      } else if (field === 3 || field === 5) {
        kind = 'histogram';
        p.skip(wire);
      } else if (field === 4) {
        kind = 'image';
        p.skip(wire);
      } else if (field === 6) {
        kind = 'audio';
        p.skip(wire);
      } else p.skip(wire);
    }
    if (plugin) this.plugins.set(tag, plugin);
    const knownPlugin = plugin ?? this.plugins.get(tag) ?? null;
    let value: number | null = null;
    if (simple !== null) value = simple;
    else if (tensor && tensor.value !== null && (knownPlugin === null || knownPlugin === PLUGIN_SCALARS))
      value = tensor.value;
    if (value === null) {
      const what =
        knownPlugin ??
        kind ??
        (tensor ? `tensor of ${tensor.elements} value${tensor.elements === 1 ? '' : 's'}` : 'metadata only');
      const o = this.content.other.get(tag);
      if (o) o.count++;
      else this.content.other.set(tag, { kind: what, count: 1 });
      return 0;
    }
    let t = this.content.scalars.get(tag);
    if (!t) {
      t = { steps: [], values: [], wallTimes: [] };
      this.content.scalars.set(tag, t);
    }
    t.steps.push(step);
    t.values.push(value);
    t.wallTimes.push(wall);
    return 1;
  }
}

function pluginName(buf: Uint8Array, start: number, end: number): string | null {
  // SummaryMetadata { plugin_data = 1 { plugin_name = 1 } }
  const p = new Proto(buf, start, end);
  while (!p.done) {
    const key = p.varint();
    if (key >>> 3 === 1 && (key & 7) === 2) {
      const [a, b] = p.bytes();
      const q = new Proto(buf, a, b);
      while (!q.done) {
        const k = q.varint();
        if (k >>> 3 === 1 && (k & 7) === 2) {
          const [x, y] = q.bytes();
          return utf8.decode(buf.subarray(x, y));
        }
        q.skip(k & 7);
      }
    } else p.skip(key & 7);
  }
  return null;
}

/**
 * Read a whole event file.
 * @example readEventFile('events.out.tfevents.1', bytes).scalars.get('train/loss')?.values
 */
export function readEventFile(source: string, bytes: Uint8Array): EventFileContent {
  const r = new EventFileReader(source);
  r.push(bytes);
  return r.finish();
}

/** A sentence on what a file without scalars holds: "text summaries (args/text_summary, ...)". */
export function describeNonScalar(c: EventFileContent): string {
  if (c.other.size === 0) {
    return c.records <= 1
      ? `${c.source} holds only the file header (${c.records} record): no summaries were written to it.`
      : `${c.source} holds ${formatInteger(c.records)} records but no summaries (a graph or run metadata only).`;
  }
  const byKind = new Map<string, string[]>();
  for (const [tag, o] of c.other) {
    if (!byKind.has(o.kind)) byKind.set(o.kind, []);
    byKind.get(o.kind)!.push(tag);
  }
  const parts = [...byKind].map(
    ([kind, tags]) => `${kind} (${tags.slice(0, 3).join(', ')}${tags.length > 3 ? `, +${tags.length - 3} more` : ''})`,
  );
  return `${c.source} holds no scalars, only ${parts.join('; ')}: nothing to plot.`;
}
