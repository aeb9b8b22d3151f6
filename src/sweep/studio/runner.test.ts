import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../core/events';
import { defaultSpec, type RunSpec } from '../../train/spec';
import { DEFAULT_SWEEP, type SweepConfig } from './default-study';
import { MedianPruner } from '../engine/pruners/median';
import { SweepRunner, specForParams, type TrialExecutor } from './runner';
import { RandomSampler } from '../engine/samplers/random';
import { Study } from '../engine/study';

// A stand-in for training: ROUGE rises with epochs and peaks at lr 1e-5; a trial's run emits one
// evaluation per epoch and can be stopped between epochs.
// With epochZero it first evaluates the untrained model as epoch 0 (runTraining's baseline);
// lastEpoch cuts the run short after that epoch, as a stop would.
function fakeExecutor(log: RunSpec[], o: { epochZero?: boolean; lastEpoch?: number } = {}): TrialExecutor {
  return (spec, onEvent) => {
    log.push(spec);
    let stopped = false;
    const done = (async () => {
      for (let epoch = o.epochZero ? 0 : 1; epoch <= Math.min(spec.epochs, o.lastEpoch ?? Infinity); epoch++) {
        await Promise.resolve();
        if (stopped) return { reason: 'stopped' as const };
        if (epoch > 0)
          onEvent({
            type: 'step',
            step: epoch,
            totalSteps: spec.epochs,
            epoch,
            loss: 5 - epoch,
            lr: spec.learningRate,
            gradNorm: 1,
            tokensPerSec: 1,
            elapsedMs: 1,
            skipped: false,
          });
        const q = 20 - 4 * Math.abs(Math.log10(spec.learningRate) + 5) + epoch;
        const e: RunEvent = {
          type: 'evaluation',
          epoch,
          step: epoch,
          rouge: { rouge1: q, rouge2: q / 4, rougeL: q / 2, rougeLsum: q / 2 },
          genLen: 20,
          evalLoss: 3,
          examples: 4,
          samples: [{ document: 'd', reference: 'r', prediction: 'p' }],
        };
        onEvent(e);
      }
      return { reason: stopped ? ('stopped' as const) : ('finished' as const) };
    })();
    return {
      done,
      stop: () => {
        stopped = true;
      },
    };
  };
}

const base = (): RunSpec => ({ ...defaultSpec('tiny'), epochs: 3 });
const config = (n: number): SweepConfig => ({ ...DEFAULT_SWEEP, nTrials: n, sampler: 'random', pruner: 'nop' });

describe('SweepRunner', () => {
  it('runs nTrials fresh runs with sampled settings, reports per-epoch objectives, then trains the best once more', async () => {
    const log: RunSpec[] = [];
    const study = new Study({ direction: 'maximize', sampler: new RandomSampler(1) });
    const changes: number[] = [];
    const outcome = await new SweepRunner({
      study,
      config: config(4),
      baseSpec: base(),
      execute: fakeExecutor(log),
      onTrialChange: (t) => {
        changes.push(t.number);
      },
    }).run();
    expect(outcome).toBe('complete');
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(log).toHaveLength(5); // 4 trials + the final training
    for (const [i, t] of study.trials.entries()) {
      expect(log[i].learningRate).toBe(t.params.learning_rate);
      expect(log[i].batchSize).toBe(t.params.per_device_train_batch_size);
      expect([...t.intermediateValues.keys()]).toEqual([1, 2, 3]);
      expect(t.value).toBe(t.intermediateValues.get(3)); // the last epoch's objective (sum of the four)
    }
    const best = study.bestTrial!;
    expect(log[4].learningRate).toBe(best.params.learning_rate);
    expect(study.userAttrs.final).toMatchObject({ fromTrial: best.number });
    expect(new Set(changes)).toEqual(new Set([0, 1, 2, 3])); // every trial persisted as it changed
  });

  it('prunes weak trials with the median rule, stopping their runs early', async () => {
    const log: RunSpec[] = [];
    const study = new Study({
      direction: 'maximize',
      sampler: new RandomSampler(3),
      pruner: new MedianPruner({ nStartupTrials: 1 }),
    });
    await new SweepRunner({
      study,
      config: { ...config(8), pruner: 'median' },
      baseSpec: base(),
      execute: fakeExecutor(log),
    }).run();
    const pruned = study.trials.filter((t) => t.state === 'pruned');
    const complete = study.trials.filter((t) => t.state === 'complete');
    expect(pruned.length).toBeGreaterThan(0);
    expect(complete.length + pruned.length).toBe(8);
    for (const t of pruned) {
      const step = t.lastStep!;
      expect(step).toBeLessThan(3); // stopped before its last epoch
      // Optuna's rule: the trial's best so far is below the median of finished trials at that step.
      const others = complete
        .filter((c) => c.number < t.number)
        .map((c) => c.intermediateValues.get(step)!)
        .sort((x, y) => x - y);
      const median =
        others.length % 2
          ? others[(others.length - 1) / 2]
          : (others[others.length / 2 - 1] + others[others.length / 2]) / 2;
      expect(Math.max(...t.intermediateValues.values())).toBeLessThan(median);
    }
  });

  it('pauses mid-trial without losing finished trials, and resumes to nTrials', async () => {
    const log: RunSpec[] = [];
    const study = new Study({ direction: 'maximize', sampler: new RandomSampler(2) });
    const exec = fakeExecutor(log);
    // eslint-disable-next-line prefer-const -- assigned below, after the executor that closes over it
    let runner: SweepRunner;
    const pausing: TrialExecutor = (spec, onEvent) =>
      exec(spec, (e) => {
        onEvent(e);
        if (study.trials.length === 2 && e.type === 'evaluation' && e.epoch === 1) runner.pause();
      });
    runner = new SweepRunner({ study, config: config(3), baseSpec: base(), execute: pausing });
    expect(await runner.run()).toBe('paused');
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'failed']);
    expect(study.trials[1].failReason).toMatch(/paused/);
    expect(await runner.run()).toBe('complete');
    expect(study.trials.filter((t) => t.state === 'complete')).toHaveLength(2);
    expect(runner.finishedTrials()).toBe(3);
  });

  it('draws an epoch-0 evaluation on the curves but neither reports it to the pruner nor takes it as a result', async () => {
    const study = new Study({ direction: 'maximize', sampler: new RandomSampler(4) });
    await new SweepRunner({
      study,
      config: config(2),
      baseSpec: base(),
      execute: fakeExecutor([], { epochZero: true }),
    }).run();
    for (const t of study.trials) {
      expect(t.state).toBe('complete');
      expect((t.userAttrs.epochs as { epoch: number }[]).map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
      expect([...t.intermediateValues.keys()]).toEqual([1, 2, 3]);
      expect(t.value).toBe(t.intermediateValues.get(3));
    }
    expect((study.userAttrs.final as { result: { epoch: number } }).result.epoch).toBe(3);
    // A run that ends after epoch 0 trained nothing: failed, not complete with the untrained score.
    const cut = new Study({ direction: 'maximize', sampler: new RandomSampler(5) });
    await new SweepRunner({
      study: cut,
      config: config(1),
      baseSpec: base(),
      execute: fakeExecutor([], { epochZero: true, lastEpoch: 0 }),
    }).run();
    expect(cut.trials[0].state).toBe('failed');
    expect(cut.trials[0].intermediateValues.size).toBe(0);
  });

  it('names an unknown parameter and settings the parameters make invalid', () => {
    expect(() => specForParams(base(), { dropout: 0.1 })).toThrow(
      /parameter "dropout" does not set any training setting/,
    );
    expect(() => specForParams(base(), { learning_rate: 5 })).toThrow(/learningRate must be a number in \(0, 1\)/);
    expect(specForParams(base(), { per_device_train_batch_size: '16', learning_rate: 1e-5 })).toMatchObject({
      batchSize: 16,
      learningRate: 1e-5,
    });
  });
});
