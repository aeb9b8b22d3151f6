// The compare-trials dashboard's input (plain data the runner or IndexedDB hands over) and the
// pure read-outs its charts and table draw from. No React, zustand or DOM: unit-tested in Node.
import type { Sample } from '../core/events';
import type { EpochRecord } from '../sweep/studio/runner';

export type TrialViewState = 'running' | 'complete' | 'pruned' | 'failed';
export type StudyDirectionView = 'maximize' | 'minimize';

export interface TrialView {
  number: number;
  state: TrialViewState;
  value: number | null;
  params: Record<string, number | string>;
  epochs: EpochRecord[];
  losses: { step: number; loss: number }[];
  samples: Sample[];
  durationMs: number | null;
  failReason?: string;
}

export interface ParamSpecView {
  name: string;
  type: 'float' | 'int' | 'categorical';
  log?: boolean;
  low?: number;
  high?: number;
  choices?: (string | number)[];
}

export interface StudyView {
  id: string;
  name: string;
  direction: StudyDirectionView;
  objective: string;
  status: string;
  trials: TrialView[];
  importances: Record<string, number> | null;
  paramSpec: ParamSpecView[];
}

type DirectionOnly = { direction: StudyDirectionView };
type Trials = { trials: readonly TrialView[] };

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const better = (a: number, b: number, direction: StudyDirectionView) => (direction === 'maximize' ? a > b : a < b);
const byNumber = (a: TrialView, b: TrialView) => a.number - b.number;

/** A complete trial with a finite value: the only kind that counts as a result. */
export const hasResult = (t: TrialView): t is TrialView & { value: number } =>
  t.state === 'complete' && finite(t.value);

// ---------- best trial ----------

/** Best complete trial for the direction (the lowest number on ties, as Optuna), or null. */
export function bestTrial(study: Trials & DirectionOnly): TrialView | null {
  let best: (TrialView & { value: number }) | null = null;
  for (const t of [...study.trials].sort(byNumber)) {
    if (hasResult(t) && (best === null || better(t.value, best.value, study.direction))) best = t;
  }
  return best;
}

export interface BestSoFarPoint {
  number: number;
  /** Best complete value among trials 0..number; null before the first complete one. */
  best: number | null;
}

/** The running best, one point per trial in number order (non-complete trials carry it on). */
export function bestSoFar(study: Trials & DirectionOnly): BestSoFarPoint[] {
  let best: number | null = null;
  return [...study.trials].sort(byNumber).map((t) => {
    if (hasResult(t) && (best === null || better(t.value, best, study.direction))) best = t.value;
    return { number: t.number, best };
  });
}

export function stateCounts(trials: readonly TrialView[]): Record<TrialViewState, number> {
  const out: Record<TrialViewState, number> = { running: 0, complete: 0, pruned: 0, failed: 0 };
  for (const t of trials) out[t.state] += 1;
  return out;
}

// ---------- table: sort and filter ----------

export type SortKey = 'number' | 'state' | 'value' | 'epochs' | 'duration' | `param:${string}`;
export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const STATE_ORDER: Record<TrialViewState, number> = { complete: 0, pruned: 1, running: 2, failed: 3 };

/** The cell value a column sorts by; null (and NaN) sort last in both directions. */
export function sortValue(t: TrialView, key: SortKey): number | string | null {
  let v: number | string | null | undefined;
  if (key === 'number') v = t.number;
  else if (key === 'state') v = STATE_ORDER[t.state];
  else if (key === 'value') v = t.value;
  else if (key === 'epochs') v = t.epochs.length;
  else if (key === 'duration') v = t.durationMs;
  else v = t.params[key.slice('param:'.length)];
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return null;
  return v;
}

function compareCells(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1; // numbers before strings in a mixed categorical column
  if (typeof b === 'number') return 1;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** A sorted copy: by the column, missing values last, ties by trial number. */
export function sortTrials(trials: readonly TrialView[], sort: SortSpec): TrialView[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...trials].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
    return sign * compareCells(x, y) || a.number - b.number;
  });
}

/** The sort after clicking a header: the same column flips, a new one starts best/first first. */
export function nextSort(current: SortSpec, key: SortKey, direction: StudyDirectionView): SortSpec {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  if (key === 'value') return { key, dir: direction === 'maximize' ? 'desc' : 'asc' };
  return { key, dir: 'asc' };
}

function tokenMatches(t: TrialView, token: string): boolean {
  if (/^#\d+$/.test(token)) return t.number === Number(token.slice(1));
  const eq = token.indexOf('=');
  if (eq > 0) {
    const name = token.slice(0, eq);
    const want = token.slice(eq + 1);
    return Object.entries(t.params).some(([k, v]) => {
      if (!k.toLowerCase().includes(name)) return false;
      if (want === '') return true;
      if (typeof v === 'number' && want.trim() !== '' && Number.isFinite(Number(want))) return v === Number(want);
      return String(v).toLowerCase().startsWith(want) || formatParam(v).toLowerCase().startsWith(want);
    });
  }
  if (t.state.includes(token)) return true;
  if (t.failReason?.toLowerCase().includes(token)) return true;
  return Object.entries(t.params).some(
    ([k, v]) =>
      k.toLowerCase().includes(token) ||
      String(v).toLowerCase().includes(token) ||
      formatParam(v).toLowerCase().includes(token),
  );
}

/**
 * Does the trial match the filter text? Whitespace-separated tokens, all must match, case-
 * insensitive. A token is `#3` (trial number), `name=value` (a parameter whose name contains
 * `name` and whose value is `value`, numerically, or starts with it), or free text found in the
 * state, the failure reason, or a parameter's name or value.
 */
export function trialMatches(t: TrialView, query: string): boolean {
  const tokens = query
    .toLowerCase()
    .split(/\s+/)
    .filter((s) => s !== '');
  return tokens.every((token) => tokenMatches(t, token));
}

export const filterTrials = (trials: readonly TrialView[], query: string): TrialView[] =>
  trials.filter((t) => trialMatches(t, query));

// ---------- number formatting ----------

/** Short human form: 3 significant digits, exponent for very small or large magnitudes. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5)
    return v
      .toExponential(Math.max(0, digits - 1))
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

export const formatParam = (v: number | string): string =>
  typeof v === 'string' ? v : Number.isInteger(v) ? String(v) : formatNumber(v);

// ---------- axes: parallel coordinates and slice plots ----------

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
  return { axes, lines };
}

export interface SliceData {
  axis: ParamAxis;
  points: { x: number; y: number; number: number; label: string }[];
}

/** Objective against one parameter, complete trials only; x is the axis value (index if categorical). */
export function sliceData(study: StudyView, spec: ParamSpecView): SliceData {
  const complete = study.trials.filter(hasResult);
  const axis = paramAxis(spec, complete);
  const points: SliceData['points'] = [];
  for (const t of complete) {
    const x = axisValue(axis, t.params[spec.name]);
    if (x !== null)
      points.push({ x, y: t.value, number: t.number, label: `${spec.name} = ${formatParam(t.params[spec.name])}` });
  }
  return { axis, points };
}

// ---------- chart series ----------

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

export type EpochMetric = 'objective' | 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum' | 'evalLoss';

export const epochRows = (trials: readonly TrialView[], metric: EpochMetric) =>
  mergeSeries(
    trials.map((t) => ({ number: t.number, points: t.epochs.map((e) => ({ x: e.epoch, y: e[metric] })) })),
    'epoch',
  );

export const lossRows = (trials: readonly TrialView[], maxPointsPerTrial = 300) =>
  mergeSeries(
    trials.map((t) => ({
      number: t.number,
      points: thin(t.losses, maxPointsPerTrial).map((p) => ({ x: p.step, y: p.loss })),
    })),
    'step',
  );

export interface HistoryPoint {
  number: number;
  value: number;
  state: TrialViewState;
}

export interface HistoryData {
  complete: HistoryPoint[];
  /** Pruned (value: the last reported one), running (latest epoch) and failed trials; trials
   *  with nothing to show sit on the chart's floor, just above domain[0]. */
  pruned: HistoryPoint[];
  running: HistoryPoint[];
  failed: HistoryPoint[];
  best: BestSoFarPoint[];
  domain: [number, number];
  ticks: number[];
  xTicks: number[];
}

export function historyData(study: StudyView): HistoryData {
  const trials = [...study.trials].sort(byNumber);
  const shown = (t: TrialView): number | null =>
    finite(t.value) ? t.value : finite(t.epochs.at(-1)?.objective) ? t.epochs.at(-1)!.objective : null;
  const ys = trials
    .filter((t) => t.state !== 'failed')
    .map(shown)
    .filter(finite);
  const lo = ys.length ? Math.min(...ys) : 0;
  const hi = ys.length ? Math.max(...ys) : 1;
  const pad = hi === lo ? Math.max(1, Math.abs(hi) * 0.1) : (hi - lo) * 0.1;
  const { domain, ticks } = niceScale(lo - pad, hi + pad);
  // Failed trials sit just above the bottom edge, below every real value.
  const floor = domain[0] + Math.min(lo - domain[0], (domain[1] - domain[0]) * 0.04);
  const pick = (state: TrialViewState, fallback: boolean) =>
    trials
      .filter((t) => t.state === state)
      .flatMap((t) => {
        const v = state === 'failed' ? null : shown(t);
        return v === null && !fallback ? [] : [{ number: t.number, value: v ?? floor, state }];
      });
  return {
    complete: pick('complete', false),
    pruned: pick('pruned', true),
    running: pick('running', false),
    failed: pick('failed', true),
    best: bestSoFar(study),
    domain,
    ticks,
    xTicks: integerTicks(trials.reduce((m, t) => Math.max(m, t.number), 0)),
  };
}
