import { describe, expect, it } from 'vitest';
import { formatDuration } from '../core/format';
import {
  bestSoFar,
  bestTrial,
  epochRows,
  filterTrials,
  formatNumber,
  historyData,
  integerTicks,
  niceScale,
  lossRows,
  nextSort,
  normalizeOnAxis,
  parallelCoordinates,
  paramAxis,
  sliceData,
  sortTrials,
  stateCounts,
  thin,
  type ParamSpecView,
  type StudyView,
  type TrialView,
} from './sweep-view';

const trial = (
  number: number,
  state: TrialView['state'],
  value: number | null,
  params: TrialView['params'] = {},
  extra: Partial<TrialView> = {},
): TrialView => ({
  number,
  state,
  value,
  params,
  epochs: [],
  losses: [],
  samples: [],
  durationMs: null,
  ...extra,
});

const SPEC: ParamSpecView[] = [
  { name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true },
  { name: 'per_device_train_batch_size', type: 'categorical', choices: [4, 8, 16, 32] },
];

const study = (trials: TrialView[], direction: StudyView['direction'] = 'maximize'): StudyView => ({
  id: 's1',
  name: 'study',
  direction,
  objective: 'sum',
  status: 'running',
  trials,
  importances: null,
  paramSpec: SPEC,
});

const TRIALS: TrialView[] = [
  trial(0, 'complete', 40, { learning_rate: 1e-5, per_device_train_batch_size: 8 }, { durationMs: 5000 }),
  trial(1, 'pruned', 12, { learning_rate: 1e-6, per_device_train_batch_size: 4 }, { durationMs: 2000 }),
  trial(2, 'complete', 55, { learning_rate: 1e-4, per_device_train_batch_size: 32 }, { durationMs: 9000 }),
  trial(3, 'failed', null, { learning_rate: 3e-5, per_device_train_batch_size: 16 }, { failReason: 'out of memory' }),
  trial(4, 'complete', 55, { learning_rate: 2e-5, per_device_train_batch_size: 16 }, { durationMs: 7000 }),
  trial(5, 'running', null, { learning_rate: 5e-5, per_device_train_batch_size: 8 }),
  trial(6, 'complete', 30, { learning_rate: 2e-6, per_device_train_batch_size: 4 }, { durationMs: 3000 }),
];

describe('bestTrial / bestSoFar', () => {
  it('takes the best complete trial for the direction, earliest on ties', () => {
    expect(bestTrial(study(TRIALS))?.number).toBe(2);
    expect(bestTrial(study(TRIALS, 'minimize'))?.number).toBe(6);
  });

  it('ignores pruned values even when they would win, and non-finite values', () => {
    const ts = [trial(0, 'complete', 5), trial(1, 'pruned', 1), trial(2, 'complete', NaN), trial(3, 'failed', null)];
    expect(bestTrial(study(ts, 'minimize'))?.number).toBe(0);
    expect(bestTrial(study([trial(0, 'pruned', 3), trial(1, 'running', null)]))).toBeNull();
    expect(bestTrial(study([]))).toBeNull();
  });

  it('is independent of the order trials arrive in', () => {
    expect(bestTrial(study([...TRIALS].reverse()))?.number).toBe(2);
  });

  it('carries the running best through every trial', () => {
    const ts = [
      trial(0, 'pruned', 99),
      trial(1, 'complete', 10),
      trial(2, 'complete', 8),
      trial(3, 'failed', null),
      trial(4, 'complete', 12),
    ];
    expect(bestSoFar(study(ts)).map((p) => p.best)).toEqual([null, 10, 10, 10, 12]);
    expect(bestSoFar(study(ts, 'minimize')).map((p) => p.best)).toEqual([null, 10, 8, 8, 8]);
  });

  it('counts states', () => {
    expect(stateCounts(TRIALS)).toEqual({ running: 1, complete: 4, pruned: 1, failed: 1 });
  });
});

describe('sortTrials / nextSort', () => {
  const nums = (ts: TrialView[]) => ts.map((t) => t.number);

  it('sorts by value with missing values last in both directions, ties by number', () => {
    expect(nums(sortTrials(TRIALS, { key: 'value', dir: 'desc' }))).toEqual([2, 4, 0, 6, 1, 3, 5]);
    expect(nums(sortTrials(TRIALS, { key: 'value', dir: 'asc' }))).toEqual([1, 6, 0, 2, 4, 3, 5]);
  });

  it('sorts by a numeric or categorical parameter, by state and by duration', () => {
    expect(nums(sortTrials(TRIALS, { key: 'param:learning_rate', dir: 'asc' }))).toEqual([1, 6, 0, 4, 3, 5, 2]);
    expect(nums(sortTrials(TRIALS, { key: 'param:per_device_train_batch_size', dir: 'desc' }))).toEqual([
      2, 3, 4, 0, 5, 1, 6,
    ]);
    expect(nums(sortTrials(TRIALS, { key: 'state', dir: 'asc' }))).toEqual([0, 2, 4, 6, 1, 5, 3]);
    expect(nums(sortTrials(TRIALS, { key: 'duration', dir: 'asc' }))).toEqual([1, 6, 0, 4, 2, 3, 5]);
  });

  it('orders strings naturally and numbers before strings', () => {
    const ts = [
      trial(0, 'complete', 1, { opt: 'adam10' }),
      trial(1, 'complete', 1, { opt: 'adam2' }),
      trial(2, 'complete', 1, { opt: 3 }),
    ];
    expect(nums(sortTrials(ts, { key: 'param:opt', dir: 'asc' }))).toEqual([2, 1, 0]);
  });

  it('does not mutate its input', () => {
    const copy = [...TRIALS];
    sortTrials(TRIALS, { key: 'value', dir: 'desc' });
    expect(TRIALS).toEqual(copy);
  });

  it('flips the same column and starts the value column best first', () => {
    expect(nextSort({ key: 'number', dir: 'asc' }, 'number', 'maximize')).toEqual({ key: 'number', dir: 'desc' });
    expect(nextSort({ key: 'number', dir: 'asc' }, 'value', 'maximize')).toEqual({ key: 'value', dir: 'desc' });
    expect(nextSort({ key: 'number', dir: 'asc' }, 'value', 'minimize')).toEqual({ key: 'value', dir: 'asc' });
    expect(nextSort({ key: 'value', dir: 'desc' }, 'param:lr', 'maximize')).toEqual({ key: 'param:lr', dir: 'asc' });
  });
});

describe('filterTrials', () => {
  const nums = (q: string) => filterTrials(TRIALS, q).map((t) => t.number);

  it('matches state text, case-insensitively', () => {
    expect(nums('pruned')).toEqual([1]);
    expect(nums('  COMPLETE ')).toEqual([0, 2, 4, 6]);
    expect(nums('')).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('matches name=value numerically, by prefix for text, and with a partial name', () => {
    expect(nums('batch_size=16')).toEqual([3, 4]);
    expect(nums('batch=1')).toEqual([]); // 1 is not 16: numbers compare exactly
    expect(nums('learning_rate=1e-5')).toEqual([0]);
    expect(nums('complete batch=16')).toEqual([4]);
  });

  it('matches a trial number, a failure reason, and a displayed parameter value', () => {
    expect(nums('#4')).toEqual([4]);
    expect(nums('memory')).toEqual([3]);
    expect(nums('2e-5')).toEqual([4]);
    expect(nums('nothing-like-this')).toEqual([]);
  });
});

describe('axes and parallel coordinates', () => {
  it('puts log parameters on a log axis', () => {
    const axis = paramAxis(SPEC[0], TRIALS);
    expect(axis.scale).toBe('log');
    expect(normalizeOnAxis(axis, 1e-6)).toBeCloseTo(0);
    expect(normalizeOnAxis(axis, 1e-5)).toBeCloseTo(0.5);
    expect(normalizeOnAxis(axis, 1e-4)).toBeCloseTo(1);
    expect(axis.ticks.map((t) => t.value)).toEqual([1e-6, 1e-5, 1e-4]);
    expect(axis.ticks.map((t) => t.label)).toEqual(['1e-6', '1e-5', '1e-4']);
  });

  it('spaces categorical choices evenly in spec order, even unseen ones', () => {
    const axis = paramAxis(SPEC[1], [trial(0, 'complete', 1, { per_device_train_batch_size: 32 })]);
    expect(axis.scale).toBe('categorical');
    expect([4, 8, 16, 32].map((c) => normalizeOnAxis(axis, c))).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(normalizeOnAxis(axis, '16')).toBeCloseTo(2 / 3); // stored as text still finds its choice
    expect(normalizeOnAxis(axis, undefined)).toBeNull();
    const one = paramAxis({ name: 'opt', type: 'categorical', choices: ['adamw'] }, []);
    expect(normalizeOnAxis(one, 'adamw')).toBe(0.5);
  });

  it('uses linear axes and the data range when the spec gives no bounds', () => {
    const axis = paramAxis({ name: 'warmup', type: 'int' }, [
      trial(0, 'complete', 1, { warmup: 10 }),
      trial(1, 'complete', 1, { warmup: 30 }),
    ]);
    expect(axis.scale).toBe('linear');
    expect(normalizeOnAxis(axis, 20)).toBeCloseTo(0.5);
    expect(axis.ticks.every((t) => Number.isInteger(t.value))).toBe(true);
  });

  it('draws one line per complete trial, best shaded 1 and drawn last', () => {
    const pc = parallelCoordinates(study(TRIALS));
    expect(pc.axes[1].ticks).toEqual([
      { at: 0, label: '4' },
      { at: 1 / 3, label: '8' },
      { at: 2 / 3, label: '16' },
      { at: 1, label: '32' },
    ]);
    expect(pc.axes[0].ticks.map((t) => t.at)).toEqual([0, 0.5, 1]);
    expect(pc.axes.map((a) => a.name)).toEqual(['learning_rate', 'per_device_train_batch_size', 'objective']);
    expect(pc.lines.map((l) => l.number).sort()).toEqual([0, 2, 4, 6]);
    const last = pc.lines.at(-1)!;
    expect(last.number).toBe(2);
    expect(last.shade).toBe(1);
    expect(last.points).toEqual([1, 1, 1]);
    const worst = pc.lines[0];
    expect(worst.number).toBe(6);
    expect(worst.shade).toBe(0);
    expect(worst.points[2]).toBe(0);
    const minimize = parallelCoordinates(study(TRIALS, 'minimize'));
    expect(minimize.lines.at(-1)!.number).toBe(6);
  });

  it('slices complete trials by parameter, categorical x as the choice index', () => {
    const s = sliceData(study(TRIALS), SPEC[1]);
    expect(s.points.map((p) => [p.number, p.x, p.y])).toEqual([
      [0, 1, 40],
      [2, 3, 55],
      [4, 2, 55],
      [6, 0, 30],
    ]);
    expect(sliceData(study(TRIALS), SPEC[0]).axis.scale).toBe('log');
  });
});

describe('chart series', () => {
  const epochs = (objs: number[]) =>
    objs.map((o, i) => ({
      epoch: i + 1,
      rouge1: o / 2,
      rouge2: o / 8,
      rougeL: o / 4,
      rougeLsum: o / 4,
      objective: o,
      evalLoss: null,
    }));

  it('merges per-epoch curves into rows by epoch', () => {
    const rows = epochRows(
      [trial(0, 'complete', 3, {}, { epochs: epochs([1, 2, 3]) }), trial(1, 'pruned', 1, {}, { epochs: epochs([1]) })],
      'objective',
    );
    expect(rows).toEqual([
      { epoch: 1, t0: 1, t1: 1 },
      { epoch: 2, t0: 2 },
      { epoch: 3, t0: 3 },
    ]);
    expect(epochRows([trial(0, 'complete', 3, {}, { epochs: epochs([1]) })], 'evalLoss')).toEqual([]);
  });

  it('merges and thins loss curves', () => {
    const losses = Array.from({ length: 1000 }, (_, i) => ({ step: i + 1, loss: 5 - i / 1000 }));
    const rows = lossRows(
      [trial(0, 'complete', 1, {}, { losses }), trial(1, 'complete', 1, {}, { losses: losses.slice(0, 10) })],
      100,
    );
    expect(rows[0]).toEqual({ step: 1, t0: 5, t1: 5 });
    expect(rows.at(-1)).toEqual({ step: 1000, t0: 5 - 999 / 1000 });
    expect(rows.filter((r) => 't0' in r)).toHaveLength(100);
    expect(thin([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });

  it('places failed trials on the floor of the history chart and pruned ones at their last value', () => {
    const ts = [
      trial(0, 'complete', 10),
      trial(1, 'pruned', null, {}, { epochs: epochs([4]) }),
      trial(2, 'failed', null),
      trial(3, 'complete', 20),
      trial(4, 'running', null),
    ];
    const h = historyData(study(ts));
    expect(h.complete.map((p) => p.value)).toEqual([10, 20]);
    expect(h.pruned).toEqual([{ number: 1, value: 4, state: 'pruned' }]);
    expect(h.failed).toHaveLength(1);
    expect(h.failed[0].value).toBeGreaterThan(h.domain[0]);
    expect(h.failed[0].value).toBeLessThan(4);
    expect(h.running).toEqual([]);
    expect(h.domain[0]).toBeLessThan(4);
    expect(h.domain[1]).toBeGreaterThan(20);
    expect(h.best.map((p) => p.best)).toEqual([10, 10, 10, 20, 20]);
    expect(h.ticks[0]).toBe(h.domain[0]);
    expect(h.ticks.at(-1)).toBe(h.domain[1]);
    expect(h.xTicks).toEqual([0, 1, 2, 3, 4]);
  });

  it('makes round value-axis ticks that enclose the data, and sparse integer ticks', () => {
    expect(niceScale(33.4, 70.2)).toEqual({ domain: [30, 80], ticks: [30, 40, 50, 60, 70, 80] });
    expect(niceScale(5, 5).domain[0]).toBeLessThan(5);
    expect(integerTicks(19)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(integerTicks(0)).toEqual([0]);
  });
});

describe('formatting', () => {
  it('formats numbers and durations compactly', () => {
    expect(formatNumber(3.2e-5)).toBe('3.2e-5');
    expect(formatNumber(1e-6)).toBe('1e-6');
    expect(formatNumber(41.5678)).toBe('41.6');
    expect(formatNumber(0)).toBe('0');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(59_600)).toBe('1m 00s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
  });
});
