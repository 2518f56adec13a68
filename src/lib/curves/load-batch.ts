/**
 * From the files a user dropped (text logs and TensorBoard event files, mixed) to runs with their
 * findings, tables that need a column mapping, and one message per file that could not be read. Pure:
 * runs in the curves worker, and in Node for tests.
 *
 * `LiveLog` is the same for a log still being written: it takes the bytes appended to each file since
 * the last read (event files decode only their new records) and gives the runs as they stand now.
 */
import { diagnose } from './diagnose';
import { eventFilesToRuns, type PlacedEventFile } from './event-runs';
import { joinTagExports, LogParseError, parseLog } from './parse';
import { buildRun, mergeRuns, MissingLossError, uniqueIds } from './run';
import { EventFileReader, isEventFileName, isLfsPointer, type EventFileContent } from './tfevents';
import type { Finding, LogTable, Run } from './types';

/** One file's content, read: bytes for an event file, text for a text log. */
export type ReadFile = { name: string; events: EventFileContent } | { name: string; text: string };

export interface BatchResult {
  runs: Run[];
  /** One list per run, in order. */
  findings: Finding[][];
  /** Tables with no loss column recognised: the user maps them. */
  pending: LogTable[];
  errors: string[];
}

/** Whether bytes are a TFRecord stream rather than text: an event-file name, or a valid first frame. */
export function looksLikeEventFile(name: string, head: Uint8Array): boolean {
  if (isEventFileName(name)) return true;
  if (head.length < 12 || isLfsPointer(head)) return false;
  const r = new EventFileReader(name);
  r.push(head.slice(0, Math.min(head.length, 4096)));
  return r.content.records > 0 && r.content.error === null;
}

/**
 * Runs, findings, pending tables and messages from read files; ids unique among `taken`.
 * @example loadBatch([{ name: 'log.csv', text: 'step,loss\n1,2\n' }]).runs[0].train
 */
export function loadBatch(files: ReadFile[], taken: string[] = []): BatchResult {
  const errors: string[] = [];
  const pending: LogTable[] = [];
  const textRuns: Run[] = [];
  const tables: LogTable[] = [];
  const events: PlacedEventFile[] = [];
  for (const f of files) {
    if ('events' in f) {
      events.push({ path: f.name, content: f.events });
      continue;
    }
    const nul = f.text.indexOf('\u0000');
    if (nul >= 0 && nul < 4096) {
      // binary, and not a TFRecord stream (those are read above): say so rather than "not a log"
      errors.push(
        `${f.name} is a binary file, neither a text log nor a TensorBoard event file (its first bytes are not a valid event record).`,
      );
      continue;
    }
    try {
      tables.push(...parseLog(f.name, f.text));
    } catch (e) {
      errors.push(e instanceof LogParseError ? e.message : `${f.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // TensorBoard exports of one run's tags, one file per tag, become one run (train and validation)
  for (const t of joinTagExports(tables)) {
    try {
      textRuns.push(buildRun(t));
    } catch (e) {
      if (e instanceof MissingLossError) pending.push(t);
      else errors.push(`${t.source}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const fromEvents = eventFilesToRuns(events);
  errors.push(...fromEvents.messages);
  const runs = uniqueIds([...mergeRuns(textRuns), ...fromEvents.runs], taken);
  return { runs, findings: runs.map((r) => diagnose(r)), pending, errors };
}

/**
 * A log being written: feed it what each file gained since the last poll; `snapshot()` gives the runs
 * as they stand. Event files keep a reader each (only new complete records are decoded); a text log
 * keeps its text and is parsed again (its format may only be known once its header is in).
 */
export class LiveLog {
  private readers = new Map<string, EventFileReader>();
  private texts = new Map<string, string[]>();
  private decoders = new Map<string, TextDecoder>();
  /** Bytes read so far per file: what a Range request asks from. */
  readonly lengths = new Map<string, number>();

  /** Add bytes appended to `name`. Returns how many new scalar points an event file gained (text: -1, unknown). */
  push(name: string, bytes: Uint8Array): number {
    const before = this.lengths.get(name) ?? 0;
    this.lengths.set(name, before + bytes.length);
    let reader = this.readers.get(name);
    if (!reader && !this.texts.has(name) && looksLikeEventFile(name, bytes)) {
      reader = new EventFileReader(name);
      this.readers.set(name, reader);
    }
    if (reader) return reader.push(bytes);
    let dec = this.decoders.get(name);
    if (!dec) {
      dec = new TextDecoder();
      this.decoders.set(name, dec);
      this.texts.set(name, []);
    }
    this.texts.get(name)!.push(dec.decode(bytes, { stream: true }));
    return -1;
  }

  /** The file shrank or was replaced: forget it and read it again from the start. */
  reset(name: string): void {
    this.readers.delete(name);
    this.texts.delete(name);
    this.decoders.delete(name);
    this.lengths.delete(name);
  }

  /** Runs as they stand, ids unique among `taken`. Text logs count only their complete lines. */
  snapshot(taken: string[] = []): BatchResult {
    const files: ReadFile[] = [];
    for (const [name, r] of this.readers) files.push({ name, events: r.content });
    for (const [name, parts] of this.texts) {
      let text = parts.join('');
      if (parts.length > 1) this.texts.set(name, [text]);
      // a line still being written is not read until its newline arrives
      const end = text.lastIndexOf('\n');
      text = end >= 0 ? text.slice(0, end + 1) : '';
      if (text.trim()) files.push({ name, text });
    }
    return loadBatch(files, taken);
  }
}
