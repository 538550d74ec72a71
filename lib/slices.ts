/**
 * O(data) work written once as a generator that yields between slices, run
 * either to completion at once (sync APIs) or in slices of a few
 * milliseconds with the event loop running between them (fit), so that no
 * preparation step holds the event loop.
 */
export type Sliced<T> = Generator<void, T, void>;

/** Values a slice handles before it offers to yield (well under a millisecond of work). */
export const SLICE_VALUES = 1 << 16;

/** Time an async run keeps the event loop before letting it turn. */
const SLICE_BUDGET_MS = 4;

export function runNow<T>(work: Sliced<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/** Starts after a turn of the event loop, so the caller gets its promise before any O(data) work. */
export async function runInSlices<T>(work: Sliced<T>): Promise<T> {
  await turnOfEventLoop();
  let started = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - started >= SLICE_BUDGET_MS) {
      await turnOfEventLoop();
      started = performance.now();
    }
  }
}

export function turnOfEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
