import { describe, expect, it } from 'vitest';
import { trial } from '../../testing/sweep-trials';
import { lossRows } from './trial-compare-data';
import { thin } from './trial-series';

describe('lossRows', () => {
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
});
