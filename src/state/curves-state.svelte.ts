/**
 * The training-curve view's state: loaded runs, tables waiting for a column mapping, load errors, the
 * plot options, and logs being watched while they are written. A module of its own (not app-state) so
 * that leaving the view and coming back keeps what was loaded.
 *
 * Files are read, parsed and diagnosed in the curves worker (a 200 MB log never holds the page); a
 * load in progress shows its bytes and can be cancelled.
 */
import { schemeTableau10 } from 'd3';
import {
  buildRun,
  diagnose,
  FINDING_LABELS,
  type ColumnRole,
  type Finding,
  type LogTable,
  type Run,
} from '../lib/curves';
import type { BatchResult } from '../lib/curves/load-batch';
import { formatStep } from '../lib/format';
import { DEFAULT_SMOOTHING, type LossUnit } from '../lib/curves/chart-model';
import type { LeftSignal } from '../lib/curves/signals-model';
import { CancelledError, CurvesClient, type Progress } from '../worker/curves-client';
import { LiveWatch, type LiveSource } from './live-watch.svelte';

export interface LoadedRun {
  run: Run;
  findings: Finding[];
  colour: string;
  visible: boolean;
  /** The watch that keeps this run up to date, if any. */
  watch?: number;
}

/** Logs larger than this are refused with a message (the worker holds the text in memory). */
export const MAX_LOG_BYTES = 1024 * 1024 * 1024;

export interface Busy {
  label: string;
  bytes: number;
  total: number;
  phase: 'reading' | 'parsing';
}

const mb = (n: number) => (n / 1e6).toFixed(n < 10e6 ? 1 : 0);

class CurvesState {
  runs = $state.raw<LoadedRun[]>([]);
  /** Tables whose columns the user must map (no loss column recognised). */
  pending = $state.raw<LogTable[]>([]);
  errors = $state<{ id: number; message: string }[]>([]);
  busy = $state<Busy | null>(null);
  /** Watched logs (a URL, or local files through the File System Access API). */
  watches = $state.raw<LiveWatch[]>([]);
  /** The last thing a live run did that a screen reader should hear (a new finding). */
  announcement = $state('');

  unit = $state<LossUnit>('nats');
  logX = $state(false);
  logY = $state(false);
  smoothing = $state(DEFAULT_SMOOTHING);
  xDomain = $state<[number, number] | null>(null);
  /** Which of the side signals the lower panel shows. */
  signals = $state<{ lr: boolean; left: LeftSignal }>({ lr: true, left: 'gradNorm' });

  private nextError = 1;
  private colourIndex = 0;
  private nextWatch = 1;
  private loader = new CurvesClient();
  private liveClient = new CurvesClient();

  get visibleRuns(): LoadedRun[] {
    return this.runs.filter((r) => r.visible);
  }

  fail(message: string): void {
    this.errors = [...this.errors, { id: this.nextError++, message }];
  }

  dismiss(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  /** Read files in the worker (each on its own: one bad file neither stops the others nor touches what is loaded). */
  async addFiles(files: { name: string; blob: Blob }[]): Promise<void> {
    const ok = files.filter((f) => {
      if (f.blob.size <= MAX_LOG_BYTES) return true;
      this.fail(
        `${f.name} is ${mb(f.blob.size)} MB; the page reads logs up to ${MAX_LOG_BYTES / 1024 / 1024} MB. Downsample it first (for example every 10th row).`,
      );
      return false;
    });
    if (!ok.length) return;
    const total = ok.reduce((s, f) => s + f.blob.size, 0);
    const label = ok.length === 1 ? ok[0].name : `${ok.length} files`;
    this.busy = { label, bytes: 0, total, phase: 'reading' };
    // progress is per file: add what the files before it held
    const offsets = new Map<string, number>();
    let acc = 0;
    for (const f of ok) {
      offsets.set(f.name, acc);
      acc += f.blob.size;
    }
    try {
      const result = await this.loader.load(
        ok,
        this.runs.map((r) => r.run.id),
        (p: Progress) => {
          this.busy = { label, bytes: (offsets.get(p.name) ?? 0) + p.bytes, total, phase: p.phase };
        },
      );
      this.addResult(result);
    } catch (e) {
      if (e instanceof CancelledError) this.fail(`Stopped reading ${label}: nothing from it was loaded.`);
      else this.fail(`${label}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = null;
    }
  }

  /** Stop the load in progress. */
  cancelLoad(): void {
    this.loader.cancel();
  }

  addText(name: string, text: string): Promise<void> {
    return this.addFiles([{ name, blob: new Blob([text], { type: 'text/plain' }) }]);
  }

  /** A line for the busy indicator: "Reading big.csv: 45 of 200 MB". */
  get busyText(): string {
    const b = this.busy;
    if (!b) return '';
    if (b.phase === 'parsing') return `Parsing ${b.label}…`;
    return `Reading ${b.label}: ${mb(b.bytes)} of ${mb(b.total)} MB`;
  }

  private addResult(result: BatchResult): void {
    for (const m of result.errors) this.fail(m);
    if (result.pending.length) this.pending = [...this.pending, ...result.pending];
    if (!result.runs.length) return;
    this.runs = [
      ...this.runs,
      ...result.runs.map((run, i) => ({ run, findings: result.findings[i], colour: this.nextColour(), visible: true })),
    ];
    this.xDomain = null;
  }

  private nextColour(): string {
    return schemeTableau10[this.colourIndex++ % schemeTableau10.length];
  }

  /** The user's mapping for a pending table. */
  applyMapping(table: LogTable, roles: ColumnRole[]): void {
    try {
      const run = buildRun(table, roles, this.uniqueId(table.runName));
      this.pending = this.pending.filter((t) => t !== table);
      this.runs = [...this.runs, { run, findings: diagnose(run), colour: this.nextColour(), visible: true }];
      this.xDomain = null;
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  private uniqueId(name: string): string {
    const used = new Set(this.runs.map((r) => r.run.id));
    let id = name;
    for (let k = 2; used.has(id); k++) id = `${name} (${k})`;
    return id;
  }

  discardPending(table: LogTable): void {
    this.pending = this.pending.filter((t) => t !== table);
  }

  toggle(id: string): void {
    this.runs = this.runs.map((r) => (r.run.id === id ? { ...r, visible: !r.visible } : r));
  }

  remove(id: string): void {
    const watch = this.runs.find((r) => r.run.id === id)?.watch;
    this.runs = this.runs.filter((r) => r.run.id !== id);
    // a removed live run would come back at the next read: stop its watch once none of its runs is left
    if (watch !== undefined && !this.runs.some((r) => r.watch === watch)) this.stopWatch(watch);
    if (this.runs.length === 0) this.xDomain = null;
  }

  clear(): void {
    for (const w of this.watches) this.stopWatch(w.id);
    this.runs = [];
    this.pending = [];
    this.errors = [];
    this.xDomain = null;
    this.colourIndex = 0;
  }

  // ---- live logs

  /**
   * Watch a source: read it now, then (if `keep`) re-read what was appended every few seconds. Its
   * runs are replaced in place at each read; a finding that was not there before is announced.
   */
  async watch(source: LiveSource, keep: boolean): Promise<void> {
    const id = this.nextWatch++;
    const w = new LiveWatch(id, source, this.liveClient, {
      taken: () => this.runs.filter((r) => r.watch !== id).map((r) => r.run.id),
      update: (result, first) => this.liveUpdate(id, result, first),
      fail: (message) => this.fail(message),
      changed: () => (this.watches = [...this.watches]),
    });
    this.watches = [...this.watches, w];
    const ok = await w.poll();
    if (ok && keep) w.start();
    else if (!keep || !ok) this.stopWatch(id, false);
  }

  stopWatch(id: number, announce = true): void {
    const w = this.watches.find((x) => x.id === id);
    if (!w) return;
    w.stop();
    this.watches = this.watches.filter((x) => x !== w);
    if (announce) this.announcement = `Stopped watching ${w.source.label}.`;
  }

  private liveUpdate(watch: number, result: BatchResult, first: boolean): void {
    const before = this.runs.filter((r) => r.watch === watch);
    const seen = new Set(before.flatMap((r) => r.findings.map(findingKey)));
    const colours = new Map(before.map((r) => [r.run.id, r.colour]));
    const visible = new Map(before.map((r) => [r.run.id, r.visible]));
    const fresh: LoadedRun[] = result.runs.map((run, i) => ({
      run,
      findings: result.findings[i],
      colour: colours.get(run.id) ?? this.nextColour(),
      visible: visible.get(run.id) ?? true,
      watch,
    }));
    // keep the runs where they were in the list; new ones go at the end
    const others = this.runs.filter((r) => r.watch !== watch);
    const firstIndex = this.runs.findIndex((r) => r.watch === watch);
    const at = firstIndex < 0 ? others.length : this.runs.slice(0, firstIndex).filter((r) => r.watch !== watch).length;
    this.runs = [...others.slice(0, at), ...fresh, ...others.slice(at)];
    if (first) {
      for (const m of result.errors) this.fail(m);
      if (result.pending.length) this.pending = [...this.pending, ...result.pending];
      return;
    }
    const added = fresh.flatMap((r) => r.findings.filter((f) => !seen.has(findingKey(f))));
    if (added.length) {
      this.announcement =
        `New in ${added[0].run}: ` +
        added
          .slice(0, 3)
          .map((f) => `${FINDING_LABELS[f.kind].toLowerCase()} at ${f.step === f.step ? formatStep(f.step) : '?'}`)
          .join('; ') +
        (added.length > 3 ? ` and ${added.length - 3} more` : '') +
        '.';
    }
  }
}

/** A finding is new when its run had no finding of that kind on that curve before. */
const findingKey = (f: Finding) => `${f.run}\u0000${f.kind}\u0000${f.series}`;

export const curves = new CurvesState();
