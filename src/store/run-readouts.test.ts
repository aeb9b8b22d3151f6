import { describe, expect, it } from 'vitest';
import { beginRun, estimateEtaMs, lossSeries } from './run-events';
import { replay, step } from './run-event-fixtures';

describe('estimateEtaMs', () => {
  it('projects the recent pace onto the remaining steps', () => {
    const s = replay(beginRun(), [
      step(1, 6, { elapsedMs: 5000 }),
      step(2, 5, { elapsedMs: 5100 }),
      step(3, 5, { elapsedMs: 5200 }),
    ]);
    // Step 1 reports 5 s (shader compilation) but the pace is the 100 ms between steps; 1 step of 4 left.
    expect(estimateEtaMs(s.steps, 4, 1)).toBeCloseTo(100);
    expect(estimateEtaMs(s.steps, 4)).toBeCloseTo(100);
  });

  it('is null without enough information', () => {
    expect(estimateEtaMs([], 10)).toBeNull();
    expect(estimateEtaMs(replay(beginRun(), [step(1, 6)]).steps, 10)).toBeNull();
    expect(estimateEtaMs(replay(beginRun(), [step(1, 6), step(2, 5)]).steps, 0)).toBeNull();
  });
});

describe('lossSeries', () => {
  it('puts eval loss at the last step of its epoch and turns non-finite losses into gaps', () => {
    const s = replay(beginRun(), [
      step(1, 6),
      step(2, NaN),
      { type: 'epoch', epoch: 1, trainLoss: 5.5, evalLoss: 5.2 },
      step(3, 4, { epoch: 2 }),
    ]);
    expect(lossSeries(s.steps, s.epochs)).toEqual([
      { step: 1, loss: 6 },
      { step: 2, loss: null, evalLoss: 5.2 },
      { step: 3, loss: 4 },
    ]);
  });

  it('thins long runs but keeps the last step', () => {
    const events = Array.from({ length: 101 }, (_, i) => step(i + 1, 10 - i * 0.01, { totalSteps: 101 }));
    const s = replay(beginRun(), events);
    const rows = lossSeries(s.steps, s.epochs, 10);
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows[rows.length - 1].step).toBe(101);
  });
});
