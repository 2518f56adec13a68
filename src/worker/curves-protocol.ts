/**
 * Messages between the page and the curves worker, which reads, parses and diagnoses training logs
 * off the main thread (a 200 MB log must never freeze the page). Cancelling is terminating the worker:
 * a parse in progress cannot be interrupted any other way.
 */
import type { BatchResult } from '../lib/curves/load-batch';

export type CurvesRequest =
  /** Read files (text logs and event files), parse, build runs and diagnose them. */
  | { type: 'load'; id: number; files: { name: string; blob: Blob }[]; taken: string[] }
  /** A live log: bytes appended to `name` since the last push (or the whole file, the first time). */
  | {
      type: 'live-push';
      id: number;
      watch: number;
      chunks: { name: string; bytes: ArrayBuffer; reset?: boolean }[];
      taken: string[];
    }
  | { type: 'live-end'; watch: number };

export type CurvesEvent =
  | { type: 'progress'; id: number; name: string; bytes: number; total: number; phase: 'reading' | 'parsing' }
  | { type: 'done'; id: number; result: BatchResult }
  | { type: 'failed'; id: number; message: string };
