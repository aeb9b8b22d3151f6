import { describe, expect, it } from 'vitest';
import { SPEC, study, TRIALS } from '../../testing/sweep-trials';
import { sliceData } from './slice-plots-data';

describe('sliceData', () => {
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
