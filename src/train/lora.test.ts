// LoRA training on the cpu backend: the base is frozen (no gradient, no moments, not one bit moves),
// only adapter gradients are reduced across replicas, 2 replicas × b equal 1 × 2b, ZeRO-1 shards the
// adapter moments, and the optimizer holds 8 bytes per adapter parameter.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchesForEpoch, collate } from '../data/batching';
import { IGNORE_INDEX, type Example } from '../core/example';
import { createLocalGroup } from '../collectives/local-collective';
import { mulberry32 } from '../core/prng';
import { PRESETS, type LlamaConfig } from '../model/config';
import { adapterParamCount, initLora, splitAdapters } from '../model/lora';
import { isLoraName } from '../model/lora-config';
import { disposeParams, initWeights, isNormWeight, readWeights, toVariables, type Variables } from '../model/params';
import { ADAMW_DEFAULTS, type AdamWOptions } from './adamw';
import { dataParallelStep, ReplicatedAdamW, type FlatOptimizer } from './data-parallel';
import { flatLayout, packTensors } from './flat';
import { memoryEstimate, stepTensors, trainingStateBytes } from './auto-batch/memory';
import { defaultSpec, type RunSpec } from './spec';
import { lossAndGrads } from './step';
import { trainLoop } from './trainer';
import { ZeroAdamW } from './zero';
import { liveTensors } from '../testing/live-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V = 300;
const BASE: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: V };
const config: LlamaConfig = { ...BASE, lora: { r: 4, alpha: 16, dropout: 0, targetModules: ['q_proj', 'v_proj'] } };
const layout = flatLayout(config);
const A = adapterParamCount(config);
const PAD = 0;
const SEED = 7;
const STEPS = 4;
const GLOBAL_BATCH = 8;
const LR = 1e-3; // see data-parallel.test.ts: Adam amplifies summation-order noise by lr/ε
const adamw: AdamWOptions = { ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) };

/** Examples of varied length with a masked prompt of varied length (shards carry unequal token counts). */
function makeExamples(n: number, seed: number): Example[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rand() * 16);
    const inputIds = Array.from({ length: len }, () => 1 + Math.floor(rand() * (V - 1)));
    const prompt = Math.floor(rand() * (len - 1));
    const labels = inputIds.map((_, t) => (t < prompt || t === len - 1 ? IGNORE_INDEX : inputIds[t + 1]));
    return { inputIds, labels };
  });
}
const examples = makeExamples(16, 3);
const globalBatches = [1, 2, 3].flatMap((e) => batchesForEpoch(examples.length, GLOBAL_BATCH, SEED, e)).slice(0, STEPS);

const baseWeights = initWeights(BASE, SEED);
const fresh = (c: LlamaConfig = config): Variables => toVariables(c, new Map([...baseWeights, ...initLora(c, SEED)]));
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && bits(a).every((x, i) => x === bits(b)[i]);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Every base tensor bit-identical to the starting base; every adapter tensor changed (B from zero). */
function expectOnlyAdaptersMoved(after: Map<string, Float32Array>): void {
  const { base, adapters } = splitAdapters(after);
  expect([...base.keys()].sort()).toEqual([...baseWeights.keys()].sort());
  for (const [name, w] of base) expect(sameBits(w, baseWeights.get(name)!), name).toBe(true);
  const start = initLora(config, SEED);
  expect(adapters.size).toBe(start.size);
  for (const [name, w] of adapters) expect(sameBits(w, start.get(name)!), `${name} moved`).toBe(false);
}

describe('LoRA: a frozen base', () => {
  it('the flat layout, gradients and variables cover the adapters only', () => {
    expect(layout.total).toBe(A);
    expect(layout.entries.every((e) => isLoraName(e.name))).toBe(true);
    const p = fresh();
    expect([...p].filter(([, v]) => v.trainable).map(([n]) => n)).toEqual(layout.entries.map((e) => e.name));
    const { loss, grads } = lossAndGrads(p, config, collate(examples.slice(0, 4), PAD));
    expect([...grads.keys()]).toEqual(layout.entries.map((e) => e.name));
    // B = 0: A's gradient is zero (it flows through B); B's is not.
    for (const [name, g] of grads) {
      const nonzero = (g.dataSync() as Float32Array).some((x) => x !== 0);
      expect(nonzero, name).toBe(name.includes('.lora_B.'));
    }
    loss.dispose();
    for (const g of grads.values()) g.dispose();
    disposeParams(p);
  });

  it('after a step (one replica, no accumulation: AdamW on named tensors) only adapter tensors changed', async () => {
    const p = fresh();
    const spec: RunSpec = { ...defaultSpec('tiny'), batchSize: 8, maxSteps: 2, learningRate: 1e-2, seed: SEED };
    const res = await trainLoop({
      config,
      params: p,
      spec,
      train: examples,
      validation: [],
      padId: PAD,
      onEvent: () => {},
    });
    expect(res.steps).toBe(2);
    expect(res.optimizerBytes).toBe(8 * A); // AdamW moments: two float32 per adapter parameter
    expectOnlyAdaptersMoved(await readWeights(p));
    disposeParams(p);
  });

  it('the same with accumulation (the flat path) and seeded dropout: same seed, same bits; dropout changes the result', async () => {
    const run = async (dropout: number) => {
      const c: LlamaConfig = { ...config, lora: { ...config.lora!, dropout } };
      const p = fresh(c);
      const spec: RunSpec = {
        ...defaultSpec('tiny'),
        batchSize: 4,
        gradientAccumulation: 2,
        maxSteps: 2,
        learningRate: 1e-2,
        seed: SEED,
      };
      await trainLoop({ config: c, params: p, spec, train: examples, validation: [], padId: PAD, onEvent: () => {} });
      const w = await readWeights(p);
      disposeParams(p);
      return w;
    };
    const a = await run(0.2);
    expectOnlyAdaptersMoved(a);
    const again = await run(0.2);
    for (const [name, w] of a) expect(sameBits(w, again.get(name)!), name).toBe(true);
    const none = await run(0);
    const moved = [...splitAdapters(a).adapters].some(([name, w]) => !sameBits(w, none.get(name)!));
    expect(moved).toBe(true);
  });
});

interface RankOutcome {
  weights: Map<string, Float32Array>; // every tensor, base included
  adapters: Float32Array; // (A) flat
  optimizerBytes: number;
}

/** W ranks in this process, each with its own variables and optimizer, over the same global batches. */
async function runGroup(world: number, kind: 'replicated' | 'zero'): Promise<RankOutcome[]> {
  const group = createLocalGroup(world);
  // Count what the all-reduce carries: adapter gradients only, plus the token count and loss sum.
  const reduced: number[] = [];
  const out = await Promise.all(
    group.map(async (collective) => {
      const allReduceSum = collective.allReduceSum.bind(collective);
      collective.allReduceSum = (buf: Float32Array) => (reduced.push(buf.length), allReduceSum(buf));
      const params = fresh();
      const optimizer: FlatOptimizer =
        kind === 'zero' ? new ZeroAdamW(collective, layout, adamw) : new ReplicatedAdamW(layout, adamw);
      const rep = { collective, config, params, layout, optimizer, padId: PAD, accumulationSteps: 1, maxGradNorm: 1 };
      for (const batch of globalBatches) await dataParallelStep(rep, examples, batch, LR);
      const outcome = {
        weights: await readWeights(params),
        adapters: await packTensors(layout, params),
        optimizerBytes: optimizer.optimizerBytes,
      };
      optimizer.dispose();
      disposeParams(params);
      collective.close();
      return outcome;
    }),
  );
  expect(reduced.length).toBeGreaterThan(0);
  for (const n of reduced) expect(n).toBe(A + 2);
  return out;
}

describe('LoRA with replicas', () => {
  let world2: RankOutcome[];
  let world1: RankOutcome[];
  let zero2: RankOutcome[];

  beforeAll(async () => {
    const before = liveTensors();
    world2 = await runGroup(2, 'replicated'); // 2 ranks × 4 examples
    world1 = await runGroup(1, 'replicated'); // 1 rank × 8 examples
    zero2 = await runGroup(2, 'zero'); // ZeRO-1 over 2 ranks
    expect(liveTensors()).toBe(before);
  });

  it('2 replicas × b reach the adapters of 1 replica × 2b (to 1e-5), replicated or ZeRO-1; the base never moves', () => {
    const start = initLora(config, SEED);
    const startFlat = new Float32Array(A);
    for (const e of layout.entries) startFlat.set(start.get(e.name)!, e.offset);
    expect(maxAbsDiff(world1[0].adapters, startFlat)).toBeGreaterThan(1e-4); // they did train
    for (const run of [world2, zero2]) {
      expect(maxAbsDiff(run[0].adapters, world1[0].adapters)).toBeLessThan(1e-5);
      expect(sameBits(run[0].adapters, run[1].adapters)).toBe(true); // ranks agree bit for bit
    }
    for (const r of [...world1, ...world2, ...zero2]) expectOnlyAdaptersMoved(r.weights);
  });

  it('optimizer bytes = 8 × adapter parameters: per rank replicated, summed over ranks under ZeRO-1', () => {
    expect(world1[0].optimizerBytes).toBe(8 * A);
    for (const r of world2) expect(r.optimizerBytes).toBe(8 * A);
    expect(zero2[0].optimizerBytes + zero2[1].optimizerBytes).toBe(8 * A);
    expect(zero2[0].optimizerBytes).toBeLessThan(8 * A);
  });
});

describe('LoRA memory estimate', () => {
  it('counts the smaller state: gradients and moments of the adapters, no embedding gradient', () => {
    const full = trainingStateBytes(BASE);
    const lora = trainingStateBytes(config);
    expect(lora.optimizer).toBe(8 * A);
    expect(lora.gradients).toBe(4 * A);
    expect(lora.weights).toBe(full.weights + 4 * A);
    expect(full.optimizer).toBe(2 * full.weights);
    expect(stepTensors(BASE, 2, 16).some((t) => t.name.startsWith('embedding gradient'))).toBe(true);
    expect(stepTensors(config, 2, 16).some((t) => t.name.startsWith('embedding gradient'))).toBe(false);
    expect(memoryEstimate(config, 2, 16)).toMatch(/adapters only/);
  });
});
