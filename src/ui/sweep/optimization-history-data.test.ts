import { describe, expect, it } from 'vitest';
import { epochs, study, trial } from '../../testing/sweep-trials';
import { historyData } from './optimization-history-data';

describe('historyData', () => {
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
});
