/**
 * The event-file reader on real files from public repositories (read in place from ../shared/real),
 * against two independent references: the tag/point table in SOURCES.md written when they were
 * collected, and my own reading of each run (test/fixtures/real-tfevents-readings.json). Then the
 * failure cases: a truncated copy, a corrupted checksum, a Git LFS pointer, and the incremental reader
 * fed in pieces as a live run writes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, EventFileReader, readEventFile } from '../../src/lib/curves/tfevents';
import { eventFilesToRuns, runFolder, tagRole } from '../../src/lib/curves/event-runs';
import type { Run, Series } from '../../src/lib/curves/types';
import readings from '../fixtures/real-tfevents-readings.json';
import { realArtefact } from '../real-artefacts';

const ROOT = realArtefact('tfevents');
const allFiles = (dir = ROOT) =>
  execFileSync('find', [dir, '-type', 'f', '-name', 'events.out.tfevents.*'])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
const read = (abs: string) => readEventFile(relative(ROOT, abs), readFileSync(abs));

/** SOURCES.md's table: file -> { tag: points } (empty for "(no scalars)"). */
function sourcesTable(): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of readFileSync(join(ROOT, 'SOURCES.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 7 || !cells[1].startsWith('`') || !cells[1].includes('events.out')) continue;
    const tags = new Map<string, number>();
    const last = cells[5];
    if (!last.startsWith('(no scalars)') && !last.startsWith('(none')) {
      for (const m of last.matchAll(/`([^`]+)` (\d+)/g)) tags.set(m[1], Number(m[2]));
    }
    out.set(cells[1].replace(/`/g, ''), tags);
  }
  return out;
}

describe('CRC-32C', () => {
  it('matches the published check value', () => {
    // RFC 3720 B.4 / the CRC catalogue: CRC-32C("123456789") = 0xE3069283
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
});

describe('real event files', () => {
  const table = sourcesTable();
  const files = allFiles();

  it('finds all 32 files, and SOURCES.md lists each', () => {
    expect(files.length).toBe(32);
    for (const f of files) expect(table.has(relative(ROOT, f)), relative(ROOT, f)).toBe(true);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    '%s: scalar tags and point counts as SOURCES.md says',
    (rel, abs) => {
      const c = read(abs);
      const expected = table.get(rel)!;
      const got = new Map([...c.scalars].map(([t, p]) => [t, p.values.length]));
      expect(got).toEqual(expected);
      if (rel.startsWith('lfs-pointer/')) expect(c.error).toMatch(/Git LFS pointer \(127 bytes/);
      else expect(c.error).toBeNull();
      for (const p of c.scalars.values()) expect(p.values.every(Number.isFinite)).toBe(true);
    },
  );

  it('says what a file without scalars holds', () => {
    const msg = (rel: string) => eventFilesToRuns([{ path: rel, content: read(join(ROOT, rel)) }]).messages.join(' ');
    expect(
      msg('anra-wikillm/results/runs/Dec13_17-21-00_Cerebro/events.out.tfevents.1734135669.Cerebro.5164.0'),
    ).toMatch(/no scalars, only text \(args\/text_summary, model_config\/text_summary\)/);
    expect(msg('playstore-keras/events.out.tfevents.1707810981.LAPTOP-BJ0HLR1P.27448.1.v2')).toMatch(
      /only histograms \(word_embeddings\)/,
    );
    expect(
      msg(
        'imdb-tbreview/log/text_hp/hparam_tuning/run-8/events.out.tfevents.1585754917.ezio-virtual-machine.111180.39312.v2',
      ),
    ).toMatch(/only hparams/);
    expect(
      msg('titanic-keras/titanic/solution/my_log_dir/train/events.out.tfevents.1580911794.SW-HOME.profile-empty'),
    ).toMatch(/only the file header/);
  });

  // values are float32 in the files: 4 significant figures in the readings
  const close = (got: number, want: number) =>
    expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 6e-4 + 1e-9);
  const at = (s: Series, i: number): [number, number] => [s.steps[i], s.values[i]];
  const argmin = (s: Series) => s.values.reduce((b, v, i) => (v < s.values[b] ? i : b), 0);

  it.each(readings.folders.map((f) => [f.folder, f]))('%s: runs, tags and curves as I read them', (folder, spec) => {
    const placed = allFiles(join(ROOT, folder)).map((abs) => ({ path: relative(ROOT, abs), content: read(abs) }));
    const { runs, messages } = eventFilesToRuns(placed);
    for (const m of spec.messages ?? []) expect(messages.join('\n')).toContain(m);
    if (!spec.messages) expect(messages).toEqual([]);
    expect(runs.map((r) => r.name).sort()).toEqual(spec.runs.map((r) => r.name).sort());
    for (const want of spec.runs) {
      const run = runs.find((r) => r.name === want.name) as Run;
      expect(run.xLabel, want.name).toBe(want.x);
      expect(run.format).toBe('tensorboard-events');
      const readNote = run.notes.join('\n');
      for (const [side, key] of [
        ['train', 'train'],
        ['val', 'val'],
      ] as const) {
        const w = want[key] as [string, number] | null;
        const s = run[side];
        if (!w) {
          expect(s, `${want.name} ${side}`).toBeNull();
          continue;
        }
        expect(s?.steps.length, `${want.name} ${side}`).toBe(w[1]);
        if (run.notes[0].startsWith('Read')) expect(readNote).toContain(`"${w[0]}"`);
      }
      expect(run.lr?.steps.length ?? 0).toBe(want.lr);
      expect(run.gradNorm?.steps.length ?? 0).toBe(want.gradNorm);
      expect(run.throughput?.steps.length ?? 0).toBe(want.throughput);
      if ('valMin' in want && want.valMin) {
        const [step, v] = at(run.val!, argmin(run.val!));
        expect(step).toBe(want.valMin[0]);
        close(v, want.valMin[1]);
      }
      if ('valLast' in want && want.valLast) {
        const [step, v] = at(run.val!, run.val!.steps.length - 1);
        expect(step).toBe(want.valLast[0]);
        close(v, want.valLast[1]);
      }
      if ('trainLast' in want && want.trainLast) {
        const [step, v] = at(run.train!, run.train!.steps.length - 1);
        expect(step).toBe(want.trainLast[0]);
        close(v, want.trainLast[1]);
      }
    }
  });

  it('covers every folder of the real set', () => {
    const folders = new Set(allFiles().map((f) => relative(ROOT, f).split('/')[0]));
    expect([...folders].sort()).toEqual(readings.folders.map((f) => f.folder).sort());
  });
});

describe('reading in chunks', () => {
  it('a 1.6 MB file in 1 KB chunks (as a stream gives it) reads as the whole, large records joined once', () => {
    const abs = join(
      ROOT,
      'titanic-keras/titanic/solution/my_log_dir/train/events.out.tfevents.1580911793.SW-HOME.19324.32536.v2',
    );
    const bytes = new Uint8Array(readFileSync(abs));
    const r = new EventFileReader('x');
    for (let i = 0; i < bytes.length; i += 1024) r.push(bytes.subarray(i, i + 1024));
    r.finish();
    const whole = readEventFile('x', bytes);
    expect(r.content.error).toBeNull();
    expect(r.content.records).toBe(whole.records);
    expect(r.content.scalars).toEqual(whole.scalars);
  });
});

describe('damaged files', () => {
  const src = join(
    ROOT,
    'titanic-keras/titanic/solution/my_log_dir/validation/events.out.tfevents.1580911795.SW-HOME.19324.32754.v2',
  );
  const whole = read(src);

  it('a truncated copy keeps the records before the cut and says it is truncated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfevents-'));
    const cut = join(dir, 'events.out.tfevents.cut');
    copyFileSync(src, cut);
    const size = readFileSync(src).length;
    truncateSync(cut, Math.floor(size * 0.6));
    const c = readEventFile('events.out.tfevents.cut', readFileSync(cut));
    expect(c.error).toMatch(/ends in the middle of a record .*truncated/);
    expect(c.records).toBeGreaterThan(10);
    expect(c.records).toBeLessThan(whole.records);
    const got = c.scalars.get('epoch_loss')!;
    const all = whole.scalars.get('epoch_loss')!;
    expect(got.values.length).toBeGreaterThan(0);
    expect(got.values.length).toBeLessThan(all.values.length);
    expect(got.values).toEqual(all.values.slice(0, got.values.length));
  });

  it('a corrupted data checksum stops reading there, with the byte offset', () => {
    const bytes = new Uint8Array(readFileSync(src));
    // find the 5th record's data and flip one bit in it
    const dv = new DataView(bytes.buffer);
    let pos = 0;
    for (let k = 0; k < 5; k++) pos += 12 + dv.getUint32(pos, true) + 4;
    const before = 5;
    bytes[pos + 12 + 3] ^= 0x10;
    const c = readEventFile('bad', bytes);
    expect(c.error).toMatch(
      new RegExp(`corrupt at byte ${pos.toLocaleString('en-US')}: the data checksum does not match`),
    );
    expect(c.records).toBe(before);
  });

  it('a corrupted length is caught by its own checksum', () => {
    const bytes = new Uint8Array(readFileSync(src));
    bytes[0] ^= 0x01;
    const c = readEventFile('bad-length', bytes);
    expect(c.error).toMatch(/corrupt at byte 0: the length checksum does not match/);
    expect(c.records).toBe(0);
    expect(c.scalars.size).toBe(0);
  });

  it('reads a file fed in pieces (a live run) exactly as the whole', () => {
    const bytes = new Uint8Array(
      readFileSync(
        join(ROOT, 'imdb-tbreview/logs/events.out.tfevents.1584802246.YONGXIdeMacBook-Pro.local.64661.157.v2'),
      ),
    );
    const whole = readEventFile('x', bytes);
    const r = new EventFileReader('x');
    let points = 0;
    for (let i = 0; i < bytes.length; i += 7) {
      points += r.push(bytes.slice(i, i + 7));
      // between pushes, only complete records count; the tail waits
      expect(r.content.offset + r.pendingBytes).toBe(Math.min(i + 7, bytes.length));
    }
    r.finish();
    expect(r.content.error).toBeNull();
    expect(points).toBe(10);
    expect(r.content.scalars).toEqual(whole.scalars);
  });
});

/** A minimal writer (independent of the reader): protobuf fields and TFRecord frames. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (num: number, wire: number, body: number[]) => [
  ...varint(num * 8 + wire),
  ...(wire === 2 ? varint(body.length) : []),
  ...body,
];
const str = (s: string) => [...new TextEncoder().encode(s)];
const f64 = (v: number) => [...new Uint8Array(new Float64Array([v]).buffer)];
const f32 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
function frame(data: number[]): number[] {
  const d = new Uint8Array(data);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, d.length, true);
  const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
  const u32 = (v: number) => [...new Uint8Array(new Uint32Array([v]).buffer)];
  return [...len, ...u32(mask(crc32c(len))), ...d, ...u32(mask(crc32c(d)))];
}
const scalarsMeta = field(9, 2, field(1, 2, field(1, 2, str('scalars'))));
const event = (step: number, values: number[][]) =>
  frame([...field(1, 1, f64(1.7e9 + step)), ...field(2, 0, varint(step)), ...field(5, 2, values.flat())]);

describe('scalar encodings', () => {
  it('reads simple_value, float_val, double_val and tensor_content of float32, float64, int64 and half', () => {
    const tensor = (dtype: number, body: number[]) =>
      field(8, 2, [...field(1, 0, varint(dtype)), ...field(2, 2, []), ...body]);
    const bytes = new Uint8Array([
      ...frame(field(3, 2, str('brain.Event:2'))),
      ...event(1, [field(1, 2, [...field(1, 2, str('a')), ...field(2, 5, f32(0.5))])]),
      ...event(2, [field(1, 2, [...field(1, 2, str('b')), ...scalarsMeta, ...tensor(1, field(5, 2, f32(1.25)))])]),
      ...event(3, [field(1, 2, [...field(1, 2, str('c')), ...scalarsMeta, ...tensor(2, field(6, 2, f64(2.125)))])]),
      ...event(4, [field(1, 2, [...field(1, 2, str('d')), ...scalarsMeta, ...tensor(1, field(4, 2, f32(3.5)))])]),
      // the metadata only comes with a tag's first value (TF2): the second value is still a scalar
      ...event(5, [field(1, 2, [...field(1, 2, str('d')), ...tensor(1, field(4, 2, f32(3.25)))])]),
      ...event(6, [field(1, 2, [...field(1, 2, str('e')), ...scalarsMeta, ...tensor(2, field(4, 2, f64(Math.PI)))])]),
      ...event(7, [
        field(1, 2, [
          ...field(1, 2, str('f')),
          ...scalarsMeta,
          ...tensor(9, field(4, 2, [...new Uint8Array(new BigInt64Array([-7n]).buffer)])),
        ]),
      ]),
      ...event(8, [field(1, 2, [...field(1, 2, str('g')), ...scalarsMeta, ...tensor(19, field(4, 2, [0x00, 0x3e]))])]), // half 1.5
      // a text summary (string tensor, text plugin) is not a scalar
      ...event(9, [
        field(1, 2, [
          ...field(1, 2, str('notes')),
          ...field(9, 2, field(1, 2, field(1, 2, str('text')))),
          ...tensor(7, field(8, 2, str('hello'))),
        ]),
      ]),
      ...event(2 ** 40, [field(1, 2, [...field(1, 2, str('a')), ...field(2, 5, f32(0.25))])]),
    ]);
    const c = readEventFile('synthetic', bytes);
    expect(c.error).toBeNull();
    const v = (t: string) => c.scalars.get(t)?.values;
    expect(v('a')).toEqual([0.5, 0.25]);
    expect(c.scalars.get('a')!.steps).toEqual([1, 2 ** 40]);
    expect(v('b')).toEqual([1.25]);
    expect(v('c')).toEqual([2.125]);
    expect(v('d')).toEqual([3.5, 3.25]);
    expect(v('e')).toEqual([Math.PI]);
    expect(v('f')).toEqual([-7]);
    expect(v('g')).toEqual([1.5]);
    expect(c.other.get('notes')).toEqual({ kind: 'text', count: 1 });
    expect(c.scalars.get('a')!.wallTimes[0]).toBe(1.7e9 + 1);
  });
});

describe('tag roles and folders', () => {
  it('maps the usual tag names', () => {
    const role = (t: string, side: 'train' | 'val' | null = null) => tagRole(t, side)?.role ?? null;
    expect(role('train/loss')).toBe('train');
    expect(role('eval/loss')).toBe('val');
    expect(role('epoch_loss', 'train')).toBe('train');
    expect(role('epoch_loss', 'val')).toBe('val');
    expect(role('loss', 'val')).toBe('val');
    expect(role('loss')).toBe('train');
    expect(role('learning_rate')).toBe('lr');
    expect(role('lr')).toBe('lr');
    expect(role('train/grad_norm')).toBe('grad_norm');
    expect(role('training/gradients_l2')).toBe('grad_norm');
    expect(role('global_step/sec')).toBe('throughput');
    expect(role('train/tokens_per_second')).toBe('throughput');
    expect(role('eval/samples_per_second')).toBeNull();
    expect(role('eval/accuracy')).toBeNull();
  });

  it('finds the run folder and side of a path', () => {
    expect(runFolder('runs/exp1/train/events.out.tfevents.1')).toEqual(['runs/exp1', 'train']);
    expect(runFolder('runs/exp1/validation/events.out.tfevents.1')).toEqual(['runs/exp1', 'val']);
    expect(runFolder('output/eval/events.out.tfevents.1')).toEqual(['output', 'val']);
    expect(runFolder('lightning_logs/version_0/events.out.tfevents.1')).toEqual(['lightning_logs/version_0', null]);
    expect(runFolder('events.out.tfevents.1')).toEqual(['', null]);
  });

  it('keeps separate run folders apart and joins train/validation halves', () => {
    const mk = (tag: string, steps: number[], values: number[]) => {
      const bytes = new Uint8Array(
        steps.flatMap((s, i) => event(s, [field(1, 2, [...field(1, 2, str(tag)), ...field(2, 5, f32(values[i]))])])),
      );
      return readEventFile('x', bytes);
    };
    const { runs } = eventFilesToRuns([
      { path: 'runs/a/train/events.out.tfevents.1', content: mk('epoch_loss', [0, 1, 2], [2, 1.5, 1.25]) },
      { path: 'runs/a/validation/events.out.tfevents.2', content: mk('epoch_loss', [0, 1, 2], [2.5, 2, 2.25]) },
      { path: 'runs/b/events.out.tfevents.3', content: mk('train/loss', [10, 20], [3, 2]) },
    ]);
    expect(runs.map((r) => r.name)).toEqual(['a', 'b']);
    expect([...runs[0].train!.values]).toEqual([2, 1.5, 1.25]);
    expect([...runs[0].val!.values]).toEqual([2.5, 2, 2.25]);
    expect(runs[0].xLabel).toBe('epoch');
    expect(runs[1].val).toBeNull();
    writeFileSync(join(mkdtempSync(join(tmpdir(), 'tfe-')), 'ok'), 'ok'); // the temp dir is writable (the truncation test relies on it)
  });
});
