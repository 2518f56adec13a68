/**
 * Watching a run folder served over HTTP (a listing like `python -m http.server` writes), in Node with
 * a real local server: the folder's train/ and validation/ event files are found through the listing,
 * the second read asks only for the bytes past what it has (Range), and event files that grow record
 * by record add their new points. A server that ignores Range still works, by full re-fetch.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveLog } from '../../src/lib/curves/load-batch';
import { UrlSource } from '../../src/state/live-sources';
import { realArtefact } from '../real-artefacts';

const DIR = realArtefact('tfevents', 'titanic-keras/titanic/solution/my_log_dir');
const full = {
  'run/train/events.out.tfevents.1': new Uint8Array(
    readFileSync(`${DIR}/train/events.out.tfevents.1580911793.SW-HOME.19324.32536.v2`),
  ),
  'run/validation/events.out.tfevents.2': new Uint8Array(
    readFileSync(`${DIR}/validation/events.out.tfevents.1580911795.SW-HOME.19324.32754.v2`),
  ),
};
type Name = keyof typeof full;
/** How much of each file the "run" has written so far. */
const written: Record<Name, number> = {
  'run/train/events.out.tfevents.1': 0,
  'run/validation/events.out.tfevents.2': 0,
};
const requests: { path: string; range: string | null; status: number }[] = [];
let honourRange = true;

const listing = (links: string[]) =>
  `<!DOCTYPE HTML><html><body><ul>${links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('')}</ul></body></html>`;

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\//, '');
    const range = req.headers.range ?? null;
    const answer = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}) => {
      requests.push({ path, range, status });
      res.writeHead(status, headers).end(body);
    };
    if (path === 'run/')
      return answer(200, listing(['train/', 'validation/', 'config.yaml']), { 'Content-Type': 'text/html' });
    if (path === 'run/train/') return answer(200, listing(['events.out.tfevents.1']), { 'Content-Type': 'text/html' });
    if (path === 'run/validation/')
      return answer(200, listing(['events.out.tfevents.2', '../']), { 'Content-Type': 'text/html' });
    if (!(path in full)) return answer(404, 'not found');
    const body = full[path as Name].subarray(0, written[path as Name]);
    const m = honourRange ? /^bytes=(\d+)-$/.exec(range ?? '') : null;
    if (m) {
      const from = Number(m[1]);
      if (from >= body.length) return answer(416, '', { 'Content-Range': `bytes */${body.length}` });
      return answer(206, body.subarray(from), { 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` });
    }
    answer(200, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function poll(source: UrlSource, live: LiveLog) {
  for (const c of await source.read(live.lengths)) {
    if (c.reset) live.reset(c.name);
    live.push(c.name, new Uint8Array(c.bytes));
  }
  return live.snapshot();
}

describe('UrlSource on a run folder', () => {
  it('finds the event files through the listing and reads only what was appended', async () => {
    const source = new UrlSource(new URL('run/', base));
    const live = new LiveLog();
    // the run has written part of each file, the last record of each cut mid-way
    written['run/train/events.out.tfevents.1'] = Math.floor(full['run/train/events.out.tfevents.1'].length * 0.7) + 3;
    written['run/validation/events.out.tfevents.2'] =
      Math.floor(full['run/validation/events.out.tfevents.2'].length * 0.4) + 3;
    const first = await poll(source, live);
    expect(first.errors).toEqual([]);
    expect(first.runs.map((r) => r.name)).toEqual(['run']);
    const t1 = first.runs[0].train!.steps.length;
    const v1 = first.runs[0].val!.steps.length;
    expect(t1).toBeGreaterThan(10);
    expect(t1).toBeLessThan(60);
    expect(v1).toBeGreaterThan(5);
    expect(v1).toBeLessThan(60);
    expect(requests.some((r) => r.path === 'config.yaml' || r.path === 'run/config.yaml')).toBe(false);

    // nothing new: the reads are Range requests past the end
    requests.length = 0;
    const same = await poll(source, live);
    expect(same.runs[0].train!.steps.length).toBe(t1);
    const fileReqs = requests.filter((r) => r.path in full);
    expect(fileReqs.map((r) => r.status)).toEqual([416, 416]);

    // the run finishes both files: only the rest is sent, and every epoch is there
    written['run/train/events.out.tfevents.1'] = full['run/train/events.out.tfevents.1'].length;
    written['run/validation/events.out.tfevents.2'] = full['run/validation/events.out.tfevents.2'].length;
    requests.length = 0;
    const done = await poll(source, live);
    expect(requests.filter((r) => r.path in full).every((r) => r.status === 206 && r.range !== null)).toBe(true);
    expect(source.ranges).toBe(true);
    expect(done.runs[0].train!.steps.length).toBe(60);
    expect(done.runs[0].val!.steps.length).toBe(60);
    expect(live.lengths.get('run/train/events.out.tfevents.1')).toBe(full['run/train/events.out.tfevents.1'].length);
  });

  it('works with a server that ignores Range (re-fetch, keep the new tail)', async () => {
    honourRange = false;
    try {
      const source = new UrlSource(new URL('run/validation/events.out.tfevents.2', base));
      const live = new LiveLog();
      written['run/validation/events.out.tfevents.2'] = 600;
      const a = await poll(source, live);
      const before = a.runs[0]?.val?.steps.length ?? a.runs[0]?.train?.steps.length ?? 0;
      written['run/validation/events.out.tfevents.2'] = full['run/validation/events.out.tfevents.2'].length;
      const b = await poll(source, live);
      expect(source.ranges).toBe(false);
      // a single file outside a validation/ folder context: its epoch_loss is the run's loss curve
      const after = b.runs[0].val?.steps.length ?? b.runs[0].train!.steps.length;
      expect(after).toBe(60);
      expect(after).toBeGreaterThan(before);
    } finally {
      honourRange = true;
    }
  });
});
