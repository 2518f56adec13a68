/**
 * Loading a batch of dropped files and following a live log (load-batch.ts), in Node: event files and
 * text logs mixed, a text log whose last line is still being written, an event file growing record by
 * record, and a file that shrank (a new run in its place).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LiveLog, loadBatch, looksLikeEventFile } from '../../src/lib/curves/load-batch';
import { readEventFile } from '../../src/lib/curves/tfevents';
import { realArtefact } from '../real-artefacts';

const TITANIC = realArtefact('tfevents', 'titanic-keras/titanic/solution/my_log_dir');
const trainFile = `${TITANIC}/train/events.out.tfevents.1580911793.SW-HOME.19324.32536.v2`;
const valFile = `${TITANIC}/validation/events.out.tfevents.1580911795.SW-HOME.19324.32754.v2`;

describe('loadBatch', () => {
  it('reads event files and text logs dropped together, with ids unique among those loaded', () => {
    const r = loadBatch(
      [
        { name: 'runs/a/train/events.out.tfevents.1', events: readEventFile('t', readFileSync(trainFile)) },
        { name: 'runs/a/validation/events.out.tfevents.2', events: readEventFile('v', readFileSync(valFile)) },
        { name: 'a/metrics.csv', text: 'step,train_loss,val_loss\n1,3,3.1\n2,2.5,2.7\n3,2.2,2.6\n' },
        { name: 'broken.csv', text: '' },
      ],
      ['a'],
    );
    expect(r.runs.map((x) => x.id)).toEqual(['a (2)', 'a (3)']);
    expect(r.runs[0].format).toBe('csv');
    expect(r.runs[1].format).toBe('tensorboard-events');
    expect(r.runs[1].train?.steps.length).toBe(60);
    expect(r.findings.length).toBe(2);
    for (const f of r.findings.flat()) expect(['a (2)', 'a (3)']).toContain(f.run);
    expect(r.errors).toEqual(['broken.csv is empty: there is nothing to plot.']);
  });

  it("joins one run's TensorBoard scalar exports, one file per tag, into one run (a real pair)", () => {
    const read = (name: string) => ({ name, text: readFileSync(realArtefact('logs', name), 'utf8') });
    const batch = loadBatch([read('nlplab11__train_loss.csv'), read('nlplab11__val_loss.csv')]);
    expect(batch.errors).toEqual([]);
    expect(batch.runs).toHaveLength(1);
    // both curves in one run, so the gap between them can be read
    expect(batch.runs[0].train?.steps.length).toBeGreaterThan(100);
    expect(batch.runs[0].val?.steps.length).toBeGreaterThan(10);
  });

  it('tells an event file by its first frame even when renamed', () => {
    const bytes = new Uint8Array(readFileSync(valFile));
    expect(looksLikeEventFile('renamed.bin', bytes)).toBe(true);
    expect(looksLikeEventFile('log.csv', new TextEncoder().encode('step,loss\n1,2\n'))).toBe(false);
  });
});

describe('LiveLog', () => {
  it('a text log: only complete lines count, appended bytes add points', () => {
    const live = new LiveLog();
    const enc = new TextEncoder();
    live.push('run/log.csv', enc.encode('step,train_loss,val_loss\n1,3.0,3.1\n2,2.5,2.'));
    expect(live.snapshot().runs[0].train?.steps.length).toBe(1);
    live.push('run/log.csv', enc.encode('7\n3,2.2,2.6\n'));
    const s = live.snapshot();
    expect(s.runs[0].train?.steps.length).toBe(3);
    expect([...s.runs[0].val!.values]).toEqual([3.1, 2.7, 2.6]);
    expect(live.lengths.get('run/log.csv')).toBe(
      enc.encode('step,train_loss,val_loss\n1,3.0,3.1\n2,2.5,2.7\n3,2.2,2.6\n').length,
    );
  });

  it('event files growing in uneven pieces read as the whole files do; a shrunk file starts over', () => {
    const live = new LiveLog();
    const t = new Uint8Array(readFileSync(trainFile));
    const v = new Uint8Array(readFileSync(valFile));
    const cutT = Math.floor(t.length * 0.7) + 5; // the graph comes first; epochs after
    const cutV = Math.floor(v.length / 2) + 3;
    live.push('k/train/events.out.tfevents.1', t.slice(0, cutT));
    live.push('k/validation/events.out.tfevents.2', v.slice(0, cutV));
    const early = live.snapshot().runs[0];
    expect(early.train!.steps.length).toBeGreaterThan(5);
    expect(early.train!.steps.length).toBeLessThan(60);
    expect(live.snapshot().errors).toEqual([]); // a record cut mid-way is waiting, not an error
    live.push('k/train/events.out.tfevents.1', t.slice(cutT));
    live.push('k/validation/events.out.tfevents.2', v.slice(cutV));
    const done = live.snapshot().runs[0];
    expect(done.train!.steps.length).toBe(60);
    expect(done.val!.steps.length).toBe(60);
    expect(done.xLabel).toBe('epoch');
    live.reset('k/validation/events.out.tfevents.2');
    live.push('k/validation/events.out.tfevents.2', v.slice(0, 200));
    expect(live.snapshot().runs[0].val?.steps.length ?? 0).toBeLessThan(60);
  });
});
