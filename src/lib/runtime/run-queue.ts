/**
 * Runs async jobs one after another. onnxruntime-web rejects overlapping `session.run` calls on one
 * WASM instance (every session of an ort build shares it), so every run goes through the queue of its
 * build.
 */
export class RunQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /**
   * Queue a job; it starts when every job queued before it has settled.
   * @example const out = await queue.run(() => session.run(feeds));
   */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job, job).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
