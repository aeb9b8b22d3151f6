// The loss chart's smoothing and log axis, pure so they are unit-tested in Node.
//
// Smoothing is TensorBoard's (tensorboard/components/vz_line_chart2/line-chart.ts, resmoothDataset):
// a first-order EMA started at 0 and debiased by 1 − w^k, k the count of finite points so far, so the
// first points are not pulled towards 0; non-finite points pass through as they are and do not
// count; a constant series is left alone (its debiased EMA would only add rounding). W&B's
// "TensorBoard EMA" is the same formula.

/** TensorBoard's slider runs from 0 (raw) to 0.999; w = 1 would hold the EMA at its start, 0. */
export const MAX_SMOOTHING = 0.999;
/** TensorBoard's default weight. */
export const DEFAULT_SMOOTHING = 0.6;

/** The debiased EMA of `values` with weight `w` in [0, 0.999]; null and non-finite values come back as they were. */
export function emaSmooth(values: readonly (number | null)[], w: number): (number | null)[] {
  if (!(w >= 0 && w <= MAX_SMOOTHING))
    throw new RangeError(`smoothing weight must be in [0, ${MAX_SMOOTHING}], got ${w}`);
  const first = values[0];
  const constant = values.every((v) => v === first);
  let last = 0;
  let k = 0;
  return values.map((v) => {
    if (constant || v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    k += 1;
    return last / (1 - w ** k);
  });
}

/**
 * Ticks for a log axis over [lo, hi] (both > 0): 1, 2 and 5 times the powers of ten inside it; when
 * fewer than three fall inside (a loss between 3.1 and 4.4), five geometric steps rounded to two
 * significant digits instead.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return [];
  if (hi === lo) return [lo];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= lo && t <= hi) out.push(t);
    }
  if (out.length >= 3) return out;
  const r = Math.log(hi / lo);
  const geometric = Array.from({ length: 5 }, (_, i) => Number((lo * Math.exp((r * i) / 4)).toPrecision(2)));
  return [...new Set(geometric)].filter((t) => t >= lo && t <= hi);
}

/** The log axis' domain: the positive finite values, with a little room above and below; null when none. */
export function logDomain(values: Iterable<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  return lo === Infinity ? null : [lo / 1.05, hi * 1.05];
}
