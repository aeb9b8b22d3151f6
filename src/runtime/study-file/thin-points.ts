// Thinning a chart's points so a 10^5-trial study draws as fast as a 100-trial one: SVG charts
// (Recharts) lay out and paint every point on the page's main thread, and 10^5 of them froze it
// for seconds. What must survive is what a reader looks for: the extremes (the best and worst
// values anywhere), the first and last trial, and the best-so-far line, which is kept exact (it
// only changes at improvements, and a step line needs only those). Pure: unit-tested in Node.

/**
 * Indices (ascending) of at most `max` points of a series in x order, plus `keep`: the series is
 * cut into buckets of consecutive points, and each bucket keeps its lowest and highest y (its first
 * point when none of its ys is a number), the way M4/min-max downsampling keeps a line's envelope.
 * The first and last points and the series' global extremes are always among them (so `max` is
 * taken as at least 4). All points when there are no more than `max`.
 */
export function thinPoints(ys: ArrayLike<number>, maxPoints: number, keep: Iterable<number> = []): number[] {
  const n = ys.length;
  const max = Math.max(4, Math.floor(maxPoints) || 0);
  const out = new Set<number>();
  for (const k of keep) if (Number.isInteger(k) && k >= 0 && k < n) out.add(k);
  if (n <= max) {
    for (let i = 0; i < n; i++) out.add(i);
    return [...out].sort((a, b) => a - b);
  }
  out.add(0);
  out.add(n - 1);
  // Two points a bucket, less the first and last, so the result stays within `max`.
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (Number.isNaN(y)) continue;
      if (lo < 0 || y < ys[lo]) lo = i;
      if (hi < 0 || y > ys[hi]) hi = i;
    }
    if (lo < 0) out.add(from);
    else {
      out.add(lo);
      out.add(hi);
    }
  }
  return [...out].sort((a, b) => a - b);
}

export interface StepPoint {
  number: number;
  /** Best value among trials up to `number`; null before the first. */
  best: number | null;
}

/**
 * The best-so-far line as a step line: the first trial, every trial that improved on the best, and
 * the last trial. Drawn with "stepAfter" this is exactly the line of one point per trial. Past
 * `max` improvements (a study that improved nearly every trial) the improvements are thinned to
 * `max`, keeping the last (the best value itself).
 */
export function bestSoFarSteps(
  numbers: ArrayLike<number>,
  values: ArrayLike<number>,
  direction: 'maximize' | 'minimize',
  max = 2000,
): StepPoint[] {
  const n = numbers.length;
  if (n === 0) return [];
  const steps: StepPoint[] = [];
  let best: number | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const improves = !Number.isNaN(v) && (best === null || (direction === 'maximize' ? v > best : v < best));
    if (improves) best = v;
    if (i === 0 || improves || i === n - 1) steps.push({ number: numbers[i], best });
  }
  if (steps.length <= max) return steps;
  const kept = thinPoints(
    steps.map((s) => s.best ?? NaN),
    max,
    [steps.length - 1],
  );
  return kept.map((i) => steps[i]);
}
