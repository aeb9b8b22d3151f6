import { describe, expect, it } from 'vitest';
import { trial, TRIALS } from '../../testing/sweep-trials';
import { studyProgress } from './study-progress';

describe('studyProgress', () => {
  it('counts ended trials and times the rest at the mean ended trial, the running one by its steps left', () => {
    // Ended: #0 #1 #2 #3 #4 #6 (6); timed: 5000, 2000, 9000, 7000, 3000 (the failed #3 has none) → mean 5200.
    // Of 10: #5 runs at step 25/100 (0.75 left), 3 not started, then the final training (1).
    const p = studyProgress(TRIALS, 10, true, { trial: 5, step: 25, totalSteps: 100 });
    expect(p).toEqual({ done: 6, total: 10, meanTrialMs: 5200, etaMs: (3 + 0.75 + 1) * 5200 });
  });

  it('counts a running trial with no step yet as a whole trial', () => {
    expect(studyProgress(TRIALS, 10, true, null).etaMs).toBe((3 + 1 + 1) * 5200);
  });

  it('during the final training: only what is left of it', () => {
    const ended = [
      trial(0, 'complete', 1, {}, { durationMs: 4000 }),
      trial(1, 'pruned', 0.5, {}, { durationMs: 2000 }),
    ];
    expect(studyProgress(ended, 2, true, { trial: -1, step: 10, totalSteps: 40 }).etaMs).toBe(0.75 * 3000);
    // Between the last trial and the final training's first event: one whole run left.
    expect(studyProgress(ended, 2, true, null).etaMs).toBe(3000);
  });

  it('has no ETA before a trial has ended or when the sweep is not running, and never a total below the trials', () => {
    expect(studyProgress([trial(0, 'running', null)], 5, true).etaMs).toBeNull();
    expect(studyProgress(TRIALS, 10, false)).toMatchObject({ done: 6, etaMs: null, meanTrialMs: 5200 });
    expect(studyProgress(TRIALS, 3, false).total).toBe(7);
  });
});
