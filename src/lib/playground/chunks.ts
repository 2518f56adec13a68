/**
 * Long work on the page in bounded pieces: the first piece at once (in the same update, so nothing is
 * blank for a frame), the rest one piece per animation frame, so that no single task holds the main
 * thread for long. Pure: the frame scheduler is passed in, so tests drive it by hand.
 */

/** How the pieces are spread over frames. */
export interface Scheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

/** The browser's: one piece per animation frame. */
export const animationFrames: Scheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

/**
 * Run `work(from, to)` over the items 0 .. count-1 in pieces of at most `size` items: the first piece
 * (of `firstSize`, by default `size`: what must be on screen at once) now, then one piece per scheduled
 * callback from the second on; `done` once all are through. The first
 * callback only waits: the frame that paints the first piece also carries the work that started it (a
 * new result's render: 17-23 ms for 20,000 characters here), and a piece in that frame too made it a
 * 53-62 ms task. Returns a function that stops the rest (pieces already run stay run; `done` is not called).
 * @example const stop = inChunks(20_000, 500, (a, b) => draw(a, b), animationFrames, () => (complete = true));
 */
export function inChunks(
  count: number,
  size: number,
  work: (from: number, to: number) => void,
  scheduler: Scheduler,
  done?: () => void,
  firstSize = size,
): () => void {
  if (!(size >= 1) || !(firstSize >= 1)) throw new Error(`chunk size must be at least 1: ${size}, ${firstSize}`);
  let next = 0;
  let handle: number | null = null;
  let stopped = false;
  let waited = false;
  const step = () => {
    handle = null;
    if (stopped) return;
    if (next > 0 && !waited) {
      waited = true;
      handle = scheduler.request(step);
      return;
    }
    const to = Math.min(count, next + (next === 0 ? firstSize : size));
    if (to > next) work(next, to);
    next = to;
    if (next < count) handle = scheduler.request(step);
    else done?.();
  };
  step();
  return () => {
    stopped = true;
    if (handle !== null) scheduler.cancel(handle);
    handle = null;
  };
}
