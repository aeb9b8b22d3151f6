// Wall-clock helpers for the bench worker. Timings use performance.now() and always end on a
// completed read-back, so asynchronous backends (WebGPU) are measured to completion.

export const now = (): number => performance.now();

/**
 * Runs `fn` at least `minReps` times and until `minMs` have passed (at most `maxReps`), and
 * returns the fastest run: the least disturbed by the other work on a shared machine.
 */
export async function bestOf(
  fn: () => Promise<void>,
  minMs: number,
  maxReps: number,
  minReps = 2,
): Promise<{ bestMs: number; reps: number }> {
  let best = Infinity;
  let reps = 0;
  const start = now();
  while (reps < minReps || (reps < maxReps && now() - start < minMs)) {
    const t0 = now();
    await fn();
    best = Math.min(best, now() - t0);
    reps += 1;
  }
  return { bestMs: best, reps };
}
