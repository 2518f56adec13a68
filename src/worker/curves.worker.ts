/**
 * The curves worker: streams each file in (progress as it goes), decodes event files record by record
 * as their bytes arrive, parses text logs, builds runs and diagnoses them, all off the page's thread.
 */
import { LiveLog, loadBatch, looksLikeEventFile, type ReadFile } from '../lib/curves/load-batch';
import { EventFileReader } from '../lib/curves/tfevents';
import type { CurvesEvent, CurvesRequest } from './curves-protocol';
import { DEFAULT_SMOOTHING, drawPrepBuffers, prepareForDrawing } from '../lib/curves/lod';

const post = (e: CurvesEvent, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(e, transfer);
const lives = new Map<number, LiveLog>();

/** Read a blob chunk by chunk: an event file into its reader, a text log through a streaming decoder. */
async function readOne(id: number, name: string, blob: Blob): Promise<ReadFile> {
  const reader = blob.stream().getReader();
  let events: EventFileReader | null = null;
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  let lastPost = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0 && looksLikeEventFile(name, value)) events = new EventFileReader(name);
    bytes += value.length;
    if (events) events.push(value);
    else parts.push(decoder.decode(value, { stream: true }));
    const now = performance.now();
    if (now - lastPost > 100) {
      lastPost = now;
      post({ type: 'progress', id, name, bytes, total: blob.size, phase: 'reading' });
    }
  }
  if (events) return { name, events: events.finish() };
  parts.push(decoder.decode());
  post({ type: 'progress', id, name, bytes, total: blob.size, phase: 'parsing' });
  return { name, text: parts.join('') };
}

/**
 * Typed arrays of the result go back without a copy. Long series get what drawing them needs made
 * here (their LOD, the default smoothing), so that the page's first draw walks no million points.
 */
function buffers(result: ReturnType<typeof loadBatch>): Transferable[] {
  const out = new Set<ArrayBuffer>();
  for (const r of result.runs) {
    for (const s of [r.train, r.val, r.lr, r.tokens, r.gradNorm, r.throughput]) {
      if (!s) continue;
      prepareForDrawing(s, s === r.train ? DEFAULT_SMOOTHING : null);
      for (const b of drawPrepBuffers(s)) out.add(b);
      for (const a of [s.steps, s.values])
        if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
          out.add(a.buffer);
    }
  }
  return [...out];
}

self.addEventListener('message', async (e: MessageEvent<CurvesRequest>) => {
  const req = e.data;
  if (req.type === 'live-end') {
    lives.delete(req.watch);
    return;
  }
  try {
    if (req.type === 'load') {
      const files: ReadFile[] = [];
      for (const f of req.files) files.push(await readOne(req.id, f.name, f.blob));
      const result = loadBatch(files, req.taken);
      post({ type: 'done', id: req.id, result }, buffers(result));
    } else {
      let live = lives.get(req.watch);
      if (!live) lives.set(req.watch, (live = new LiveLog()));
      for (const c of req.chunks) {
        if (c.reset) live.reset(c.name);
        live.push(c.name, new Uint8Array(c.bytes));
      }
      const result = live.snapshot(req.taken);
      post({ type: 'done', id: req.id, result }, buffers(result));
    }
  } catch (err) {
    post({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
});
