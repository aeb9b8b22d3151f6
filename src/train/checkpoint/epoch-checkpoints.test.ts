import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchesForEpoch } from '../../data/batching';
import { createLocalGroup } from '../../collectives/local-collective';
import { disposeParams, initWeights, toVariables, type Variables } from '../../model/params';
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { MemoryCheckpointStore, type CheckpointInfo } from './store';
import { checkResumable, epochCheckpointer, resumeInputs } from './epoch-checkpoints';
import { flatLayout, packTensors, unpackViews } from '../flat';
import type { OptimizerState } from '../optimizer-state';
import type { RunSpec } from '../spec';
import { trainLoop, type ParallelOptions, type TrainerInput } from '../trainer';
import { config, examples, expectSameBits, expectSameState, P, spec } from './testdata/tiny-run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type StepEv = { step: number; loss: number; lr: number };

interface Outcome {
  weights: Float32Array;
  steps: StepEv[];
  saved: Map<number, { step: number; totalSteps: number; optimizer: OptimizerState }>; // by epoch
}

async function train(
  params: Variables,
  s: RunSpec,
  extra: Partial<TrainerInput> = {},
  stopAfterEpoch = 0,
): Promise<Outcome> {
  const steps: StepEv[] = [];
  const saved: Outcome['saved'] = new Map();
  let stop = false;
  await trainLoop({
    config,
    params,
    spec: s,
    train: examples,
    validation: [],
    padId: 0,
    shouldStop: () => stop,
    onEvent: (e) => e.type === 'step' && steps.push({ step: e.step, loss: e.loss, lr: e.lr }),
    ...extra,
    onEpochEnd: async (e) => {
      saved.set(e.epoch, { step: e.step, totalSteps: e.totalSteps, optimizer: await e.optimizer() });
      await extra.onEpochEnd?.(e); // a second optimizer() call shares the first export (one collective)
      if (e.epoch === stopAfterEpoch) stop = true;
    },
  });
  return { weights: await packTensors(flatLayout(config), params), steps, saved };
}

const freshParams = () => toVariables(config, initWeights(config, spec.seed));

/** A run of one epoch (stopped there), saved as a checkpoint the way a shell would, encoded. */
async function firstEpochCheckpoint(): Promise<Uint8Array> {
  const params = freshParams();
  const one = await train(params, spec, {}, 1);
  disposeParams(params);
  const at = one.saved.get(1)!;
  expect(one.steps.map((s) => s.step)).toEqual([1, 2, 3]); // stopped after epoch 1
  return encodeCheckpoint({
    meta: {
      version: 1,
      step: at.step,
      epoch: 1,
      totalSteps: at.totalSteps,
      createdAt: '2026-01-02T03:04:05.000Z',
      runId: 'run-a',
      spec,
      config,
      seed: spec.seed,
      extra: { data: 'synthetic' },
    },
    weights: one.weights,
    optimizer: at.optimizer,
  });
}

// Shared by the tests below (computed once: each run is a few seconds on the cpu backend).
let straightRun: Promise<Outcome> | null = null;
const straightTwoEpochs = () =>
  (straightRun ??= (async () => {
    const params = freshParams();
    const out = await train(params, spec);
    disposeParams(params);
    return out;
  })());
let firstEpoch: Promise<Uint8Array> | null = null;
const checkpointBytes = () => (firstEpoch ??= firstEpochCheckpoint());

/** Fresh variables holding a decoded checkpoint's weights. */
const paramsOf = (ckpt: TrainingCheckpoint) =>
  toVariables(ckpt.meta.config, unpackViews(flatLayout(ckpt.meta.config), ckpt.weights));

describe('epoch checkpoints: save, resume exactly', () => {
  it('2 epochs straight = 1 epoch + save + decode + resume + 1 epoch, bit for bit; without the optimizer state it differs', async () => {
    const straight = await straightTwoEpochs();
    expect(straight.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);

    const ckpt = decodeCheckpoint(await checkpointBytes());
    expect(ckpt.meta).toMatchObject({
      step: 3,
      epoch: 1,
      totalSteps: 6,
      seed: 9,
      runId: 'run-a',
      extra: { data: 'synthetic' },
    });
    expect(ckpt.optimizer.step).toBe(3);
    // The epoch-1 checkpoint holds what the straight run held at its epoch end.
    expectSameState(ckpt.optimizer, straight.saved.get(1)!.optimizer);

    const params = paramsOf(ckpt);
    const resumed = await train(params, ckpt.meta.spec, {
      resumeFrom: { step: ckpt.meta.step, optimizer: ckpt.optimizer },
    });
    disposeParams(params);
    expect(resumed.steps.map((s) => s.step)).toEqual([4, 5, 6]);
    // RNG state = (seed, step): the resumed run drew the same batches at the same schedule position,
    // so its losses and learning rates are the straight run's, exactly.
    expect(resumed.steps).toEqual(straight.steps.slice(3));
    expectSameBits(resumed.weights, straight.weights);
    expectSameState(resumed.saved.get(2)!.optimizer, straight.saved.get(2)!.optimizer);
    expect([...resumed.saved.keys()]).toEqual([2]); // epoch 1 was done before the resume: no second save

    // Negative control: the same weights and step with fresh moments end elsewhere.
    const noOpt = paramsOf(ckpt);
    const fresh = await train(noOpt, spec, { resumeFrom: { step: ckpt.meta.step } });
    disposeParams(noOpt);
    expect(fresh.steps[0]).toEqual(straight.steps[3]); // same batch, same weights: same first loss
    let maxDiff = 0;
    for (let i = 0; i < P; i++) maxDiff = Math.max(maxDiff, Math.abs(fresh.weights[i] - straight.weights[i]));
    expect(maxDiff).toBeGreaterThan(1e-4);
    expect(fresh.saved.get(2)!.optimizer.step).toBe(3); // fresh moments counted from 0
  });

  it('the data order is a pure function of (seed, epoch): nothing else to save', () => {
    const a = batchesForEpoch(12, 4, 9, 2);
    batchesForEpoch(12, 4, 9, 1); // other draws in between change nothing
    initWeights(config, 123);
    expect(batchesForEpoch(12, 4, 9, 2)).toEqual(a);
    expect(batchesForEpoch(12, 4, 10, 2)).not.toEqual(a); // and the seed does matter
  });

  it('a single-device checkpoint resumes with 2 replicas under ZeRO-1', async () => {
    const straight = await straightTwoEpochs();
    const ckpt = decodeCheckpoint(await checkpointBytes());
    // Same global batch (2 per replica × 2), so the same batches and the same planned steps.
    const perReplica = { ...ckpt.meta.spec, batchSize: 2 };
    const store = new MemoryCheckpointStore();
    const runs = await Promise.all(
      createLocalGroup(2).map(async (c) => {
        const params = paramsOf(ckpt);
        const parallel: ParallelOptions = { collective: c, zeroStage: 1 };
        // Both ranks run the hook (the export is collective); only rank 0 writes.
        const onEpochEnd = epochCheckpointer({
          store,
          runId: 'zero-run',
          spec: perReplica,
          config,
          params,
          rank: c.rank,
        });
        const out = await train(params, perReplica, {
          parallel,
          resumeFrom: { step: ckpt.meta.step, optimizer: ckpt.optimizer },
          onEpochEnd,
        });
        disposeParams(params);
        return out;
      }),
    );
    expectSameBits(runs[1].weights, runs[0].weights); // replicas agree bit for bit
    expectSameState(runs[0].saved.get(2)!.optimizer, runs[1].saved.get(2)!.optimizer); // the export all-gathered
    // Gradients are summed per token across shards here but averaged per batch on one device, so
    // the bits may differ in the last place; the result stays within float32 noise of the straight
    // run (measured: 8e-9), far inside the 1e-4 that fresh moments cause (the test above).
    let maxDiff = 0;
    for (let i = 0; i < P; i++) maxDiff = Math.max(maxDiff, Math.abs(runs[0].weights[i] - straight.weights[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    const m = runs[0].saved.get(2)!.optimizer.m;
    let mDiff = 0;
    for (let i = 0; i < P; i++) mDiff = Math.max(mDiff, Math.abs(m[i] - straight.saved.get(2)!.optimizer.m[i]));
    expect(mDiff).toBeLessThan(1e-6);
    // One checkpoint for the one epoch run here, holding the whole gathered state.
    const list = await store.list();
    expect(list.map((i) => [i.runId, i.epoch, i.step])).toEqual([['zero-run', 2, 6]]);
    const saved = decodeCheckpoint(await store.load(list[0].id));
    expect(saved.meta.globalBatch).toBe(4);
    checkResumable(saved, { spec: { ...perReplica, batchSize: 4 }, config, trainSize: 12, world: 1 }); // same global batch on one device: fine
    expect(() => checkResumable(saved, { spec: perReplica, config, trainSize: 12, world: 1 })).toThrow(
      'resume: the checkpoint was trained with a global batch of 4 examples per step, this run has 2',
    );
    expect(() => checkResumable(saved, { spec: { ...perReplica, seed: 1 }, config, trainSize: 12, world: 2 })).toThrow(
      /trained with seed 9, this run has 1/,
    );
    expect(() =>
      checkResumable(saved, { spec: perReplica, config: { ...config, vocabSize: 512 }, trainSize: 12, world: 2 }),
    ).toThrow("resume: the checkpoint's model has vocabSize 300, this run's has 512");
    expect(() => checkResumable(saved, { spec: perReplica, config, trainSize: 16, world: 2 })).toThrow(
      "resume: this run plans 8 steps, the checkpoint's run planned 6",
    );
    expectSameState(saved.optimizer, runs[0].saved.get(2)!.optimizer);
    expectSameBits(saved.weights, runs[0].weights);
  });

  it('an fp16-exchange run resumes bit for bit: the dynamic loss scale is saved with the moments', async () => {
    // The scale doubles after every clean step (growthInterval 1) until fp16 overflows, then halves and
    // the step is skipped: it moves all run long, so a resume that restarted it would skip other steps.
    const fp16 = { initScale: 2 ** 16, growthInterval: 1 };
    const perReplica = { ...spec, batchSize: 2 };
    const run = (stopAfterEpoch: number, from?: TrainingCheckpoint) =>
      Promise.all(
        createLocalGroup(2).map(async (c) => {
          const params = from ? paramsOf(from) : freshParams();
          const resumeFrom = from ? { resumeFrom: { step: from.meta.step, optimizer: from.optimizer } } : {};
          const out = await train(
            params,
            perReplica,
            { parallel: { collective: c, zeroStage: 0, fp16 }, ...resumeFrom },
            stopAfterEpoch,
          );
          disposeParams(params);
          return out;
        }),
      ).then((r) => r[0]);
    const straight = await run(0);
    const first = await run(1);
    const at = first.saved.get(1)!;
    const scale = at.optimizer.lossScale!;
    expect(scale.scale).not.toBe(2 ** 16); // it moved during epoch 1
    const ckpt = decodeCheckpoint(
      encodeCheckpoint({
        meta: {
          version: 1,
          step: at.step,
          epoch: 1,
          totalSteps: at.totalSteps,
          createdAt: '2026-01-02T03:04:05.000Z',
          runId: 'fp16-run',
          spec: perReplica,
          config,
          seed: spec.seed,
        },
        weights: first.weights,
        optimizer: at.optimizer,
      }),
    );
    expect(ckpt.optimizer.lossScale).toEqual(scale);
    const resumed = await run(0, ckpt);
    expectSameBits(resumed.weights, straight.weights);
    expect(resumed.saved.get(2)!.optimizer.lossScale).toEqual(straight.saved.get(2)!.optimizer.lossScale);
    // Negative control: the same checkpoint without its loss scale ends elsewhere.
    const { lossScale: _dropped, ...withoutScale } = ckpt.optimizer;
    const restarted = await run(0, { ...ckpt, optimizer: withoutScale });
    expect(restarted.weights.some((w, i) => w !== straight.weights[i])).toBe(true);
  });

  it('the epoch hook keeps the last 3 of 4 epochs, and a run resumed from any kept one ends where the straight run did', async () => {
    const spec4 = { ...spec, epochs: 4 }; // 12 steps
    const store = new MemoryCheckpointStore();
    const other = new Uint8Array(8);
    await store.save(
      { id: 'other.step-00000001', runId: 'other', step: 1, epoch: 1, createdAt: '2020-01-01T00:00:00.000Z', bytes: 8 },
      other,
    );
    let minute = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 0, ++minute));
    const rotated: string[][] = [];
    const params = freshParams();
    const straight = await train(params, spec4, {
      onEpochEnd: epochCheckpointer({
        store,
        runId: 'run-4',
        spec: spec4,
        config,
        params,
        now,
        extra: { tokenizer: '{}' },
        onSaved: (_, deleted) => rotated.push(deleted.map((d) => d.id)),
      }),
    });
    disposeParams(params);
    const kept = await store.list('run-4');
    expect(kept.map((i: CheckpointInfo) => [i.epoch, i.step])).toEqual([
      [2, 6],
      [3, 9],
      [4, 12],
    ]);
    expect(rotated).toEqual([[], [], [], ['run-4.step-00000003']]); // the 4th save deleted the 1st
    expect((await store.list('other')).length).toBe(1);
    for (const info of kept) {
      const ckpt = decodeCheckpoint(await store.load(info.id));
      expect(ckpt.meta.extra).toEqual({ tokenizer: '{}' });
      const { weights, resumeFrom } = resumeInputs(ckpt);
      const resumedParams = toVariables(ckpt.meta.config, weights);
      const resumed = await train(resumedParams, ckpt.meta.spec, { resumeFrom });
      disposeParams(resumedParams);
      expect(resumed.steps.map((s) => s.step)).toEqual([...Array(12 - info.step)].map((_, k) => info.step + k + 1));
      expectSameBits(resumed.weights, straight.weights);
    }
  });
});

describe('resume inputs the trainer refuses', () => {
  it('names the problem before training anything', async () => {
    const params = freshParams();
    const opt = (step: number, n = P): OptimizerState => ({ step, m: new Float32Array(n), v: new Float32Array(n) });
    const run = (extra: Partial<TrainerInput>) => train(params, spec, extra);
    await expect(run({ resumeFrom: { step: 3, optimizer: opt(4) } })).rejects.toThrow(
      'resume: the optimizer state has taken 4 steps, more than the 3 steps resumed from',
    );
    await expect(run({ resumeFrom: { step: 3, optimizer: opt(3, 10) } })).rejects.toThrow(
      `resume: optimizer m has 10 values, the model's layout needs ${P}`,
    );
    await expect(run({ resumeFrom: { step: 7 } })).rejects.toThrow("resume: step 7 is past this run's 6 planned steps");
    await expect(run({ resumeFrom: { step: 3 }, startStep: 2 })).rejects.toThrow(
      'resume: startStep 2 and resumeFrom.step 3 disagree',
    );
    disposeParams(params);
  });
});
