import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { readWeights } from '../model/params';
import { decodeCheckpoint } from './checkpoint/checkpoint';
import { MemoryCheckpointStore } from './checkpoint/store';
import { runTraining } from './run';
import { defaultSpec, type RunSpec } from './spec';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The shell's path: the spec's checkpointEverySteps reaches the trainer; a run stopped right after
// the mid-epoch step-3 checkpoint (as a closed tab would be) and resumed from it ends where the
// uninterrupted run ended, bit for bit.
it('runTraining: stopped after the step-3 checkpoint (mid epoch 1) and resumed == straight', async () => {
  const spec: RunSpec = {
    ...defaultSpec('tiny'),
    maxTrainSamples: 8,
    batchSize: 2,
    epochs: 2,
    maxSourceLength: 24,
    maxTargetLength: 8,
    validationSize: 0,
    warmupRatio: 0.2,
    checkpointEverySteps: 3,
  };
  const straightStore = new MemoryCheckpointStore();
  const straight = await runTraining({
    spec,
    data: data(),
    emit: () => {},
    checkpoints: { store: straightStore, runId: 'a' },
  });
  // 4 steps an epoch: step checkpoints at 3 and 6, epoch ones at 4 and 8; the last 3 are kept.
  expect((await straightStore.list('a')).map((c) => c.label ?? `epoch ${c.epoch}`)).toEqual([
    'epoch 1',
    'step 6 (epoch 2)',
    'epoch 2',
  ]);

  const store = new MemoryCheckpointStore();
  let done = 0;
  await runTraining({
    spec,
    data: data(),
    emit: (e) => e.type === 'step' && (done = e.step),
    shouldStop: () => done >= 3,
    checkpoints: { store, runId: 'b' },
  });
  const kept = await store.list('b');
  expect(kept.map((c) => c.label)).toEqual(['step 3 (epoch 1)']);
  const steps: number[] = [];
  const resumed = await runTraining({
    spec: { ...spec, learningRate: 0.5 }, // the checkpoint's spec wins
    data: data(),
    emit: (e) => e.type === 'step' && steps.push(e.step),
    resumeCheckpoint: decodeCheckpoint(await store.load(kept[0].id)),
    checkpoints: { store, runId: 'b' },
  });
  expect(steps).toEqual([4, 5, 6, 7, 8]);
  const a = await readWeights(straight.params);
  const b = await readWeights(resumed.params);
  for (const [name, w] of a) expect(b.get(name), name).toEqual(w);
});
