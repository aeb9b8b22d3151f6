// LoRA on the webgpu backend (Dawn on SwiftShader in Node) with its fused kernels: B = 0 leaves the
// base's logits bit for bit, and the adapter gradients (the only ones) match the cpu backend's.
// (Generation decodes merged weights through the plain decoder: lora.test.ts covers it; on
// SwiftShader each decode shape compiles new shaders, ~40 s for a few tokens.)
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng';
import { relErr, startWebGPU } from '../testing/webgpu-node';
import { lossAndGrads } from '../train/step';
import type { LlamaConfig } from './config';
import { forward } from './llama';
import { initLora, loraShapes } from './lora';
import { disposeParams, initWeights, toVariables } from './params';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED lora-webgpu tests: ${gpu.reason}`);

const BASE: LlamaConfig = {
  vocabSize: 61,
  hiddenSize: 32,
  intermediateSize: 40,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
};
const C: LlamaConfig = {
  ...BASE,
  lora: { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] },
};
const B = 2;
const T = 9;
const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % BASE.vocabSize);
const labels = Int32Array.from({ length: B * T }, (_, i) => (i % T < 3 ? -100 : (i * 5 + 1) % BASE.vocabSize));
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const base = initWeights(BASE, 11, 0.2);
const withB = (scale: number) => {
  const a = initLora(C, 3);
  const rand = mulberry32(4);
  for (const [name, s] of loraShapes(C))
    if (name.includes('.lora_B.'))
      a.set(
        name,
        Float32Array.from({ length: s[0] * s[1] }, () => scale * (2 * rand() - 1)),
      );
  return new Map([...base, ...a]);
};

async function logits(c: LlamaConfig, w: Map<string, Float32Array>): Promise<Float32Array> {
  const p = toVariables(c, w);
  const x = tf.tensor2d(ids, [B, T], 'int32');
  const { logits: l } = forward(p, c, x);
  const out = (await l.data()) as Float32Array;
  tf.dispose([x, l]);
  disposeParams(p);
  return out;
}

async function grads(w: Map<string, Float32Array>): Promise<Map<string, Float32Array>> {
  const p = toVariables(C, w);
  const r = lossAndGrads(p, C, { ids, labels, batchSize: B, seqLen: T });
  const out = new Map<string, Float32Array>();
  for (const [n, g] of r.grads) out.set(n, (await g.data()) as Float32Array);
  tf.dispose([r.loss, ...r.grads.values()]);
  disposeParams(p);
  return out;
}

describe.skipIf(!gpu.ok)('LoRA on webgpu', () => {
  it('B = 0 gives the base logits bit for bit; adapter gradients match the cpu backend', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    expect(bits(await logits(C, withB(0)))).toEqual(bits(await logits(BASE, base)));
    const gpuGrads = await grads(withB(0.3));
    await tf.setBackend('cpu');
    const cpuGrads = await grads(withB(0.3));
    expect([...gpuGrads.keys()]).toEqual(loraShapes(C).map(([n]) => n)); // adapters only
    for (const [name, g] of cpuGrads) expect(relErr(gpuGrads.get(name)!, g), name).toBeLessThan(1e-4);
  });
});
