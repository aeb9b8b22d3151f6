// The sweep's objective beyond ROUGE: eval_loss (minimize, transformers' fallback), ROUGE ties
// broken by the evaluation loss, and the learning-rate range that follows the model.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../core/events';
import { defaultSpec, type RunSpec } from '../../train/spec';
import {
  createSweepStudy,
  DEFAULT_SEARCH_SPACE,
  DEFAULT_SWEEP,
  defaultSearchSpace,
  distributionsFromSpec,
  objectiveDirection,
  objectiveFrom,
  searchSpaceForModel,
  type SweepConfig,
  type SweepObjective,
} from './default-study';
import { FloatDistribution } from '../engine/distributions';
import { betterResult, Study, TIE_BREAK_ATTR } from '../engine/study';
import { SweepRunner, type TrialExecutor } from './runner';

const ROUGE = { rouge1: 4, rouge2: 1, rougeL: 3, rougeLsum: 3 };
const ZERO = { rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0 };

/** A run that scores ROUGE 0 (as a fresh tiny model does) with an evaluation loss set by its learning rate. */
function zeroRougeExecutor(evalLossOf: (spec: RunSpec) => number, log: RunSpec[]): TrialExecutor {
  return (spec, onEvent) => {
    log.push(spec);
    const done = (async () => {
      await Promise.resolve();
      const e: RunEvent = {
        type: 'evaluation',
        epoch: 1,
        step: 1,
        rouge: ZERO,
        genLen: 0,
        evalLoss: evalLossOf(spec),
        examples: 4,
        samples: [],
      };
      onEvent(e);
      return { reason: 'finished' as const };
    })();
    return { done, stop: () => {} };
  };
}

const sweep = (objective: SweepObjective, n = 3): SweepConfig => ({
  ...DEFAULT_SWEEP,
  objective,
  direction: objectiveDirection(objective),
  nTrials: n,
  sampler: 'random',
  pruner: 'nop',
  seed: 7,
});

// The evaluation loss per learning rate in the runs below: lowest at the middle trial's rate.
const lossByLr = new Map<number, number>();
const evalLossOf = (spec: RunSpec) => lossByLr.get(spec.learningRate) ?? 9;

async function runSweep(objective: SweepObjective) {
  const log: RunSpec[] = [];
  // Fix each trial's learning rate in advance so the losses are known: 3 rates, the middle one best.
  const rates = [3e-5, 1e-5, 5e-5];
  const losses = [6.2, 5.1, 5.8];
  rates.forEach((lr, i) => lossByLr.set(lr, losses[i]));
  const config: SweepConfig = {
    ...sweep(objective),
    searchSpace: [{ name: 'learning_rate', type: 'categorical', choices: rates }],
    sampler: 'grid',
  };
  const s = createSweepStudy(config);
  await new SweepRunner({
    study: s,
    config,
    baseSpec: { ...defaultSpec('tiny'), epochs: 1 },
    execute: zeroRougeExecutor(evalLossOf, log),
  }).run();
  return { study: s, log };
}

describe('objective eval_loss', () => {
  it('is the evaluation loss, minimized; ROUGE objectives are maximized', () => {
    expect(objectiveFrom(ROUGE, 'eval_loss', 4.25)).toBe(4.25);
    expect(objectiveFrom(ROUGE, 'eval_loss', null)).toBeNaN(); // the study then records the trial as failed
    expect(objectiveFrom(ROUGE, 'sum', 4.25)).toBe(11);
    expect(objectiveDirection('eval_loss')).toBe('minimize');
    for (const o of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'sum'] as const)
      expect(objectiveDirection(o)).toBe('maximize');
    expect(createSweepStudy({ objective: 'eval_loss' }).direction).toBe('minimize');
    expect(createSweepStudy({ objective: 'rouge2' }).direction).toBe('maximize');
    expect(() => createSweepStudy({ objective: 'eval_loss', direction: 'maximize' })).toThrow(
      'the objective eval_loss is to minimize, but the sweep says maximize',
    );
  });

  it('a sweep on eval_loss stores the losses as values and picks the lowest', async () => {
    const { study, log } = await runSweep('eval_loss');
    expect(study.direction).toBe('minimize');
    expect(study.trials.map((t) => [t.params.learning_rate, t.value])).toEqual(
      expect.arrayContaining([
        [3e-5, 6.2],
        [1e-5, 5.1],
        [5e-5, 5.8],
      ]),
    );
    expect(study.bestTrial?.params.learning_rate).toBe(1e-5);
    expect(log.at(-1)?.learningRate).toBe(1e-5); // the final training used the best
  });
});

describe('ROUGE ties broken by the evaluation loss', () => {
  it('every trial at ROUGE-sum 0 (the terminal sweep on tiny): the best is the lowest eval loss, values stay 0', async () => {
    const { study, log } = await runSweep('sum');
    expect(study.trials.map((t) => t.value)).toEqual([0, 0, 0]);
    for (const t of study.trials)
      expect(t.userAttrs[TIE_BREAK_ATTR]).toBe(lossByLr.get(t.params.learning_rate as number));
    expect(study.bestTrial?.params.learning_rate).toBe(1e-5);
    expect(study.bestValue).toBe(0);
    expect(log.at(-1)?.learningRate).toBe(1e-5);
    // The tie-break survives the study's JSON form (an Optuna user attribute).
    expect(Study.fromJSON(study.toJSON()).bestTrial?.number).toBe(study.bestTrial?.number);
  });

  it('betterResult: the value decides; on equal values the lower tie-break, none loses, else the earlier stays', () => {
    const r = (value: number, tieBreak: number | null) => ({ value, tieBreak });
    expect(betterResult(r(2, 9), r(1, 1), 'maximize')).toBe(true);
    expect(betterResult(r(2, 1), r(1, 9), 'minimize')).toBe(false);
    expect(betterResult(r(0, 4), r(0, 5), 'maximize')).toBe(true);
    expect(betterResult(r(0, 4), r(0, 5), 'minimize')).toBe(true); // a loss tie-break is lower-better in either direction
    expect(betterResult(r(0, 5), r(0, 4), 'maximize')).toBe(false);
    expect(betterResult(r(0, 4), r(0, null), 'maximize')).toBe(true);
    expect(betterResult(r(0, null), r(0, 4), 'maximize')).toBe(false);
    expect(betterResult(r(0, null), r(0, null), 'maximize')).toBe(false); // Optuna: the earliest
    expect(betterResult(r(0, 4), r(0, 4), 'maximize')).toBe(false);
  });

  it('Study.bestTrial without tie-breaks is Optuna’s (the earliest of equal values)', () => {
    const study = new Study({ direction: 'maximize' });
    for (let i = 0; i < 3; i++) study.tell(study.ask(), 0);
    expect(study.bestTrial?.number).toBe(0);
    study.trials[2].userAttrs[TIE_BREAK_ATTR] = 1;
    expect(study.bestTrial?.number).toBe(2);
  });
});

describe('the default search space follows the model', () => {
  it('pretrained: the seed’s log-uniform [1e-6, 1e-4]; fresh: a wider, higher range; batch size {4, 8, 16, 32} both', () => {
    const pre = distributionsFromSpec(defaultSearchSpace('pretrained'));
    const fresh = distributionsFromSpec(defaultSearchSpace('fresh'));
    expect(pre.learning_rate.equals(new FloatDistribution(1e-6, 1e-4, true))).toBe(true);
    expect(DEFAULT_SEARCH_SPACE).toEqual(defaultSearchSpace('pretrained'));
    const lr = fresh.learning_rate as FloatDistribution;
    expect(lr.log).toBe(true);
    // The fresh presets' default learning rate lies inside the fresh range and outside the pretrained one.
    const freshDefault = defaultSpec('small').learningRate;
    expect(freshDefault).toBeGreaterThanOrEqual(lr.low);
    expect(freshDefault).toBeLessThanOrEqual(lr.high);
    expect(freshDefault).toBeGreaterThan(1e-4);
    expect(defaultSearchSpace('fresh')[1]).toEqual(defaultSearchSpace('pretrained')[1]);
    expect(defaultSearchSpace('fresh')[1].choices).toEqual([4, 8, 16, 32]);
  });

  it('searchSpaceForModel swaps a default learning-rate range for the model’s and keeps what the user changed', () => {
    expect(searchSpaceForModel(defaultSearchSpace('pretrained'), 'fresh')).toEqual(defaultSearchSpace('fresh'));
    expect(searchSpaceForModel(defaultSearchSpace('fresh'), 'pretrained')).toEqual(defaultSearchSpace('pretrained'));
    expect(searchSpaceForModel(defaultSearchSpace('fresh'), 'fresh')).toEqual(defaultSearchSpace('fresh'));
    const edited = [
      { name: 'learning_rate', type: 'float' as const, low: 2e-6, high: 1e-4, log: true },
      { name: 'per_device_train_batch_size', type: 'categorical' as const, choices: [8] },
    ];
    expect(searchSpaceForModel(edited, 'fresh')).toEqual(edited);
    const linear = [{ name: 'learning_rate', type: 'float' as const, low: 1e-6, high: 1e-4, log: false }];
    expect(searchSpaceForModel(linear, 'fresh')).toEqual(linear);
  });
});
