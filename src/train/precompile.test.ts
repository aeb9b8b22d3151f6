// The compile-only warm-up (precompile.ts) on Dawn over SwiftShader: it compiles what the first
// step would have compiled, so that step compiles nothing; and it changes nothing — the weights,
// the step's loss and its updated weights are bit for bit those of a run without it, and no tensor
// is left behind.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebGPU } from '../testing/webgpu-node';
import type { LlamaConfig } from '../model/config';
import { disposeParams, initWeights, isNormWeight, toVariables, type Variables } from '../model/params';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import { compileOnly, precompileTrainStep } from './precompile';
import { trainStep } from './step';
import type { Batch } from './loss';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED precompile tests: ${gpu.reason}`);
afterAll(() => tf.setBackend('cpu'));

const CFG: LlamaConfig = {
  vocabSize: 61,
  hiddenSize: 32,
  intermediateSize: 40,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 32,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
};
const B = 2;
const T = 9;
const batch: Batch = {
  ids: Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % CFG.vocabSize),
  labels: Int32Array.from({ length: B * T }, (_, i) => (i % T < 3 ? -100 : (i * 5 + 1) % CFG.vocabSize)),
  batchSize: B,
  seqLen: T,
};
const adamw = () => new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
/** maxGradNorm small enough that the clip's scaling runs (the warm-up's fake norm takes that branch too). */
const MAX_NORM = 1e-3;

const cacheKeys = () => Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache);

async function values(params: Variables): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of params) out.set(n, (await v.data()) as Float32Array);
  return out;
}

describe.skipIf(!gpu.ok)(`precompileTrainStep (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('compiles the first step’s pipelines, so the step compiles none, and changes no state', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    const warmed = toVariables(CFG, initWeights(CFG, 5, 0.2));
    const initial = await values(warmed);
    const tensors = tf.memory().numTensors;

    const report = await precompileTrainStep(warmed, async (p) => {
      const opt = adamw();
      try {
        await trainStep(p, CFG, batch, opt, 1e-2, MAX_NORM);
      } finally {
        opt.dispose();
      }
    });
    console.log(`warm-up: ${report.pipelines} pipelines in ${report.ms.toFixed(0)} ms, refused [${report.failed}]`);
    expect(report.pipelines).toBeGreaterThan(20); // forward, backward, clip and AdamW programs
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await values(warmed);
    for (const [n, v] of initial) expect(after.get(n), `${n} after the warm-up`).toEqual(v);
    // Every compile has settled: a pending one would make the step throw.
    const cache = (tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
    expect(Object.values(cache).some((p) => p instanceof Promise)).toBe(false);

    // The real step: compiles only what the device refused (compiled again, synchronously, as without a warm-up).
    const before = new Set(cacheKeys());
    const opt = adamw();
    const warmStep = await trainStep(warmed, CFG, batch, opt, 1e-2, MAX_NORM);
    const added = cacheKeys().filter((k) => !before.has(k));
    expect(added.sort()).toEqual([...report.failed].sort());

    // The same step on a twin model that had no warm-up: the same loss, norm and weights, bit for bit.
    const twin = toVariables(CFG, initWeights(CFG, 5, 0.2));
    const opt2 = adamw();
    const coldStep = await trainStep(twin, CFG, batch, opt2, 1e-2, MAX_NORM);
    expect(warmStep).toEqual(coldStep);
    expect(warmStep.applied).toBe(true);
    const [w, c] = [await values(warmed), await values(twin)];
    for (const [n, v] of c) expect(w.get(n), `${n} after the step`).toEqual(v);
    for (const [n, m] of opt.m) expect(await m.data(), `moment of ${n}`).toEqual(await opt2.m.get(n)!.data());
    [opt, opt2].forEach((o) => o.dispose());
    disposeParams(warmed);
    disposeParams(twin);
  });

  it('answers read-backs with finite values while it runs, and restores the real read after', async () => {
    await tf.setBackend('webgpu');
    const x = tf.tensor1d([1, 2, 3]);
    let seen: Float32Array | undefined;
    await compileOnly(async () => {
      const y = tf.mul(x, 2); // compiled, not run
      seen = (await y.data()) as Float32Array;
      y.dispose();
    });
    expect(seen).toEqual(new Float32Array([1e6, 1e6, 1e6]));
    const y = tf.mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    tf.dispose([x, y]);
  });

  it('is a no-op on another backend', async () => {
    await tf.setBackend('cpu');
    const params = toVariables(CFG, initWeights(CFG, 5, 0.2));
    let ran = false;
    const report = await precompileTrainStep(params, () => {
      ran = true;
      return Promise.resolve();
    });
    expect(report).toEqual({ pipelines: 0, ms: 0, failed: [] });
    expect(ran).toBe(false);
    disposeParams(params);
  });
});
