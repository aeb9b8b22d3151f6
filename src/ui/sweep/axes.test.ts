import { describe, expect, it } from 'vitest';
import { SPEC, trial, TRIALS } from '../../testing/sweep-trials';
import { integerTicks, niceScale, normalizeOnAxis, paramAxis } from './axes';

describe('axes', () => {
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

  it('makes round value-axis ticks that enclose the data, and sparse integer ticks', () => {
    expect(niceScale(33.4, 70.2)).toEqual({ domain: [30, 80], ticks: [30, 40, 50, 60, 70, 80] });
    expect(niceScale(5, 5).domain[0]).toBeLessThan(5);
    expect(integerTicks(19)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(integerTicks(0)).toEqual([0]);
  });
});
