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
});
