/**
 * Logs that are still being written: a URL polled with HTTP Range requests from the length already
 * read (a full re-fetch where the server ignores Range), or local files and folders through the File
 * System Access API (re-read from the known size). Only the appended bytes travel; the curves worker
 * decodes just the new event records.
 */
import type { BatchResult } from '../lib/curves/load-batch';
import { isEventFileName } from '../lib/curves/tfevents';
import type { CurvesClient } from '../worker/curves-client';

export interface Chunk {
  name: string;
  bytes: ArrayBuffer;
  /** The file shrank or was replaced: read it again from the start. */
  reset?: boolean;
}

/** Somewhere a log grows. `read` returns what each file gained beyond `lengths` (bytes already read). */
export interface LiveSource {
  label: string;
  kind: 'url' | 'local';
  read(lengths: ReadonlyMap<string, number>): Promise<Chunk[]>;
}

/** How often a watched log is read again. @defaultValue 2000 ms */
export const POLL_MS = 2000;

/** File names worth reading in a watched folder: event files and text logs. */
export const isLogName = (name: string) => isEventFileName(name) || /\.(csv|tsv|txt|log|jsonl?|ndjson)$/i.test(name);

/** The file part of a URL's path, for run names and folder grouping: "/runs/a/train/events..." -> "runs/a/train/events...". */
function urlName(url: URL): string {
  return decodeURIComponent(url.pathname).replace(/^\/+/, '') || url.host;
}

/**
 * A log (or a folder listing, as `python -m http.server` serves it) at a URL.
 * @example new UrlSource('http://127.0.0.1:8000/runs/').read(new Map())
 */
export class UrlSource implements LiveSource {
  readonly kind = 'url';
  readonly label: string;
  private files: URL[] | null = null;
  /** Whether the server answered a Range request with 206. */
  ranges = $state<boolean | null>(null);

  constructor(readonly url: URL) {
    this.label = url.href;
  }

  private async list(): Promise<URL[]> {
    // a folder: the links of its listing that are logs, and one level of sub-folders (train/, validation/)
    if (!this.url.pathname.endsWith('/')) return [this.url];
    const found: URL[] = [];
    const walk = async (dir: URL, depth: number) => {
      const res = await fetch(dir, { cache: 'no-store' });
      if (!res.ok) throw new Error(`${dir.href}: HTTP ${res.status}`);
      const html = await res.text();
      for (const m of html.matchAll(/href="([^"?#]+)"/g)) {
        const u = new URL(m[1], dir);
        if (!u.href.startsWith(dir.href) || u.href === dir.href) continue;
        if (u.pathname.endsWith('/')) {
          if (depth < 2) await walk(u, depth + 1);
        } else if (isLogName(u.pathname)) found.push(u);
      }
    };
    await walk(this.url, 0);
    return found;
  }

  async read(lengths: ReadonlyMap<string, number>): Promise<Chunk[]> {
    // a folder is listed again each time: new event files appear as a run goes on
    if (!this.files || this.url.pathname.endsWith('/')) this.files = await this.list();
    if (this.files.length === 0) throw new Error(`${this.url.href}: the folder listing links no logs or event files.`);
    const out: Chunk[] = [];
    for (const u of this.files) {
      const name = urlName(u);
      const have = lengths.get(name) ?? 0;
      const res = await fetch(u, { cache: 'no-store', headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
      if (res.status === 416) continue; // nothing past what we have
      if (!res.ok) throw new Error(`${u.href}: HTTP ${res.status} ${res.statusText}`.trim());
      const body = await res.arrayBuffer();
      if (res.status === 206) {
        this.ranges = true;
        out.push({ name, bytes: body });
      } else if (have === 0) out.push({ name, bytes: body });
      else {
        // the server sent the whole file: keep what is new, or start over if it shrank (a new run)
        this.ranges = false;
        if (body.byteLength > have) out.push({ name, bytes: body.slice(have) });
        else if (body.byteLength < have) out.push({ name, bytes: body, reset: true });
      }
    }
    return out;
  }
}

/** Whether this browser can watch local files (Chrome and Edge can; Firefox and Safari cannot). */
export const canWatchLocal = () => typeof window !== 'undefined' && 'showDirectoryPicker' in window && 'showOpenFilePicker' in window;

/** A local file or folder picked through the File System Access API, re-read from its known size. */
export class LocalSource implements LiveSource {
  readonly kind = 'local';
  readonly label: string;

  constructor(private readonly handle: FileSystemFileHandle | FileSystemDirectoryHandle) {
    this.label = handle.name + (handle.kind === 'directory' ? '/' : '');
  }

  private async files(): Promise<{ name: string; file: File }[]> {
    if (this.handle.kind === 'file') return [{ name: this.handle.name, file: await this.handle.getFile() }];
    const out: { name: string; file: File }[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string, depth: number) => {
      for await (const entry of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
        const path = `${prefix}${entry.name}`;
        if (entry.kind === 'directory') {
          if (depth < 3) await walk(entry as FileSystemDirectoryHandle, `${path}/`, depth + 1);
        } else if (isLogName(entry.name)) out.push({ name: path, file: await (entry as FileSystemFileHandle).getFile() });
      }
    };
    await walk(this.handle, `${this.handle.name}/`, 0);
    return out;
  }

  async read(lengths: ReadonlyMap<string, number>): Promise<Chunk[]> {
    const out: Chunk[] = [];
    for (const { name, file } of await this.files()) {
      const have = lengths.get(name) ?? 0;
      if (file.size > have) out.push({ name, bytes: await file.slice(have).arrayBuffer() });
      else if (file.size < have) out.push({ name, bytes: await file.arrayBuffer(), reset: true });
    }
    return out;
  }
}

/** One watched source: its read offsets, its timer, and the worker session that holds its parse state. */
export class LiveWatch {
  readonly lengths = new Map<string, number>();
  /** Reads done, and when the last new bytes came. */
  polls = $state(0);
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
