// Axes the sweep charts share: a parameter's axis (linear, log or categorical) for parallel
// coordinates and slice plots, and round-number ticks for value, trial-number and step axes.
// Pure TS (no React): unit-tested in Node.
import { finite, type ParamSpecView, type TrialView } from '../../store/sweep-view';
import { formatParam } from './number-format';

export type AxisScale = 'linear' | 'log' | 'categorical';

export interface ParamAxis {
  name: string;
  scale: AxisScale;
  /** Data-space range (for categorical: the first and last index). */
  low: number;
  high: number;
  /** Categorical choices in order (spec order, else first-seen order). */
  choices: (string | number)[];
  /** Tick positions in data space (for categorical: indices) with labels. */
  ticks: { value: number; label: string }[];
}

function tickStep(low: number, high: number, count: number, integer: boolean): number {
  const raw = (high - low) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** About five round-number ticks inside [low, high]. */
export function linearTicks(low: number, high: number, integer = false): number[] {
  if (low === high) return [low];
  const s = tickStep(low, high, 4, integer);
  const out: number[] = [];
  for (let x = Math.ceil(low / s - 1e-9) * s; x <= high + s * 1e-9; x += s) out.push(Number(x.toPrecision(12)));
  return out;
}

/** Round-number ticks whose ends enclose [low, high] (for a chart's value axis). */
export function niceScale(low: number, high: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!(Number.isFinite(low) && Number.isFinite(high))) return { domain: [0, 1], ticks: [0, 0.5, 1] };
  if (low === high) [low, high] = [low - Math.max(1, Math.abs(low) * 0.1), high + Math.max(1, Math.abs(high) * 0.1)];
  const s = tickStep(low, high, count, false);
  const a = Math.floor(low / s + 1e-9) * s;
  const b = Math.ceil(high / s - 1e-9) * s;
  const ticks: number[] = [];
  for (let i = 0; a + i * s <= b + s * 1e-9; i++) ticks.push(Number((a + i * s).toPrecision(12)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** Integer ticks 0..max, at most ~maxTicks of them (trial numbers, epochs). */
export function integerTicks(max: number, maxTicks = 10): number[] {
  const step = Math.max(1, Math.ceil((max + 1) / maxTicks));
  const out: number[] = [];
  for (let i = 0; i <= max; i += step) out.push(i);
  return out;
}

function logTicks(low: number, high: number): number[] {
  const out = [low];
  const span = Math.log10(high / low);
  for (let e = Math.ceil(Math.log10(low)); Number(`1e${e}`) < high; e++) {
    const d = Number(`1e${e}`); // exact, unlike 10 ** -5
    if (Math.log10(d / low) / span > 0.08 && Math.log10(high / d) / span > 0.08) out.push(d);
  }
  if (high !== low) out.push(high);
  return out;
}

/** One parameter's axis: spec bounds when given (and sensible), else the trials' own range. */
export function paramAxis(spec: ParamSpecView, trials: readonly TrialView[]): ParamAxis {
  const values = trials.map((t) => t.params[spec.name]).filter((v) => v !== undefined);
  if (spec.type === 'categorical') {
    const choices: (string | number)[] = [...(spec.choices ?? [])];
    for (const v of values) if (!choices.some((c) => String(c) === String(v))) choices.push(v);
    return {
      name: spec.name,
      scale: 'categorical',
      low: 0,
      high: Math.max(0, choices.length - 1),
      choices,
      ticks: choices.map((c, i) => ({ value: i, label: formatParam(c) })),
    };
  }
  const log = spec.log === true;
  const nums = values.filter((v): v is number => finite(v) && (!log || v > 0));
  let low = finite(spec.low) && (!log || spec.low > 0) ? spec.low : Math.min(...nums);
  let high = finite(spec.high) && (!log || spec.high > 0) ? spec.high : Math.max(...nums);
  if (!finite(low) || !finite(high)) [low, high] = log ? [1, 10] : [0, 1];
  if (low > high) [low, high] = [high, low];
  const ticks = log ? logTicks(low, high) : linearTicks(low, high, spec.type === 'int');
  return {
    name: spec.name,
    scale: log ? 'log' : 'linear',
    low,
    high,
    choices: [],
    ticks: ticks.map((value) => ({ value, label: formatParam(value) })),
  };
}

/** A parameter value in data space for the axis (index for categorical), or null if it has none. */
export function axisValue(axis: ParamAxis, v: number | string | undefined): number | null {
  if (v === undefined) return null;
  if (axis.scale === 'categorical') {
    const i = axis.choices.findIndex((c) => String(c) === String(v));
    return i < 0 ? null : i;
  }
  if (!finite(v) || (axis.scale === 'log' && v <= 0)) return null;
  return v;
}

/** Data-space position (an index for categorical axes) → [0, 1] on the axis, log for log axes. */
export function positionOnAxis(axis: ParamAxis, x: number): number {
  if (axis.high === axis.low) return 0.5;
  const t =
    axis.scale === 'log'
      ? Math.log(x / axis.low) / Math.log(axis.high / axis.low)
      : (x - axis.low) / (axis.high - axis.low);
  return Math.min(1, Math.max(0, t));
}

/** A value's position on the axis in [0, 1] (0 = low end): log for log axes, categories evenly spaced. */
export function normalizeOnAxis(axis: ParamAxis, v: number | string | undefined): number | null {
  const x = axisValue(axis, v);
  return x === null ? null : positionOnAxis(axis, x);
}
