// Rows for the multi-trial line charts (epoch curves, compared losses): one line per trial on a
// shared x axis, thinned to what a chart can draw. Pure TS (no React): unit-tested in Node.
import { finite } from '../../store/sweep-view';

/** Evenly thinned copy keeping the first and last point (charts need no more than ~maxPoints). */
export function thin<T>(points: readonly T[], maxPoints: number): T[] {
  if (points.length <= maxPoints || maxPoints < 2) return [...points];
  const out: T[] = [];
  const stride = (points.length - 1) / (maxPoints - 1);
  for (let i = 0; i < maxPoints; i++) out.push(points[Math.round(i * stride)]);
  return out;
}

export const trialKey = (n: number) => `t${n}`;

/**
 * Rows for a multi-line chart sharing one x axis: `{ [xKey]: x, t3: y3, t5: y5, … }`, sorted by x.
 * Trials lacking an x get no key in that row (lines use connectNulls).
 */
export function mergeSeries(
  series: { number: number; points: readonly { x: number; y: number | null }[] }[],
  xKey: string,
): Record<string, number>[] {
  const rows = new Map<number, Record<string, number>>();
  for (const s of series) {
    for (const p of s.points) {
      if (!finite(p.y)) continue;
      let row = rows.get(p.x);
      if (row === undefined) rows.set(p.x, (row = { [xKey]: p.x }));
      row[trialKey(s.number)] = p.y;
    }
  }
  return [...rows.values()].sort((a, b) => a[xKey] - b[xKey]);
}
