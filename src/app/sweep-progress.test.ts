import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/events';
import { formatEta, SweepProgressTracker } from './sweep-progress';

const step = (s: number, total: number, loss: number, epoch = 1): RunEvent => ({
  type: 'step',
  step: s,
  totalSteps: total,
  epoch,
  loss,
  lr: 1e-4,
  gradNorm: 1,
  tokensPerSec: 100,
  elapsedMs: 0,
  skipped: false,
});
const evaluation = (epoch: number, r: number): RunEvent => ({
  type: 'evaluation',
  epoch,
  step: 0,
  rouge: { rouge1: r, rouge2: r / 2, rougeL: r, rougeLsum: r },
  genLen: 10,
  evalLoss: 3,
  examples: 4,
  samples: [],
});

describe('SweepProgressTracker', () => {
  it('has nothing to say before the first event', () => {
    expect(new SweepProgressTracker(2, 'sum').snapshot()).toBeNull();
  });

  it('tracks step, loss and the ROUGE objective of the run in progress', () => {
    const t = new SweepProgressTracker(2, 'sum');
    t.event(0, { type: 'status', message: 'loading' }, { finished: 0, epochs: 2, now: 0 });
    expect(t.snapshot()).toEqual({
      trial: 0,
      epoch: 0,
      epochs: 2,
      step: 0,
      totalSteps: 0,
      loss: null,
      rouge: null,
      etaSec: null,
    });
    t.event(0, step(3, 8, 5.5), { finished: 0, epochs: 2, now: 3000 });
    t.event(0, evaluation(1, 10), { finished: 0, epochs: 2, now: 4000 });
    const s = t.snapshot()!;
    expect(s).toMatchObject({ trial: 0, epoch: 1, epochs: 2, step: 3, totalSteps: 8, loss: 5.5 });
    expect(s.rouge).toBeCloseTo(10 + 5 + 10 + 10, 10); // 'sum' = rouge1 + rouge2 + rougeL + rougeLsum
  });

  it('keeps every change numbered, so a poller misses no run that began and ended between two polls', () => {
    const t = new SweepProgressTracker(2, 'sum');
    const ctx = (now: number) => ({ finished: 0, epochs: 1, now });
    t.event(0, { type: 'status', message: 'loading' }, ctx(0));
    t.event(0, step(1, 1, 6.2), ctx(1));
    t.event(0, evaluation(1, 4), ctx(2));
    t.event(1, step(1, 1, 6.1), ctx(3)); // trial 1 runs and ends before anyone polls
    const all = t.since(0);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(all.map((e) => [e.progress.trial, e.progress.step, e.progress.loss])).toEqual([
      [0, 0, null],
      [0, 1, 6.2],
      [0, 1, 6.2],
      [1, 1, 6.1],
    ]);
    expect(all[1].progress).not.toBe(all[2].progress); // copies: later events do not rewrite earlier entries
    expect(t.since(3).map((e) => e.progress.trial)).toEqual([1]);
    expect(t.since(4)).toEqual([]);
    for (let i = 0; i < 600; i++) t.event(1, step(1, 1, i), ctx(4 + i));
    expect(t.since(0)).toHaveLength(500); // bounded: only the newest are kept
    expect(t.since(0).at(-1)!.seq).toBe(604);
  });

  it('ETA: the rest of this run at its pace, then the remaining trials and the final run at the mean run length', () => {
    const t = new SweepProgressTracker(3, 'rouge1');
    // Trial 0: 2 of 8 steps after 10 s → 40 s for the run, 30 s left; then 2 more trials + final at 40 s each.
    t.event(0, { type: 'status', message: 'start' }, { finished: 0, epochs: 1, now: 0 });
    t.event(0, step(2, 8, 5), { finished: 0, epochs: 1, now: 10_000 });
    expect(t.snapshot()!.etaSec).toBe(30 + 3 * 40);
    // Trial 1 starts at 50 s: trial 0 took 50 s (the mean now); it knows no step yet → 50 s for it.
    t.event(1, { type: 'status', message: 'start' }, { finished: 1, epochs: 1, now: 50_000 });
    expect(t.snapshot()!.etaSec).toBe(50 + 2 * 50);
    // The final run (-1) counts only itself.
    t.event(-1, step(4, 8, 4), { finished: 3, epochs: 1, now: 200_000 });
    // It started now, so its own pace says nothing yet (0 ms for half the steps) → 0 s left of it.
    expect(t.snapshot()!.trial).toBe(-1);
    expect(t.snapshot()!.etaSec).toBe(0);
    t.event(-1, step(6, 8, 4), { finished: 3, epochs: 1, now: 212_000 });
    expect(t.snapshot()!.etaSec).toBe(4); // 6/8 in 12 s → 16 s in all, 4 s left
  });
});

describe('formatEta', () => {
  it('prints m:ss, h:mm:ss, and ? when unknown', () => {
    expect(formatEta(42)).toBe('0:42');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(3723)).toBe('1:02:03');
    expect(formatEta(null)).toBe('?');
  });
});
