import { describe, expect, it } from 'vitest';
import { epochs, trial } from '../../testing/sweep-trials';
import { epochRows } from './epoch-curves-data';

describe('epochRows', () => {
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

  it('puts an epoch-0 evaluation (the untrained model) first', () => {
    const fromZero = epochs([4, 10, 12]).map((e, i) => ({ ...e, epoch: i })); // epochs 0, 1, 2
    const rows = epochRows(
      [trial(0, 'complete', 12, {}, { epochs: fromZero }), trial(1, 'complete', 9, {}, { epochs: epochs([8, 9]) })],
      'objective',
    );
    expect(rows).toEqual([
      { epoch: 0, t0: 4 },
      { epoch: 1, t0: 10, t1: 8 },
      { epoch: 2, t0: 12, t1: 9 },
    ]);
  });
});
