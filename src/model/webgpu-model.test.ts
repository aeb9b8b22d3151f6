// The hand-written WebGPU kernels wired into the model (RMSNorm, rotary, cross-entropy) against the
// plain ops on the same webgpu backend (Dawn on SwiftShader in Node): logits, loss and every
// parameter gradient of a small GQA model to 1e-4.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { relErr, startWebGPU } from '../testing/webgpu-node';
import type { LlamaConfig } from './config';
import { forward } from './llama';
import { disposeParams, initWeights, toVariables } from './params';
import { setWebGPUKernels, useWebGPUKernels } from '../kernels/path-mode';
import { lossAndGrads } from '../train/step';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-model tests: ${gpu.reason}`);
afterAll(() => setWebGPUKernels('auto'));

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

describe.skipIf(!gpu.ok)('the model on webgpu with its fused kernels', () => {
  it("are on by default on webgpu, and give the plain ops' logits, loss and gradients", async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    expect(useWebGPUKernels()).toBe(true);
    const params = toVariables(CFG, initWeights(CFG, 11, 0.2));
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % CFG.vocabSize);
    const labels = Int32Array.from({ length: B * T }, (_, i) => (i % T < 3 ? -100 : (i * 5 + 1) % CFG.vocabSize));
    const batch = { ids, labels, batchSize: B, seqLen: T };
    const run = async (mode: 'on' | 'off') => {
      setWebGPUKernels(mode);
      const idsT = tf.tensor2d(ids, [B, T], 'int32');
      const { logits, cache } = forward(params, CFG, idsT);
      const out = {
        logits: await logits.data(),
        ...(await (async () => {
          const r = lossAndGrads(params, CFG, batch);
          const grads = new Map<string, Float32Array>();
          for (const [n, g] of r.grads) grads.set(n, (await g.data()) as Float32Array);
          const loss = (await r.loss.data())[0];
          tf.dispose([r.loss, ...r.grads.values()]);
          return { loss, grads };
        })()),
      };
      tf.dispose([idsT, logits, ...cache.k, ...cache.v]);
      setWebGPUKernels('auto');
      return out;
    };
    const fused = await run('on');
    const plain = await run('off');
    expect(relErr(fused.logits, plain.logits)).toBeLessThan(1e-4);
    expect(Math.abs(fused.loss - plain.loss) / plain.loss).toBeLessThan(1e-4);
    expect([...fused.grads.keys()].sort()).toEqual([...params.keys()].sort());
    for (const [name, g] of plain.grads)
      expect(relErr(fused.grads.get(name)!, g), `gradient of ${name}`).toBeLessThan(1e-4);
    disposeParams(params);
  });
});
