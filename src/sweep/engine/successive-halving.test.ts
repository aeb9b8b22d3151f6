// SuccessiveHalvingPruner against a hand-made sequence. Expected decisions derived by hand from
// optuna/pruners/_successive_halving.py with min_resource 1, η = 2, rate 0: rung r completes at
// step 2^r; at a rung the trial's current value joins everyone's recorded value for that rung
// and is promoted iff it is within the best max(1, ⌊n/η⌋) of them (≤ that order statistic when
// minimizing).
import { describe, expect, it } from 'vitest';
import { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './pruners/successive-halving';
import { RandomSampler } from './samplers/random';
import { Study, type StudyDirection } from './study';

type Step = [step: number, value: number, prune: boolean];
/** Trials in order; each reports its steps, checking shouldPrune after every report. */
type Script = Array<{ steps: Step[]; finalValue?: number }>;

function run(
  options: SuccessiveHalvingOptions,
  direction: StudyDirection,
  script: Script,
  sign = 1,
): { study: Study; decisions: boolean[][] } {
  const study = new Study({ direction, sampler: new RandomSampler(0), pruner: new SuccessiveHalvingPruner(options) });
  const decisions: boolean[][] = [];
  for (const { steps, finalValue } of script) {
    const t = study.ask();
    const got: boolean[] = [];
    let pruned = false;
    for (const [step, value] of steps) {
      t.report(sign * value, step);
      const p = t.shouldPrune();
      got.push(p);
      if (p) {
        pruned = true;
        break;
      }
    }
    study.tell(t, pruned ? 'pruned' : sign * (finalValue ?? steps[steps.length - 1][1]));
    decisions.push(got);
  }
  return { study, decisions };
}

const expectedOf = (script: Script): boolean[][] =>
  script.map(({ steps }) => {
    const i = steps.findIndex(([, , p]) => p);
    return steps.slice(0, i < 0 ? steps.length : i + 1).map(([, , p]) => p);
  });

// minimize; comments give the rung, the competitors (sorted) and the threshold.
const SCRIPT: Script = [
  // T0: rung0 [5] → keep; rung1 [4] → keep; step 3 is no rung; rung2 [3] → keep
  {
    steps: [
      [0, 6, false],
      [1, 5, false],
      [2, 4, false],
      [3, 4, false],
      [4, 3, false],
    ],
  },
  // T1: rung0 [5, 6], ⌊2/2⌋ = 1 → best 1 → threshold 5 → 6 pruned
  { steps: [[1, 6, true]] },
  // T2: rung0 [4, 5, 6] → threshold 4 → keep; rung1 [4, 4.5] → threshold 4 → pruned
  {
    steps: [
      [1, 4, false],
      [2, 4.5, true],
    ],
  },
  // T3: rung0 [4, 5, 5.5, 6], best 2 → threshold 5 → 5.5 pruned
  { steps: [[1, 5.5, true]] },
  // T4: rung0 [4, 5, 5, 5.5, 6] best 2 → 5 ≤ 5 keep; rung1 [3.9, 4, 4.5] best 1 → keep
  {
    steps: [
      [1, 5, false],
      [2, 3.9, false],
    ],
    finalValue: 3.9,
  },
  // T5: first report at step 4 climbs rungs in one call: rung0 [4, 4.2, 5, 5, 5.5, 6] best 3 →
  //     threshold 5 → promoted; rung1 [3.9, 4, 4.2, 4.5] best 2 → threshold 4 → pruned
  { steps: [[4, 4.2, true]] },
  // T6: step 0 is below rung 0 → keep, even for NaN; NaN at a rung → prune
  {
    steps: [
      [0, NaN, false],
      [1, NaN, true],
    ],
  },
];

describe('SuccessiveHalvingPruner (min_resource 1, reduction_factor 2)', () => {
  it('minimize: prunes exactly the hand-derived decisions', () => {
    const { study, decisions } = run({ minResource: 1, reductionFactor: 2 }, 'minimize', SCRIPT);
    expect(decisions).toEqual(expectedOf(SCRIPT));
    expect(study.trials.map((t) => t.state)).toEqual([
      'complete',
      'pruned',
      'pruned',
      'pruned',
      'complete',
      'pruned',
      'pruned',
    ]);
    // A pruned trial keeps the rung values it recorded (later trials compete against them).
    expect(study.trials[5].systemAttrs).toEqual({ completed_rung_0: 4.2, completed_rung_1: 4.2 });
    expect(study.trials[1].systemAttrs).toEqual({ completed_rung_0: 6 });
    expect(study.trials[6].systemAttrs).toEqual({});
  });

  it('maximize: the same table with negated values gives the same decisions', () => {
    const { decisions } = run({ minResource: 1, reductionFactor: 2 }, 'maximize', SCRIPT, -1);
    expect(decisions).toEqual(expectedOf(SCRIPT));
  });

  it("min_resource 'auto' = max(1, ⌊last step of completed trials / 100⌋); nothing is pruned before one completes", () => {
    const study = new Study({
      sampler: new RandomSampler(0),
      pruner: new SuccessiveHalvingPruner({ reductionFactor: 2 }),
    });
    const first = study.ask();
    first.report(100, 50);
    expect(first.shouldPrune()).toBe(false); // no completed trial yet → no min_resource → keep
    study.tell(first, 100);
    study.addTrial({ value: 1, intermediateValues: [[250, 1]] }); // ⇒ min_resource = 2
    const t = study.ask();
    t.report(1000, 1);
    expect(t.shouldPrune()).toBe(false); // step 1 < 2
    t.report(1000, 2);
    // rung 0: no one else recorded it → [1000] → promoted (first-trial rule); rung 1 needs step 4
    expect(t.shouldPrune()).toBe(false);
    const u = study.ask();
    u.report(2000, 2);
    expect(u.shouldPrune()).toBe(true); // rung 0: [1000, 2000] → threshold 1000
  });

  it('bootstrap_count: prune until more than bootstrap_count trials recorded the rung', () => {
    const script: Script = [
      { steps: [[1, 5, true]] }, // competitors 1 ≤ 2 → prune
      { steps: [[1, 6, true]] }, // 2 ≤ 2 → prune
      { steps: [[1, 4, false]] }, // [4, 5, 6] → best 1 → keep
      { steps: [[1, 4.5, false]] }, // [4, 4.5, 5, 6] → ⌊4/2⌋ = 2 best → threshold 4.5 → keep
      { steps: [[1, 4.6, true]] }, // [4, 4.5, 4.6, 5, 6] → threshold 4.5 → prune
    ];
    const { decisions } = run({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 }, 'minimize', script);
    expect(decisions).toEqual(expectedOf(script));
  });

  it('min_early_stopping_rate shifts the first rung to min_resource · η^rate', () => {
    const script: Script = [
      {
        steps: [
          [1, 5, false],
          [3, 5, false],
          [4, 5, false],
        ],
      }, // rung0 at 4 (1·2²): [5] keep
      {
        steps: [
          [1, 9, false],
          [3, 9, false],
          [4, 9, true],
        ],
      }, // nothing before step 4; then [5, 9] → prune
    ];
    const { decisions } = run({ minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 2 }, 'minimize', script);
    expect(decisions).toEqual(expectedOf(script));
  });

  it('rejects invalid settings like Optuna', () => {
    expect(() => new SuccessiveHalvingPruner({ reductionFactor: 1 })).toThrow(
      'reductionFactor must be an integer >= 2, got 1',
    );
    expect(() => new SuccessiveHalvingPruner({ bootstrapCount: 1 })).toThrow(
      "bootstrapCount > 0 and minResource 'auto' are mutually incompatible",
    );
    expect(() => new SuccessiveHalvingPruner({ minResource: 0 })).toThrow(
      "minResource must be 'auto' or an integer >= 1, got 0",
    );
  });
});
