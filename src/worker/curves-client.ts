/**
 * The page's side of the curves worker. `cancel()` terminates it (a parse cannot be interrupted from
 * outside); the next request starts a fresh one.
 */
import type { BatchResult } from '../lib/curves/load-batch';
import type { CurvesEvent, CurvesRequest } from './curves-protocol';

export type Progress = Extract<CurvesEvent, { type: 'progress' }>;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class CurvesClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: BatchResult) => void; reject: (e: Error) => void; onprogress?: (p: Progress) => void }
  >();

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./curves.worker.ts', import.meta.url), { type: 'module', name: 'curves' });
    worker.addEventListener('message', (e: MessageEvent<CurvesEvent>) => {
      const ev = e.data;
      const p = this.pending.get(ev.id);
      if (!p) return;
      if (ev.type === 'progress') return p.onprogress?.(ev);
      this.pending.delete(ev.id);
      if (ev.type === 'done') p.resolve(ev.result);
      else p.reject(new Error(ev.message));
    });
    worker.addEventListener('error', (e) => {
      this.fail(new Error(`the curves worker failed: ${e.message || 'unknown error'}`));
      this.worker = null;
    });
    return (this.worker = worker);
  }

  private fail(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private request(
    make: (id: number) => CurvesRequest,
    transfer: Transferable[] = [],
    onprogress?: (p: Progress) => void,
  ): Promise<BatchResult> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onprogress });
      worker.postMessage(make(id), transfer);
    });
  }

  /** Read, parse and diagnose files off the main thread. */
  load(
    files: { name: string; blob: Blob }[],
    taken: string[],
    onprogress?: (p: Progress) => void,
  ): Promise<BatchResult> {
    return this.request((id) => ({ type: 'load', id, files, taken }), [], onprogress);
  }

  /** A live log's new bytes; resolves with its runs as they now stand. */
  livePush(
    watch: number,
    chunks: { name: string; bytes: ArrayBuffer; reset?: boolean }[],
    taken: string[],
  ): Promise<BatchResult> {
    return this.request(
      (id) => ({ type: 'live-push', id, watch, chunks, taken }),
      chunks.map((c) => c.bytes),
    );
  }

  liveEnd(watch: number): void {
    this.worker?.postMessage({ type: 'live-end', watch } satisfies CurvesRequest);
  }

  /** Stop whatever is running: the worker goes, every pending request fails with CancelledError. */
  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.fail(new CancelledError());
  }
}
