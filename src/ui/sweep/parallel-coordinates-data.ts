// The parallel-coordinates chart's data: one axis per parameter plus the objective, and one line
// per complete trial shaded by its value. Pure TS (no React): unit-tested in Node.
import { hasResult, hasValue, type StudyView } from '../../store/sweep-view';
import { linearTicks, normalizeOnAxis, paramAxis, positionOnAxis, type ParamAxis } from './axes';
import { formatNumber, offScaleNote } from './number-format';

export interface ParallelLine {
  number: number;
  value: number;
  /** Colour position in [0, 1]: 1 is the best value for the direction. */
  shade: number;
  /** One position in [0, 1] per axis (params in spec order, then the objective). */
  points: number[];
}

export interface ParallelData {
  axes: { name: string; label: string; ticks: { at: number; label: string }[] }[];
  /** Complete trials, worst first so the best is drawn on top. */
  lines: ParallelLine[];
  /** Trials with a ±inf value, which no axis can place: left out, and this says which. Null when none. */
  note: string | null;
}

export function parallelCoordinates(study: StudyView): ParallelData {
  const complete = study.trials.filter(hasResult);
  const paramAxes = study.paramSpec.map((p) => paramAxis(p, complete));
  const values = complete.map((t) => t.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const [oLow, oHigh] = values.length ? [lo, hi] : [0, 1];
  const oTicks = linearTicks(oLow, oHigh).map((value) => ({ value, label: formatNumber(value) }));
  const objAxis: ParamAxis = { name: 'objective', scale: 'linear', low: oLow, high: oHigh, choices: [], ticks: oTicks };
  const axes = [...paramAxes, objAxis].map((a, i) => ({
    name: a.name,
    label: i === paramAxes.length ? `objective (${study.objective})` : a.name,
    ticks: a.ticks.map((t) => ({ at: positionOnAxis(a, t.value), label: t.label })),
  }));
  const lines: ParallelLine[] = [];
  for (const t of complete) {
    const points = paramAxes.map((a) => normalizeOnAxis(a, t.params[a.name]));
    if (points.some((p) => p === null)) continue;
    const raw = hi === lo ? 1 : (t.value - lo) / (hi - lo);
    lines.push({
      number: t.number,
      value: t.value,
      shade: study.direction === 'maximize' ? raw : 1 - raw,
      points: [...(points as number[]), normalizeOnAxis(objAxis, t.value) ?? 0.5],
    });
  }
  lines.sort((a, b) => a.shade - b.shade || b.number - a.number);
  return { axes, lines, note: infiniteNote(study) };
}

/** The note for complete trials with a ±inf value, left out of a chart; null when there are none. */
export const infiniteNote = (study: StudyView): string | null =>
  offScaleNote(
    study.trials.filter((t) => hasValue(t) && !Number.isFinite(t.value)).sort((a, b) => a.number - b.number) as {
      number: number;
      value: number;
    }[],
    false,
  );
