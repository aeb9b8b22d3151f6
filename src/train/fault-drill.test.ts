import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { createLocalGroup } from '../collectives/local-collective';
import { readWeights } from '../model/params';
import type { RunEvent } from '../core/events';
import { runTraining } from './run';
import { defaultSpec, type RunSpec } from './spec';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec: RunSpec = {
  ...defaultSpec('tiny'),
  maxTrainSamples: 16,
  batchSize: 4,
  epochs: 1,
  maxSourceLength: 24,
  maxTargetLength: 8,
  validationSize: 0,
};
const onceAt = (n: number) => {
  let calls = 0;
  return () => ++calls === n;
};

// The fault drill behind __studio.injectFault('nan-loss'): the real non-finite path must skip the
// update on every replica alike, count it, and leave every weight finite.
it.each([
  ['one replica', 1],
  ['two replicas (the NaN crosses the all-reduce)', 2],
])('a NaN loss at step 2 is skipped and counted: %s', async (_, world) => {
  const group = createLocalGroup(world);
  const events: RunEvent[] = [];
  const outs = await Promise.all(
    group.map((c) =>
      runTraining({
        spec: { ...spec, batchSize: 4 / world },
        data: data(),
        emit: (e) => c.rank === 0 && events.push(e),
        parallel: world > 1 ? { collective: c, zeroStage: 0 } : undefined,
        poison: onceAt(2),
      }),
    ),
  );
  const steps = events.flatMap((e) => (e.type === 'step' ? [e] : []));
  expect(steps.map((s) => s.skipped)).toEqual([false, true, false, false]);
  expect(Number.isNaN(steps[1].loss)).toBe(true);
  for (const o of outs) {
    expect(o.skippedSteps).toBe(1);
    for (const w of (await readWeights(o.params)).values()) expect(w.every(Number.isFinite)).toBe(true);
  }
});
