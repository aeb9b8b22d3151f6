// Data-parallel steps over SabCollective, whose registered arrays stepBuffer takes: the gradient
// is all-reduced where it lies in the group's shared memory, and every bit must match the same
// steps over createLocalGroup (private buffers, the reference).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchesForEpoch } from '../data/batching';
import { IGNORE_INDEX } from '../core/example';
import type { Collective } from '../collectives/collective';
import { createLocalGroup } from '../collectives/local-collective';
import { createSabGroup, SabCollective } from '../collectives/sab-collective';
import { PRESETS, type LlamaConfig } from '../model/config';
import { disposeParams, initWeights, isNormWeight, toVariables } from '../model/params';
import { mulberry32 } from '../core/prng';
import type { Example } from '../core/example';
import { ADAMW_DEFAULTS } from './adamw';
import { dataParallelStep, reduceGradients, ReplicatedAdamW, type DataParallelStepResult } from './data-parallel';
import { flatLayout, packTensors } from './flat';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V = 300;
const config: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: V };
const layout = flatLayout(config);
const adamw = { ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n: string) => !isNormWeight(n) };

function makeExamples(n: number, seed: number): Example[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rand() * 16);
    const inputIds = Array.from({ length: len }, () => 1 + Math.floor(rand() * (V - 1)));
    const prompt = Math.floor(rand() * (len - 1));
    return { inputIds, labels: inputIds.map((_, t) => (t < prompt || t === len - 1 ? IGNORE_INDEX : inputIds[t + 1])) };
  });
}
const examples = makeExamples(16, 3);
const batches = [1, 2].flatMap((e) => batchesForEpoch(examples.length, 8, 7, e)).slice(0, 3);

async function run(
  group: Collective[],
): Promise<{ weights: Float32Array; results: DataParallelStepResult[]; sharedGrad: boolean }[]> {
  return Promise.all(
    group.map(async (collective) => {
      const params = toVariables(config, initWeights(config, 7));
      const optimizer = new ReplicatedAdamW(layout, adamw);
      const rep = { collective, config, params, layout, optimizer, padId: 0, accumulationSteps: 2, maxGradNorm: 1 };
      const results: DataParallelStepResult[] = [];
      for (const b of batches) results.push(await dataParallelStep(rep, examples, b, 1e-3));
      const { grad } = await reduceGradients(rep, examples, batches[0]);
      const sharedGrad = grad.buffer instanceof SharedArrayBuffer;
      const weights = await packTensors(layout, params);
      optimizer.dispose();
      disposeParams(params);
      return { weights, results, sharedGrad };
    }),
  );
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('data-parallel steps over SabCollective registered arrays', () => {
  for (const simd of [true, false]) {
    it(`world 2 (${simd ? 'wasm' : 'js'} kernel): the gradient is reduced in shared memory, and parameters and step results match createLocalGroup bit for bit`, async () => {
      const memory = createSabGroup(2, 1024); // small chunks: the gradient (~0.1M floats) needs grown memory
      const sab = [0, 1].map((r) => new SabCollective(r, 2, memory, { simd }));
      const got = await run(sab);
      sab.forEach((c) => c.close());
      const want = await run(createLocalGroup(2));
      expect(got.map((g) => g.sharedGrad)).toEqual([true, true]);
      expect(want.map((g) => g.sharedGrad)).toEqual([false, false]);
      for (let r = 0; r < 2; r++) {
        expect(got[r].results).toEqual(want[r].results);
        expect(bits(got[r].weights)).toEqual(bits(want[r].weights));
      }
      expect(memory.buffer.byteLength).toBeGreaterThan(2 * (layout.total + 2) * 4);
    });
  }
});
