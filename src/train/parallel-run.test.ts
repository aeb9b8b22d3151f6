import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { createLocalGroup } from '../collectives/local-collective';
import { DynamicLossScaler } from '../collectives/fp16';
import { IGNORE_INDEX } from '../core/example';
import { configFor, PRESETS } from '../model/config';
import { disposeParams, initWeights, readWeights, toVariables } from '../model/params';
import { mulberry32 } from '../core/prng';
import { ADAMW_DEFAULTS } from './adamw';
import { reduceGradients, ReplicatedAdamW } from './data-parallel';
import { flatLayout } from './flat';
import type { RunEvent } from '../core/events';
import { runTraining } from './run';
import { defaultSpec, type RunSpec } from './spec';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('a whole run with 2 replicas × batch 2 equals 1 replica × batch 4: parameters, losses and sharded ROUGE', async () => {
  const base: RunSpec = {
    ...defaultSpec('tiny'),
    maxTrainSamples: 12,
    epochs: 1,
    maxSourceLength: 24,
    maxTargetLength: 8,
    validationSize: 5,
    warmupRatio: 0,
  };
  const one: RunEvent[] = [];
  const single = await runTraining({ spec: { ...base, batchSize: 4 }, data: data(), emit: (e) => one.push(e) });
  const group = createLocalGroup(2);
  const evs: RunEvent[][] = [[], []];
  const pair = await Promise.all(
    group.map((c) =>
      runTraining({
        spec: { ...base, batchSize: 2 },
        data: data(),
        emit: (e) => evs[c.rank].push(e),
        parallel: { collective: c, zeroStage: 1 },
      }),
    ),
  );

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

it('fp16 gradient exchange: the reduced gradient is within half precision of fp32, and a run keeps replicas identical', async () => {
  // One reduced gradient both ways, on identical replicas of a tiny model.
  const config = configFor(PRESETS.tiny, 300);
  const rnd = mulberry32(3);
  const examples = Array.from({ length: 8 }, (_, k) => {
    const n = 6 + k;
    const inputIds = Array.from({ length: n }, () => 4 + Math.floor(rnd() * 290));
    return { inputIds, labels: inputIds.map((_, t) => (t >= 2 && t < n - 1 ? inputIds[t + 1] : IGNORE_INDEX)) };
  });
  const reduce = async (fp16: boolean) => {
    const group = createLocalGroup(2);
    const grads = await Promise.all(
      group.map(async (c) => {
        const params = toVariables(config, initWeights(config, 5));
        const layout = flatLayout(config);
        const opt = new ReplicatedAdamW(layout, { ...ADAMW_DEFAULTS, weightDecay: 0, decays: () => true });
        const rep = {
          collective: c,
          config,
          params,
          layout,
          optimizer: opt,
          padId: 0,
          accumulationSteps: 1,
          maxGradNorm: 0,
          fp16: fp16 ? new DynamicLossScaler() : undefined,
        };
        const { grad } = await reduceGradients(rep, examples, [0, 1, 2, 3, 4, 5, 6, 7]);
        disposeParams(params);
        return grad;
      }),
    );
    expect(grads[1]).toEqual(grads[0]); // every rank holds the same bits
    return grads[0];
  };
  const g32 = await reduce(false);
  const g16 = await reduce(true);
  // Each rank's term is rounded once to half (relative error ≤ 2^-11 per element). Terms of two
  // ranks can cancel, so the bound is stated on the whole vector: ‖g16 − g32‖ ≤ 2^-10 ‖g32‖.
  let errSq = 0;
  let normSq = 0;
  let differs = 0;
  for (let i = 0; i < g32.length; i++) {
    const e = g16[i] - g32[i];
    if (e !== 0) differs++;
    errSq += e * e;
    normSq += g32[i] * g32[i];
  }
  expect(differs).toBeGreaterThan(0); // it really went through half precision
  expect(Math.sqrt(errSq / normSq)).toBeLessThan(2 ** -10);

  // A whole run with fp16 exchange: no overflow skips at the default scale, ranks bit-identical.
  const base: RunSpec = {
    ...defaultSpec('tiny'),
    maxTrainSamples: 8,
    epochs: 1,
    maxSourceLength: 24,
    maxTargetLength: 8,
    validationSize: 0,
    warmupRatio: 0,
    batchSize: 2,
  };
  const out = await Promise.all(
    createLocalGroup(2).map((c) =>
      runTraining({ spec: base, data: data(), emit: () => {}, parallel: { collective: c, zeroStage: 0, fp16: true } }),
    ),
  );
  expect(out.map((o) => [o.steps, o.skippedSteps])).toEqual([
    [2, 0],
    [2, 0],
  ]);
  const [w0, w1] = await Promise.all(out.map((o) => readWeights(o.params)));
  for (const [name, a] of w0) expect(w1.get(name)).toEqual(a);
});

it('recovery: snapshots every N steps hold the weights; a run resumed from one starts there, on the same batches', async () => {
  const spec: RunSpec = {
    ...defaultSpec('tiny'),
    maxTrainSamples: 16,
    maxSteps: 6,
    batchSize: 2,
    maxSourceLength: 24,
    maxTargetLength: 8,
    validationSize: 0,
    warmupRatio: 0,
  };
  const events: RunEvent[] = [];
  const full = await runTraining({ spec, data: data(), emit: (e) => events.push(e), snapshotEvery: 2 });
  const snaps = events.filter((e): e is Extract<RunEvent, { type: 'snapshot' }> => e.type === 'snapshot');
  expect(snaps.map((s) => s.step)).toEqual([2, 4]); // none at the last step: the run is over
  const resumed: RunEvent[] = [];
  const out = await runTraining({
    spec,
    data: data(),
    emit: (e) => resumed.push(e),
    resume: { step: 4, weights: snaps[1].weights },
  });
  const steps = resumed.flatMap((e) => (e.type === 'step' ? [e] : []));
  expect(steps.map((s) => s.step)).toEqual([5, 6]);
  // Same batch, same weights at step 5 → the same loss as the uninterrupted run.
  const fullStep5 = events.find((e) => e.type === 'step' && e.step === 5) as Extract<RunEvent, { type: 'step' }>;
  expect(steps[0].loss).toBeCloseTo(fullStep5.loss, 5);
  expect(steps[0].lr).toBe(fullStep5.lr);
  await expect(
    runTraining({ spec, data: data(), emit: () => {}, resume: { step: 4, weights: new Float32Array(7) } }),
  ).rejects.toThrow(/snapshot holds 7 values, the model needs \d+/);
  disposeParams(full.params);
  disposeParams(out.params);
});
