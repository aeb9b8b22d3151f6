// MedianPruner / PercentilePruner against a hand-made table. Every expected decision is derived
// by hand from optuna/pruners/_percentile.py:
//   prune ⇔ #COMPLETE ≥ max(1, n_startup) ∧ step ≥ warmup ∧ first report in its interval ∧
//           (all own values NaN ∨ best-own-value-so-far is worse than the percentile of COMPLETE
//            trials' values at this step, when ≥ n_min_trials of them reported it).
import { describe, expect, it } from 'vitest';
import { MedianPruner } from './pruners/median';
import { PercentilePruner } from './pruners/percentile';
import type { Pruner } from './pruners/base';
import { RandomSampler } from './samplers/random';
import { Study, type StudyDirection } from './study';

type Reports = Array<[number, number]>;

/** Completed trials (each a list of [step, value]); the running trial reports `current`. */
function decide(
  pruner: Pruner,
  direction: StudyDirection,
  completed: Reports[],
  current: Reports,
  others: Array<{ state: 'pruned' | 'failed'; reports: Reports }> = [],
): boolean {
  const s = new Study({ direction, sampler: new RandomSampler(0), pruner });
  for (const iv of completed) s.addTrial({ value: 0, intermediateValues: iv });
  for (const o of others) s.addTrial({ state: o.state, value: null, intermediateValues: o.reports });
  const t = s.ask();
  for (const [step, v] of current) t.report(v, step);
  return t.shouldPrune();
}

// Five completed trials reporting 1..5 at steps 0..5: the median at every step is 3.
const FIVE: Reports[] = [1, 2, 3, 4, 5].map((v) => [0, 1, 2, 3, 4, 5].map((s) => [s, v] as [number, number]));

describe('MedianPruner (defaults: 5 startup, 0 warmup, interval 1, n_min_trials 1)', () => {
  const cases: Array<[string, StudyDirection, Reports, boolean]> = [
    // minimize: prune when best-so-far > median (3)
    ['min: worse than the median', 'minimize', [[0, 3.5]], true],
    ['min: equal to the median is kept', 'minimize', [[0, 3]], false],
    ['min: better than the median', 'minimize', [[0, 2.9]], false],
    [
      'min: best over steps (2.5 at step 1) is what counts',
      'minimize',
      [
        [0, 10],
        [1, 2.5],
      ],
      false,
    ],
    [
      'min: a good earlier step protects a bad current one',
      'minimize',
      [
        [0, 2],
        [1, 10],
      ],
      false,
    ],
    [
      'min: bad at every step',
      'minimize',
      [
        [0, 4],
        [1, 3.1],
      ],
      true,
    ],
    // maximize: the percentile is mirrored (100 − 50 = 50) and prune when best-so-far < median
    ['max: worse than the median', 'maximize', [[0, 2.5]], true],
    ['max: equal is kept', 'maximize', [[0, 3]], false],
    ['max: better than the median', 'maximize', [[0, 3.5]], false],
    [
      'max: best over steps is 3.2',
      'maximize',
      [
        [0, 1],
        [1, 3.2],
      ],
      false,
    ],
    [
      'max: a value that would be good when minimizing',
      'maximize',
      [
        [0, 1],
        [1, 0.5],
      ],
      true,
    ],
    // NaN
    ['all own values NaN → prune', 'minimize', [[0, NaN]], true],
    [
      'NaN ignored in own best (nanmin)',
      'minimize',
      [
        [0, NaN],
        [1, 2],
      ],
      false,
    ],
    [
      'NaN ignored in own best (nanmax), still bad',
      'maximize',
      [
        [0, NaN],
        [1, 2],
      ],
      true,
    ],
    // a step no completed trial reached: no percentile → keep
    ['step 9 unseen by completed trials', 'minimize', [[9, 100]], false],
  ];
  for (const [name, direction, current, expected] of cases) {
    it(`${name} → ${expected ? 'prune' : 'keep'}`, () => {
      expect(decide(new MedianPruner(), direction, FIVE, current)).toBe(expected);
    });
  }

  it('no reports → keep', () => {
    expect(decide(new MedianPruner(), 'minimize', FIVE, [])).toBe(false);
  });

  it('startup: only COMPLETE trials count (4 complete + 3 pruned + 1 failed is still < 5)', () => {
    const others = [
      { state: 'pruned' as const, reports: [[0, 9]] as Reports },
      { state: 'pruned' as const, reports: [[0, 9]] as Reports },
      { state: 'pruned' as const, reports: [[0, 9]] as Reports },
      { state: 'failed' as const, reports: [[0, 9]] as Reports },
    ];
    expect(decide(new MedianPruner(), 'minimize', FIVE.slice(0, 4), [[0, 100]], others)).toBe(false);
    expect(decide(new MedianPruner(), 'minimize', FIVE, [[0, 100]], others)).toBe(true);
  });

  it('pruned trials do not enter the median either', () => {
    // Complete at step 0: 1..5 (median 3). Ten pruned trials at 0.1 would pull a median down to 0.1.
    const others = Array.from({ length: 10 }, () => ({ state: 'pruned' as const, reports: [[0, 0.1]] as Reports }));
    expect(decide(new MedianPruner(), 'minimize', FIVE, [[0, 2.9]], others)).toBe(false);
  });

  it('n_startup_trials 0 still needs at least one complete trial', () => {
    expect(decide(new MedianPruner({ nStartupTrials: 0 }), 'minimize', [], [[0, 100]])).toBe(false);
    expect(decide(new MedianPruner({ nStartupTrials: 0 }), 'minimize', [[[0, 1]]], [[0, 100]])).toBe(true);
  });

  it('warmup: no pruning before step n_warmup_steps', () => {
    const p = () => new MedianPruner({ nWarmupSteps: 2 });
    expect(decide(p(), 'minimize', FIVE, [[0, 100]])).toBe(false);
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [1, 100],
      ]),
    ).toBe(false);
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [1, 100],
        [2, 100],
      ]),
    ).toBe(true);
  });

  it('interval: checks at warmup + k·interval, postponed to the next report if that step was skipped', () => {
    const p = () => new MedianPruner({ nWarmupSteps: 1, intervalSteps: 2 }); // checks at 1, 3, 5
    expect(decide(p(), 'minimize', FIVE, [[0, 100]])).toBe(false); // before warmup
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [1, 100],
      ]),
    ).toBe(true); // step 1 is a checkpoint
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [1, 100],
        [2, 100],
      ]),
    ).toBe(false); // 2: already checked at 1
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [1, 100],
        [2, 100],
        [3, 100],
      ]),
    ).toBe(true); // 3: checkpoint
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [2, 100],
      ]),
    ).toBe(true); // step 1 skipped → check at 2
    expect(
      decide(p(), 'minimize', FIVE, [
        [0, 100],
        [2, 100],
        [4, 100],
      ]),
    ).toBe(true); // 3 skipped → check at 4
  });

  it('NaN values of completed trials are ignored by the percentile (np.nanpercentile)', () => {
    const completed: Reports[] = [[[0, 1]], [[0, 2]], [[0, NaN]], [[0, NaN]], [[0, 5]]];
    // median of [1, 2, 5] = 2 (with NaNs it would be NaN)
    expect(decide(new MedianPruner(), 'minimize', completed, [[0, 2.5]])).toBe(true);
    expect(decide(new MedianPruner(), 'minimize', completed, [[0, 2]])).toBe(false);
    const allNaN: Reports[] = Array.from({ length: 5 }, () => [[0, NaN]]);
    expect(decide(new MedianPruner(), 'minimize', allNaN, [[0, 100]])).toBe(false);
  });

  it('n_min_trials counts reports at this step (NaN included); fewer → keep', () => {
    const completed: Reports[] = [
      [
        [0, 1],
        [4, 1],
      ],
      [
        [0, 2],
        [4, NaN],
      ],
      [[0, 3]],
      [[0, 4]],
      [[0, 5]],
    ];
    expect(decide(new MedianPruner({ nMinTrials: 3 }), 'minimize', completed, [[4, 100]])).toBe(false); // 2 values at step 4
    expect(decide(new MedianPruner({ nMinTrials: 2 }), 'minimize', completed, [[4, 100]])).toBe(true); // nanmedian([1, NaN]) = 1
    expect(decide(new MedianPruner({ nMinTrials: 2 }), 'minimize', completed, [[4, 1]])).toBe(false);
  });

  it('even number of values: the median interpolates (1,2,3,4 → 2.5)', () => {
    const four = FIVE.slice(0, 4);
    expect(decide(new MedianPruner({ nStartupTrials: 4 }), 'minimize', four, [[0, 2.6]])).toBe(true);
    expect(decide(new MedianPruner({ nStartupTrials: 4 }), 'minimize', four, [[0, 2.5]])).toBe(false);
    expect(decide(new MedianPruner({ nStartupTrials: 4 }), 'maximize', four, [[0, 2.4]])).toBe(true);
  });
});

describe('PercentilePruner direction mirroring', () => {
  it('25th percentile: minimize compares with the 25th (2), maximize with the 75th (4)', () => {
    expect(decide(new PercentilePruner(25), 'minimize', FIVE, [[0, 2.5]])).toBe(true);
    expect(decide(new PercentilePruner(25), 'minimize', FIVE, [[0, 2]])).toBe(false);
    expect(decide(new PercentilePruner(25), 'maximize', FIVE, [[0, 3.5]])).toBe(true);
    expect(decide(new PercentilePruner(25), 'maximize', FIVE, [[0, 4]])).toBe(false);
  });

  it('rejects invalid settings', () => {
    expect(() => new PercentilePruner(101)).toThrow('percentile must be between 0 and 100 inclusive, got 101');
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow('intervalSteps must be at least 1, got 0');
  });
});
