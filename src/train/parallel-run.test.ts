import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { createLocalGroup } from '../dist/local-collective';
import { readWeights } from '../model/params';
import { readSharedText } from '../testing/shared';
import type { RunEvent } from './events';
import { runFromText } from './run';
import { defaultSpec, type RunSpec } from './spec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = () => ({ trainName: 'train.jsonl', trainText: readSharedText('data/xsum/train.jsonl'), validationName: 'validation.jsonl', validationText: readSharedText('data/xsum/validation.jsonl') });

it('a whole run with 2 replicas × batch 2 equals 1 replica × batch 4: parameters, losses and sharded ROUGE', async () => {
  const base: RunSpec = { ...defaultSpec('tiny'), maxTrainSamples: 12, epochs: 1, maxSourceLength: 24, maxTargetLength: 8, validationSize: 5, warmupRatio: 0 };
  const one: RunEvent[] = [];
  const single = await runFromText({ ...base, batchSize: 4 }, data(), (e) => one.push(e));
  const group = createLocalGroup(2);
  const evs: RunEvent[][] = [[], []];
  const pair = await Promise.all(group.map((c) => runFromText({ ...base, batchSize: 2 }, data(), (e) => evs[c.rank].push(e), () => false, { collective: c, zeroStage: 1, accumulationSteps: 1 })));

  expect(single.steps).toBe(3);
  expect(pair.map((p) => p.steps)).toEqual([3, 3]);
  const w1 = await readWeights(single.params);
  const [r0, r1] = await Promise.all(pair.map((p) => readWeights(p.params)));
  let maxDiff = 0;
  for (const [name, a] of w1) {
    expect(r1.get(name)).toEqual(r0.get(name)); // replicas hold bit-identical parameters
    const b = r0.get(name)!;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  expect(maxDiff).toBeLessThan(1e-5);
  // ZeRO-1 over 2 ranks: each holds half the moments.
  expect(pair[0].optimizerBytes).toBeLessThan(single.optimizerBytes * 0.51);

  const losses = (e: RunEvent[]) => e.flatMap((x) => (x.type === 'step' ? [x.loss] : []));
  losses(one).forEach((l, i) => expect(losses(evs[0])[i]).toBeCloseTo(l, 4));
  // Sharded generation gathers all 5 validation predictions, in order, on every rank.
  const ev = (e: RunEvent[]) => e.find((x) => x.type === 'evaluation') as Extract<RunEvent, { type: 'evaluation' }>;
  expect(ev(evs[0]).examples).toBe(5);
  expect(ev(evs[0]).samples).toEqual(ev(evs[1]).samples);
  expect(ev(evs[0]).samples.map((s) => s.reference)).toEqual(ev(one).samples.map((s) => s.reference));
});
