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

// The shell's path end to end: a run saves a checkpoint each epoch (keeping 3); a new run resumed
// from the epoch-2 checkpoint — with other settings on the page, which the checkpoint overrides —
// ends where the uninterrupted run ended, bit for bit.
it('runTraining: 3 epochs straight == resume from the epoch-2 checkpoint + 1 epoch', async () => {
  const spec: RunSpec = {
    ...defaultSpec('tiny'),
    maxTrainSamples: 8,
    batchSize: 4,
    epochs: 3,
    maxSourceLength: 24,
    maxTargetLength: 8,
    validationSize: 0,
    warmupRatio: 0.2,
  };
  const store = new MemoryCheckpointStore();
  const straight = await runTraining({ spec, data: data(), emit: () => {}, checkpoints: { store, runId: 'run-a' } });
  const kept = await store.list('run-a');
  expect(kept.map((c) => [c.epoch, c.step])).toEqual([
    [1, 2],
    [2, 4],
    [3, 6],
  ]);

  const ckpt = decodeCheckpoint(await store.load(kept[1].id));
  const other: RunSpec = { ...spec, learningRate: 0.5, epochs: 1, seed: 99 }; // ignored on resume
  const steps: number[] = [];
  const resumed = await runTraining({
    spec: other,
    data: data(),
    emit: (e) => e.type === 'step' && steps.push(e.step),
    resumeCheckpoint: ckpt,
    checkpoints: { store, runId: 'run-a' },
  });
  expect(steps).toEqual([5, 6]);
  const a = await readWeights(straight.params);
  const b = await readWeights(resumed.params);
  for (const [name, w] of a) expect(b.get(name), name).toEqual(w);
  // The resumed run's epoch-3 checkpoint replaced the old one under the same run: still 3 kept.
  expect((await store.list('run-a')).length).toBe(3);
});
