import { describe, expect, it } from 'vitest';
import { epochs, study, trial, TRIALS } from '../../testing/sweep-trials';
import { toCsv } from '../chart-export';
import {
  compareTable,
  completeTrialsTable,
  epochRecordsTable,
  epochTable,
  historyTable,
  importanceTable,
  trialLossTable,
} from './chart-tables';

describe('sweep chart tables', () => {
  it('history: every trial by its 0-based number, with the best complete value up to it', () => {
    const t = historyTable(study([...TRIALS].reverse()));
    expect(t.columns).toEqual(['number', 'state', 'value', 'best_so_far']);
    expect(t.rows).toEqual([
      [0, 'complete', 40, 40],
      [1, 'pruned', 12, 40],
      [2, 'complete', 55, 55],
      [3, 'failed', null, 55],
      [4, 'complete', 55, 55],
      [5, 'running', null, 55],
      [6, 'complete', 30, 55],
    ]);
    expect(toCsv(t).split('\n')[4]).toBe('3,failed,,55');
  });

  it('per-epoch and loss tables in long form, trials in number order', () => {
    const ts = [
      trial(2, 'pruned', null, {}, { epochs: epochs([10]), losses: [{ step: 1, loss: 3.5 }] }),
      trial(
        0,
        'complete',
        20,
        {},
        {
          epochs: epochs([12, 20]),
          losses: [
            { step: 1, loss: 4 },
            { step: 2, loss: 3 },
          ],
        },
      ),
    ];
    expect(epochTable(ts, 'rouge2').rows).toEqual([
      [0, 'complete', 1, 1.5],
      [0, 'complete', 2, 2.5],
      [2, 'pruned', 1, 1.25],
    ]);
    expect(epochRecordsTable(ts).rows[1]).toEqual([0, 'complete', 2, 20, null, 10, 2.5, 5, 5]);
    const both = compareTable(ts);
    expect(both.rows.filter((r) => r[2] === 'loss')).toEqual([
      [0, 'complete', 'loss', 1, null, 4],
      [0, 'complete', 'loss', 2, null, 3],
      [2, 'pruned', 'loss', 1, null, 3.5],
    ]);
    expect(both.rows.filter((r) => r[2] === 'rougeL')).toEqual([
      [0, 'complete', 'rougeL', null, 1, 3],
      [0, 'complete', 'rougeL', null, 2, 5],
      [2, 'pruned', 'rougeL', null, 1, 2.5],
    ]);
    expect(both.rows).toHaveLength(3 + 4 * 3);
    expect(trialLossTable(ts).rows).toEqual([
      [0, 1, 4],
      [0, 2, 3],
      [2, 1, 3.5],
    ]);
  });

  it('complete trials with one params_ column per parameter (as trials.csv names them)', () => {
    const t = completeTrialsTable(study(TRIALS));
    expect(t.columns).toEqual(['number', 'value', 'params_learning_rate', 'params_per_device_train_batch_size']);
    expect(t.rows.map((r) => r[0])).toEqual([0, 2, 4, 6]);
    expect(t.rows[1]).toEqual([2, 55, 1e-4, 32]);
  });

  it('importances, most important first', () => {
    expect(importanceTable({ a: 0.2, b: 0.7, c: 0.1 }).rows).toEqual([
      ['b', 0.7],
      ['a', 0.2],
      ['c', 0.1],
    ]);
    expect(importanceTable(null).rows).toEqual([]);
  });
});
