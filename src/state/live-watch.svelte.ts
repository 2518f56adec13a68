/**
 * Logs that are still being written: a URL polled with HTTP Range requests from the length already
 * read (a full re-fetch where the server ignores Range), or local files and folders through the File
 * System Access API (re-read from the known size). Only the appended bytes travel; the curves worker
 * decodes just the new event records.
 */
import type { BatchResult } from '../lib/curves/load-batch';
import type { CurvesClient } from '../worker/curves-client';
import { POLL_MS, type LiveSource } from './live-sources';

export { canWatchLocal, isLogName, LocalSource, UrlSource, type Chunk, type LiveSource } from './live-sources';

/** One watched source: its read offsets, its timer, and the worker session that holds its parse state. */
export class LiveWatch {
  readonly lengths = new Map<string, number>();
  /** Reads done, and when the last new bytes came. */
  polls = $state(0);
  /** For a URL: whether the server answered Range requests (null until a second read). */
  ranges = $state<boolean | null>(null);
  lastGrowth = $state<Date | null>(null);
  bytesRead = $state(0);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private busy = false;

  constructor(
    readonly id: number,
    readonly source: LiveSource,
    private readonly client: CurvesClient,
    private readonly hooks: {
      taken: () => string[];
      update: (result: BatchResult, first: boolean) => void;
      fail: (message: string) => void;
      changed: () => void;
    },
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** Read once; false (with a message) when the source could not be read. */
  async poll(): Promise<boolean> {
    if (this.busy || this.stopped) return true;
    this.busy = true;
    const first = this.polls === 0;
    try {
      const chunks = await this.source.read(this.lengths);
      for (const c of chunks) {
        const before = c.reset ? 0 : (this.lengths.get(c.name) ?? 0);
        this.lengths.set(c.name, before + c.bytes.byteLength);
        this.bytesRead += c.bytes.byteLength;
      }
      this.polls++;
      if ('ranges' in this.source) this.ranges = (this.source as { ranges: boolean | null }).ranges;
      if (chunks.some((c) => c.bytes.byteLength > 0 || c.reset) || first) {
        this.lastGrowth = new Date();
        const result = await this.client.livePush(this.id, chunks, this.hooks.taken());
        if (!this.stopped) this.hooks.update(result, first);
      }
      this.hooks.changed();
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.hooks.fail(
        `${this.source.label}: ${/Failed to fetch|NetworkError|Load failed/i.test(msg) ? 'could not be fetched (is the server running, and does it send Access-Control-Allow-Origin for this page?)' : msg}`,
      );
      return false;
    } finally {
      this.busy = false;
    }
  }

  start(): void {
    if (this.stopped) return;
    const tick = async () => {
      if (this.stopped) return;
      const ok = await this.poll();
      if (!ok) this.failures++;
      // three failed reads in a row: stop rather than fill the page with the same message
      if (this.failures >= 3) return this.stop();
      if (ok) this.failures = 0;
      if (!this.stopped) this.timer = setTimeout(tick, POLL_MS);
    };
    this.timer = setTimeout(tick, POLL_MS);
    this.hooks.changed();
  }
  private failures = 0;

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client.liveEnd(this.id);
    this.hooks.changed();
  }
}
