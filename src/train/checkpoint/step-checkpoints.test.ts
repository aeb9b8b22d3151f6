import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalGroup } from '../../collectives/local-collective';
import { disposeParams, initWeights, toVariables } from '../../model/params';
import { decodeCheckpoint } from './checkpoint';
import { MemoryCheckpointStore } from './store';
import { epochCheckpointer, isStepCheckpoint, resumeInputs } from './epoch-checkpoints';
import { flatLayout, packTensors } from '../flat';
import type { OptimizerState } from '../optimizer-state';
import type { RunSpec } from '../spec';
import { trainLoop, type EpochEnd, type TrainerInput } from '../trainer';
import { config, examples, expectSameBits, expectSameState, spec as base } from './testdata/tiny-run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 12 examples / batch 2 = 6 steps an epoch, 12 in all: a step checkpoint every 4 steps falls at
// step 4 (mid epoch 1) and step 8 (mid epoch 2); steps 6 and 12 end epochs and get epoch ones.
const spec: RunSpec = { ...base, batchSize: 2, checkpointEverySteps: 4 };
const every = { steps: 4, minutes: 0 };

interface Outcome {
  weights: Float32Array;
  steps: { step: number; loss: number; lr: number }[];
  epochs: { epoch: number; trainLoss: number }[];
  saved: { kind: EpochEnd['kind']; epoch: number; step: number }[];
  finalState: OptimizerState | null; // the last checkpoint's optimizer export
}

async function run(store: MemoryCheckpointStore, extra: Partial<TrainerInput> = {}, stopAtCheckpointStep = 0) {
  const params = extra.params ?? toVariables(config, initWeights(config, spec.seed));
  const out: Outcome = { weights: new Float32Array(), steps: [], epochs: [], saved: [], finalState: null };
  let stop = false;
  const save = epochCheckpointer({ store, runId: 'run-s', spec, config, params });
  await trainLoop({
    config,
    params,
    spec,
    train: examples,
    validation: [],
    padId: 0,
    shouldStop: () => stop,
    onEvent: (e) => {
      if (e.type === 'step') out.steps.push({ step: e.step, loss: e.loss, lr: e.lr });
      if (e.type === 'epoch') out.epochs.push({ epoch: e.epoch, trainLoss: e.trainLoss });
    },
    checkpointEvery: every,
    ...extra,
    onEpochEnd: async (e) => {
      out.saved.push({ kind: e.kind, epoch: e.epoch, step: e.step });
      out.finalState = await e.optimizer();
      await save(e);
      if (e.step === stopAtCheckpointStep) stop = true; // "the tab closed" right after this save
    },
  });
  out.weights = await packTensors(flatLayout(config), params);
  disposeParams(params);
  return out;
}

describe('mid-epoch (step) checkpoints', () => {
  it('are taken every N steps besides each epoch end, labelled, and rotation keeps the last 3', async () => {
    const store = new MemoryCheckpointStore();
    const out = await run(store);
    expect(out.saved).toEqual([
      { kind: 'step', epoch: 1, step: 4 },
      { kind: 'epoch', epoch: 1, step: 6 },
      { kind: 'step', epoch: 2, step: 8 },
      { kind: 'epoch', epoch: 2, step: 12 },
    ]);
    const kept = await store.list('run-s');
    expect(kept.map((c) => [c.step, c.epoch, c.label ?? null, isStepCheckpoint(c)])).toEqual([
      [6, 1, null, false],
      [8, 2, 'step 8 (epoch 2)', true],
      [12, 2, null, false],
    ]);
  });

  // The tab closes right after a mid-epoch save; a new page resumes from it and must end on the
  // very bits (weights and AdamW moments) and per-step losses of the run that was never stopped.
  it.each([4, 8])(
    'a run stopped after the step-%i checkpoint and resumed from it == the uninterrupted run',
    async (at) => {
      const straight = await run(new MemoryCheckpointStore());
      const store = new MemoryCheckpointStore();
      const cut = await run(store, {}, at);
      expect(cut.steps.at(-1)!.step).toBe(at); // stopped mid-epoch, before any later step
      const info = (await store.list('run-s')).find((c) => c.step === at)!;
      expect(isStepCheckpoint(info)).toBe(true);
      const ckpt = decodeCheckpoint(await store.load(info.id));
      const { weights, resumeFrom } = resumeInputs(ckpt);
      const resumed = await run(store, { params: toVariables(config, weights), resumeFrom });
      expect(resumed.steps.map((s) => s.step)).toEqual(straight.steps.slice(at).map((s) => s.step));
      expect(resumed.steps).toEqual(straight.steps.slice(at)); // same losses and learning rates, step by step
      // The interrupted epoch's train loss is the mean over all its steps, those before the cut included.
      expect(resumed.epochs).toEqual(straight.epochs.filter((e) => e.epoch >= (at < 6 ? 1 : 2)));
      expect(ckpt.meta.epochLoss).toEqual({
        sum: straight.steps.slice(at < 6 ? 0 : 6, at).reduce((a, s) => a + s.loss, 0),
        count: at < 6 ? at : at - 6,
      });
      expectSameBits(resumed.weights, straight.weights);
      expectSameState(resumed.finalState!, straight.finalState!);
    },
  );

  it('every M minutes: counted from the start and from each checkpoint (epoch ones included)', async () => {
    let clock = 0;
    const out = await run(new MemoryCheckpointStore(), {
      checkpointEvery: { steps: 0, minutes: 1 },
      now: () => clock,
      onEvent: (e) => {
        if (e.type === 'step') clock += 40_000; // each step "takes" 40 s
      },
    });
    // 80 s at step 2 (≥ 60), again at 4; the epoch end at 6 resets the count; then 8 and 10.
    expect(out.saved.map((s) => `${s.kind} ${s.step}`)).toEqual([
      'step 2',
      'step 4',
      'epoch 6',
      'step 8',
      'step 10',
      'epoch 12',
    ]);
  });

  // Under ZeRO-1 the optimizer export is collective: if only the rank whose clock ran out took the
  // checkpoint, the other would never join its all-gather and the run would hang.
  it('ZeRO-1: the minutes rule is agreed across replicas whose clocks disagree', async () => {
    let clock = 0;
    const store = new MemoryCheckpointStore();
    const perReplica = { ...spec, batchSize: 1, checkpointEverySteps: 0 };
    const kinds = await Promise.all(
      createLocalGroup(2).map(async (c) => {
        const params = toVariables(config, initWeights(config, spec.seed));
        const save = epochCheckpointer({ store, runId: 'zero', spec: perReplica, config, params, rank: c.rank });
        const saved: string[] = [];
        await trainLoop({
          config,
          params,
          spec: perReplica,
          train: examples,
          validation: [],
          padId: 0,
          parallel: { collective: c, zeroStage: 1 },
          checkpointEvery: { steps: 0, minutes: 1 },
          // Rank 0's clock runs 40 s a step; rank 1's stands still (its own rule would never fire).
          now: () => (c.rank === 0 ? clock : 0),
          onEvent: (e) => {
            if (e.type === 'step' && c.rank === 0) clock += 40_000;
          },
          onEpochEnd: async (e) => {
            saved.push(`${e.kind} ${e.step}`);
            await save(e);
          },
        });
        disposeParams(params);
        return saved;
      }),
    );
    expect(kinds[1]).toEqual(kinds[0]);
    expect(kinds[0]).toEqual(['step 2', 'step 4', 'epoch 6', 'step 8', 'step 10', 'epoch 12']);
    expect((await store.list('zero')).map((c) => c.step)).toEqual([8, 10, 12]);
  });
});
