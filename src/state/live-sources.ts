/**
 * Where a live log is read from: a URL polled with HTTP Range requests from the length already read
 * (a full re-fetch where the server ignores Range; a folder listing as `python -m http.server` serves
 * it), or local files and folders through the File System Access API (re-read from the known size).
 * Only the appended bytes travel. No runes here: Node tests use it as is.
 */
import { isEventFileName } from '../lib/curves/tfevents';

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
  ranges: boolean | null = null;

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
export const canWatchLocal = () =>
  typeof window !== 'undefined' && 'showDirectoryPicker' in window && 'showOpenFilePicker' in window;

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
        } else if (isLogName(entry.name))
          out.push({ name: path, file: await (entry as FileSystemFileHandle).getFile() });
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
