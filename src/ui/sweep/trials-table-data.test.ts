import { describe, expect, it } from 'vitest';
import type { TrialView } from '../../store/sweep-view';
import { trial, TRIALS } from '../../testing/sweep-trials';
import { filterTrials, nextSort, sortTrials } from './trials-table-data';

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
