// One optimizer step (step.ts), both ways it decides clipping and skipping: on the device (webgpu's
// way, stepOnDevice: the step gate, a gated update, one read-back at the end) and on the host (cpu
// and wasm, stepOnHost: loss and Σg² read together, then clip and skip in JS). On cpu they must agree;
// on Dawn the device way must read back once a step, skip a poisoned step without moving a bit, and
// count only applied steps.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng';
import { countTfjsWebGPU, diffCounts } from '../kernels/webgpu/device-counter';
import type { LlamaConfig } from '../model/config';
import { initWeights, toVariables, type Variables } from '../model/params';
import { relErr, startWebGPU } from '../testing/webgpu-node';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import type { Batch } from './loss';
import { lossAndGrads, stepOnDevice, stepOnHost, trainStep, type StepResult } from './step';
import { liveTensors } from '../testing/live-tensors';

const CONFIG: LlamaConfig = {
  vocabSize: 48,
  hiddenSize: 16,
  intermediateSize: 24,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  maxPositionEmbeddings: 16,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};
const LR = 0.01;
const MAX_NORM = 0.5; // below the fresh model's gradient norm: clipping acts

function batch(seed: number): Batch {
  const rand = mulberry32(seed);
  const ids = Int32Array.from({ length: 2 * 8 }, () => Math.floor(rand() * CONFIG.vocabSize));
  const labels = Int32Array.from({ length: 2 * 8 }, () => Math.floor(rand() * CONFIG.vocabSize));
  return { ids, labels, batchSize: 2, seqLen: 8 };
}

const newOpt = () => new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !n.endsWith('norm.weight') });

async function read(params: Variables): Promise<Float32Array[]> {
  return Promise.all([...params.values()].map(async (v) => (await v.data()) as Float32Array));
}

/** Steps 1–3 on seeded batches, step 4 poisoned, step 5 again: through `update`. */
async function run(update: typeof stepOnDevice) {
  const params = toVariables(CONFIG, initWeights(CONFIG, 3));
  const opt = newOpt();
  const results: StepResult[] = [];
  let beforePoison: Float32Array[] = [];
  for (let s = 1; s <= 5; s++) {
    if (s === 4) beforePoison = await read(params);
    const { loss, grads } = lossAndGrads(params, CONFIG, batch(s), 'mean', s === 4);
    try {
      results.push(await update(params, loss, grads, opt, LR, MAX_NORM));
    } finally {
      tf.dispose([loss, ...grads.values()]);
    }
    if (s === 4) {
      const after = await read(params);
      after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(beforePoison[i]))); // not one value moved
      expect(opt.step).toBe(3); // the skipped step does not count
    }
  }
  expect(opt.step).toBe(4);
  const weights = await read(params);
  opt.dispose();
  for (const v of params.values()) v.dispose();
  return { results, weights };
}

describe('trainStep on cpu', () => {
  it('the device-gated step equals the host one: same skips, losses, norms, clipped updates', async () => {
    await tf.setBackend('cpu');
    const tensors = liveTensors();
    const host = await run(stepOnHost);
    const device = await run(stepOnDevice);
    expect(liveTensors()).toBe(tensors);
    expect(device.results.map((r) => r.applied)).toEqual([true, true, true, false, true]);
    expect(host.results.map((r) => r.applied)).toEqual([true, true, true, false, true]);
    expect(host.results[0].gradNorm).toBeGreaterThan(MAX_NORM);
    device.results.forEach((r, i) => {
      if (!r.applied) return expect(Number.isNaN(r.loss) && Number.isNaN(host.results[i].loss)).toBe(true);
      expect(r.loss).toBe(host.results[i].loss);
      expect(Math.abs(r.gradNorm / host.results[i].gradNorm - 1)).toBeLessThan(1e-6);
    });
    device.weights.forEach((w, i) => expect(relErr(w, host.weights[i])).toBeLessThan(1e-5));
  });
});

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu trainStep tests: ${gpu.reason}`);

describe.skipIf(!gpu.ok)(`trainStep on webgpu (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('one read-back a step, one fused update per tensor; a poisoned step skipped', async () => {
    await tf.setBackend('webgpu');
    const counter = countTfjsWebGPU();
    const params = toVariables(CONFIG, initWeights(CONFIG, 3));
    const opt = newOpt();
    const tensors = [...params.values()].filter((v) => v.trainable).length;
    const step = (s: number, poison = false) => trainStep(params, CONFIG, batch(s), opt, LR, MAX_NORM, poison);
    await step(1); // compiles and allocates
    await step(2);
    const before = counter.counts();
    const tensorsBefore = liveTensors();
    const r = await step(3);
    const d = diffCounts(counter.counts(), before);
    expect(liveTensors()).toBe(tensorsBefore); // gate, partials, gradients all disposed
    console.log(
      `webgpu trainStep, steady: ${d.dispatches} dispatches (${d.dispatchesBy.AdamWFused} AdamWFused), ${d.readbacks} readbacks, ${d.buffersCreated} buffers created, ${d.bytesUploaded} bytes uploaded`,
    );
    expect(r.applied).toBe(true);
    expect(r.gradNorm).toBeGreaterThan(MAX_NORM);
    expect(d.readbacks).toBe(1);
    expect(d.bytesRead).toBe(16); // [loss, norm, coef, finite]
    expect(d.dispatchesBy.AdamWFused).toBe(tensors);
    expect(d.dispatchesBy.SumSquaresProgram).toBe(tensors);
    expect(d.dispatchesBy.StepGateProgram).toBe(1);

    const weights = await read(params);
    const poisoned = await step(4, true);
    expect(poisoned.applied).toBe(false);
    expect(opt.step).toBe(3);
    (await read(params)).forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(weights[i])));
    expect((await step(5)).applied).toBe(true);
    expect(opt.step).toBe(4);
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }, 300_000);
});
