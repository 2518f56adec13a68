/**
 * The training-curve view's state: loaded runs, tables waiting for a column mapping, load errors and
 * the plot options. A module of its own (not app-state) so that leaving the view and coming back
 * keeps what was loaded, and so the playground's state stays untouched.
 */
import { schemeTableau10 } from 'd3';
import {
  buildRun,
  diagnose,
  LogParseError,
  mergeRuns,
  MissingLossError,
  parseLog,
  uniqueIds,
  type ColumnRole,
  type Finding,
  type LogTable,
  type Run,
} from '../lib/curves';
import type { LossUnit } from '../components/curves/chart-model';

export interface LoadedRun {
  run: Run;
  findings: Finding[];
  colour: string;
  visible: boolean;
}

/** Logs larger than this are refused with a message rather than freezing the tab. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

class CurvesState {
  runs = $state.raw<LoadedRun[]>([]);
  /** Tables whose columns the user must map (no loss column recognised). */
  pending = $state.raw<LogTable[]>([]);
  errors = $state<{ id: number; message: string }[]>([]);
  busy = $state<string | null>(null);

  unit = $state<LossUnit>('nats');
  logX = $state(false);
  logY = $state(false);
  smoothing = $state(0.6);
  xDomain = $state<[number, number] | null>(null);

  private nextError = 1;
  private colourIndex = 0;

  get visibleRuns(): LoadedRun[] {
    return this.runs.filter((r) => r.visible);
  }

  fail(message: string): void {
    this.errors = [...this.errors, { id: this.nextError++, message }];
  }

  dismiss(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  /** Parse files (each on its own: one bad file does not stop the others, nor touch what is loaded). */
  async addFiles(files: { name: string; size?: number; text: () => Promise<string> }[]): Promise<void> {
    const built: Run[] = [];
    for (const f of files) {
      if ((f.size ?? 0) > MAX_LOG_BYTES) {
        this.fail(`${f.name} is ${(f.size! / 1e6).toFixed(0)} MB; the page reads logs up to ${MAX_LOG_BYTES / 1024 / 1024} MB. Downsample it first (for example every 10th row).`);
        continue;
      }
      this.busy = `Reading ${f.name}…`;
      // let the page paint the message before a large file holds the thread
      await new Promise((r) => setTimeout(r, 0));
      try {
        const text = await f.text();
        built.push(...this.tablesToRuns(parseLog(f.name, text)));
      } catch (e) {
        this.fail(e instanceof LogParseError ? e.message : `${f.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.busy = null;
    this.addRuns(built);
  }

  addText(name: string, text: string): Promise<void> {
    return this.addFiles([{ name, size: text.length, text: async () => text }]);
  }

  private tablesToRuns(tables: LogTable[]): Run[] {
    const runs: Run[] = [];
    for (const t of tables) {
      try {
        runs.push(buildRun(t));
      } catch (e) {
        if (e instanceof MissingLossError) this.pending = [...this.pending, t];
        else throw e;
      }
    }
    return runs;
  }

  /** The user's mapping for a pending table. */
  applyMapping(table: LogTable, roles: ColumnRole[]): void {
    try {
      const run = buildRun(table, roles);
      this.pending = this.pending.filter((t) => t !== table);
      this.addRuns([run]);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  discardPending(table: LogTable): void {
    this.pending = this.pending.filter((t) => t !== table);
  }

  private addRuns(runs: Run[]): void {
    if (runs.length === 0) return;
    const merged = uniqueIds(mergeRuns(runs), this.runs.map((r) => r.run.id));
    this.runs = [
      ...this.runs,
      ...merged.map((run) => ({
        run,
        findings: diagnose(run),
        colour: schemeTableau10[this.colourIndex++ % schemeTableau10.length],
        visible: true,
      })),
    ];
    this.xDomain = null;
  }

  toggle(id: string): void {
    this.runs = this.runs.map((r) => (r.run.id === id ? { ...r, visible: !r.visible } : r));
  }

  remove(id: string): void {
    this.runs = this.runs.filter((r) => r.run.id !== id);
    if (this.runs.length === 0) this.xDomain = null;
  }

  clear(): void {
    this.runs = [];
    this.pending = [];
    this.errors = [];
    this.xDomain = null;
    this.colourIndex = 0;
  }
}

export const curves = new CurvesState();
