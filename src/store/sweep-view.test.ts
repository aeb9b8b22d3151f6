import { describe, expect, it } from 'vitest';
import { study, trial, TRIALS } from '../testing/sweep-trials';
import { bestSoFar, bestTrial, stateCounts } from './sweep-view';

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

  it('breaks ties in value by the lower tie-break (the evaluation loss), as the engine does, whatever the arrival order', () => {
    const ts = [
      { ...trial(0, 'complete', 0), tieBreak: 6.1 },
      { ...trial(1, 'complete', 0), tieBreak: 5.2 },
      { ...trial(2, 'complete', 0), tieBreak: null },
      { ...trial(3, 'complete', 0), tieBreak: 5.9 },
    ];
    expect(bestTrial(study(ts))?.number).toBe(1);
    expect(bestTrial(study([...ts].reverse()))?.number).toBe(1);
    expect(bestTrial(study([...ts.slice(0, 3), { ...trial(3, 'complete', 0.5), tieBreak: 9 }]))?.number).toBe(3);
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
