// ±inf objective values, one meaning everywhere (Optuna's: a complete trial's value is any float but
// NaN; +inf is the best there is when maximizing, −inf when minimizing): every display helper of the
// dashboard, the studies list and the chart exports is checked on the same study.
import { describe, expect, it } from 'vitest';
import { bestSoFar, bestTrial, hasValue } from '../../store/sweep-view';
import { study, trial } from '../../testing/sweep-trials';
import { toCsv } from '../chart-export';
import { historyTable } from './chart-tables';
import { formatBestValue, formatNumber, formatParam, formatTooltipValue } from './number-format';
import { historyData } from './optimization-history-data';
import { parallelCoordinates } from './parallel-coordinates-data';
import { sliceData } from './slice-plots-data';
import { studyProgress } from './study-progress';
import { sortTrials } from './trials-table-data';

const P = { learning_rate: 1e-5, per_device_train_batch_size: 8 };
const TRIALS = [
  trial(0, 'complete', 10, P, { durationMs: 1000 }),
  trial(1, 'complete', Infinity, P, { durationMs: 1000 }),
  trial(2, 'complete', -Infinity, P, { durationMs: 1000 }),
  trial(3, 'complete', 20, P, { durationMs: 1000 }),
  trial(4, 'failed', null, P, { durationMs: 1000 }),
  trial(5, 'complete', NaN, P), // not a value (a NaN complete trial cannot be stored; a view may still hold one)
];

describe('±inf objective values', () => {
  it('print as ∞ and −∞ in every formatter (table cells, best value, studies list, tooltips, compare)', () => {
    expect([Infinity, -Infinity].map((v) => formatNumber(v, 4))).toEqual(['∞', '−∞']);
    expect([Infinity, -Infinity].map((v) => formatParam(v))).toEqual(['∞', '−∞']);
    expect([Infinity, -Infinity, 1.23456, null].map(formatBestValue)).toEqual(['∞', '−∞', '1.235', '']);
    expect([Infinity, -Infinity, 1.23456, 123.45].map(formatTooltipValue)).toEqual(['∞', '−∞', '1.235', '123.5']);
    expect(formatNumber(NaN)).toBe('NaN');
  });

  it('rank as Optuna ranks them: +inf best when maximizing, −inf when minimizing, NaN never', () => {
    expect(TRIALS.filter(hasValue).map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(bestTrial(study(TRIALS, 'maximize'))?.number).toBe(1);
    expect(bestTrial(study(TRIALS, 'minimize'))?.number).toBe(2);
    expect(bestSoFar(study(TRIALS, 'maximize')).map((b) => b.best)).toEqual([
      10,
      Infinity,
      Infinity,
      Infinity,
      Infinity,
      Infinity,
    ]);
    expect(bestSoFar(study(TRIALS, 'minimize')).map((b) => b.best)).toEqual([
      10,
      10,
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
  });

  it('sort first (best) in the trials table by value; NaN and no value last', () => {
    const desc = sortTrials(TRIALS, { key: 'value', dir: 'desc' }).map((t) => t.number);
    expect(desc).toEqual([1, 3, 0, 2, 4, 5]);
    const asc = sortTrials(TRIALS, { key: 'value', dir: 'asc' }).map((t) => t.number);
    expect(asc).toEqual([2, 0, 3, 1, 4, 5]);
  });

  it('the history chart draws them on its edges (never at 0), the best line too, and says so', () => {
    const h = historyData(study(TRIALS, 'maximize'));
    expect(h.domain[0]).toBeLessThan(10);
    expect(h.domain[1]).toBeGreaterThan(20);
    expect(h.domain[1] - h.domain[0]).toBeLessThan(40); // the axis follows the finite values
    expect(h.complete).toEqual([
      { number: 0, value: 10, state: 'complete' },
      { number: 1, value: h.domain[1], state: 'complete', offScale: 'top' },
      { number: 2, value: h.domain[0], state: 'complete', offScale: 'bottom' },
      { number: 3, value: 20, state: 'complete' },
    ]);
    expect(h.best.map((b) => b.best)).toEqual([10, Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(h.best.map((b) => b.y)).toEqual([10, ...Array(5).fill(h.domain[1])]);
    expect(h.note).toBe('Trials #1 (∞), #2 (−∞) are infinite, drawn on the top (∞) or bottom (−∞) edge.');
    const onlyInf = historyData(study([trial(0, 'complete', Infinity)]));
    expect(onlyInf.complete[0]).toMatchObject({ value: onlyInf.domain[1], offScale: 'top' });
    expect(onlyInf.note).toBe('Trial #0 (∞) is infinite, drawn on the top edge.');
    expect(historyData(study([trial(0, 'complete', 1)])).note).toBeNull();
  });

  it('parallel coordinates and slice plots leave them out and say which', () => {
    const s = study(TRIALS, 'maximize');
    const pc = parallelCoordinates(s);
    expect(pc.lines.map((l) => l.number).sort()).toEqual([0, 3]);
    expect(pc.lines.every((l) => Number.isFinite(l.shade))).toBe(true);
    expect(pc.note).toBe('Trials #1 (∞), #2 (−∞) have an infinite value and are left out.');
    const slice = sliceData(s, s.paramSpec[0]);
    expect(slice.points.map((p) => p.number)).toEqual([0, 3]);
    expect(slice.note).toBe(pc.note);
  });

  it('the chart CSV writes inf / -inf, as pandas does', () => {
    const csv = toCsv(historyTable(study(TRIALS.slice(0, 4), 'maximize')))
      .trim()
      .split('\n');
    expect(csv).toEqual([
      'number,state,value,best_so_far',
      '0,complete,10,10',
      '1,complete,inf,inf',
      '2,complete,-inf,inf',
      '3,complete,20,inf',
    ]);
  });

  it('count as ended trials in the study progress', () => {
    expect(studyProgress(TRIALS, 10, false)).toMatchObject({ done: 6, total: 10, meanTrialMs: 1000 });
  });
});
