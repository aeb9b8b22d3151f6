// The wasm fast path (matmul.ts, rope.ts, rmsnorm.ts, cross-entropy.ts) against the plain-op
// reference path, on the wasm backend in Node (single-threaded SIMD binary) and on cpu with the fast
// path forced on: forward logits, loss and every parameter gradient of a small GQA model to 1e-4.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorRelErr } from '../../testing/rel-err';
import type { LlamaConfig } from '../../model/config';
import { disposeCache, forward } from '../../model/llama';
import { disposeParams, initWeights, toVariables } from '../../model/params';
import { mulberry32 } from '../../core/prng';
import { bmm, linearFast, swapMiddle, transpose2d } from './matmul';
import { fastPathMode, setFastPath, useFastPath } from '../path-mode';
import { rmsNorm } from '../plain';
import { rmsNormFast } from './rmsnorm';
import { shareIdentityOnWasm } from './identity';
import { crossEntropy } from '../ops';
import { lossAndGrads } from '../../train/step';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
shareIdentityOnWasm(); // as the app's workers run it (src/runtime/backend.ts)

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

function randomBatch(seed: number) {
  const rand = mulberry32(seed);
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(rand() * CFG.vocabSize));
  // Some positions unsupervised, as prompts are; repeated targets exercise the scatter.
  const labels = Int32Array.from({ length: B * T }, (_, i) => (i % T < 3 ? -100 : Math.floor(rand() * CFG.vocabSize)));
  return { ids, labels, batchSize: B, seqLen: T };
}

/** Runs f with the fast path forced to m, restoring 'auto' after. */
function withMode<R>(m: 'on' | 'off', f: () => R): R {
  setFastPath(m);
  try {
    return f();
  } finally {
    setFastPath('auto');
  }
}

afterAll(() => setFastPath('auto'));

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fast path equals the reference path on ${backend}`, () => {
    it('switches on for wasm only in auto mode', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      expect(fastPathMode()).toBe('auto');
      expect(useFastPath()).toBe(backend === 'wasm');
      expect(() => setFastPath('fast' as 'on')).toThrow(/'auto', 'on' or 'off', got fast/);
    });

    it('linear and grouped bmm (plain and transposed b) match matMul in values and gradients, with G = 1 and G = 3', async () => {
      await tf.setBackend(backend);
      const rand = mulberry32(7);
      const t = (shape: number[]) =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rand() * 2 - 1),
          shape,
        );
      const x = t([5, 6]);
      const w = t([7, 6]);
      const gy = t([5, 7]); // weights the outputs so every gradient entry matters
      const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), gy)),
      );
      const fast = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(linearFast(a as tf.Tensor2D, b as tf.Tensor2D), gy)),
      );
      expect(
        await tensorRelErr(linearFast(x as tf.Tensor2D, w as tf.Tensor2D), tf.matMul(x, w, false, true)),
      ).toBeLessThan(1e-6);
      for (const [g, r] of fast([x, w]).map((g, i) => [g, ref([x, w])[i]]))
        expect(await tensorRelErr(g, r)).toBeLessThan(1e-6);
      for (const [G, transB] of [
        [1, false],
        [3, false],
        [1, true],
        [3, true],
      ] as const) {
        const a = t([2 * G * 2, 4, 5]); // (batch 2 × KV 2 × G, M, K)
        const b = transB ? t([4, 3, 5]) : t([4, 5, 3]); // (batch 2 × KV 2, K, P), or (…, P, K) to use transposed
        const dy = t([2 * G * 2, 4, 3]);
        // Reference: repeat each b slice G times (repeat_kv) and use tfjs's batched matmul.
        const rep = (m: tf.Tensor) =>
          tf.reshape(tf.tile(tf.reshape(m, [4, 1, 15]), [1, G, 1]), [4 * G, m.shape[1]!, m.shape[2]!]) as tf.Tensor3D;
        const plain = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p as tf.Tensor3D, rep(q), false, transB);
        const refB = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(plain(p, q), dy)));
        const fastB = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(bmm(p as tf.Tensor3D, q as tf.Tensor3D, transB), dy)),
        );
        expect(await tensorRelErr(bmm(a as tf.Tensor3D, b as tf.Tensor3D, transB), plain(a, b))).toBeLessThan(1e-6);
        const [fa, fb] = fastB([a, b]);
        const [ra, rb] = refB([a, b]);
        expect(await tensorRelErr(fa, ra)).toBeLessThan(1e-6);
        expect(await tensorRelErr(fb, rb)).toBeLessThan(1e-6); // dB sums the G query slices that read each slice
      }
      const x4 = t([2, 3, 4, 5]);
      expect(Array.from(await swapMiddle(x4 as tf.Tensor4D).data())).toEqual(
        Array.from(await tf.transpose(x4, [0, 2, 1, 3]).data()),
      );
      const x2 = t([37, 70]); // not a multiple of the 32-wide tile
      expect(Array.from(await transpose2d(x2 as tf.Tensor2D).data())).toEqual(
        Array.from(await tf.transpose(x2).data()),
      );
      expect(() => bmm(t([3, 4, 5]) as tf.Tensor3D, t([2, 5, 3]) as tf.Tensor3D)).toThrow(
        /batch 3 must be a multiple of 2/,
      );
    });

    it('RMSNorm with its hand-written gradient matches the plain ops in value and both gradients', async () => {
      await tf.setBackend(backend);
      const rand = mulberry32(13);
      const t = (shape: number[], s = 1) =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => s * (rand() * 2 - 1)),
          shape,
        );
      const x = t([37, 70], 3) as tf.Tensor2D;
      const w = t([70]) as tf.Tensor1D;
      const dy = t([37, 70]);
      const loss = (f: (a: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor1D), dy)));
      expect(await tensorRelErr(rmsNormFast(x, w, 1e-5), rmsNorm(x, w, 1e-5))).toBeLessThan(1e-6);
      const [fx, fw] = loss((a, b) => rmsNormFast(a, b, 1e-5))([x, w]);
      const [rx, rw] = loss((a, b) => rmsNorm(a, b, 1e-5))([x, w]);
      expect(await tensorRelErr(fx, rx)).toBeLessThan(1e-5);
      expect(await tensorRelErr(fw, rw)).toBeLessThan(1e-5);
    });

    it('fused cross-entropy matches the reference in value and gradient, mean and sum', async () => {
      await tf.setBackend(backend);
      const rand = mulberry32(3);
      const logits = tf.tensor2d(
        Float32Array.from({ length: 6 * 11 }, () => 8 * rand() - 4),
        [6, 11],
      );
      const targets = Int32Array.from([0, 10, 3, 3, 7, 0]);
      for (const red of ['mean', 'sum'] as const) {
        const run = (m: 'on' | 'off') =>
          withMode(m, () => tf.valueAndGrad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, targets, red))(logits));
        const [f, r] = [run('on'), run('off')];
        expect(await tensorRelErr(f.value, r.value)).toBeLessThan(1e-6);
        expect(await tensorRelErr(f.grad, r.grad)).toBeLessThan(1e-5);
      }
      expect(() => crossEntropy(logits, Int32Array.from([1, 2]))).toThrow(/6 logit rows but 2 targets/);
    });

    it('forward logits (with and without a KV cache), the loss and every parameter gradient of a GQA model agree to 1e-4', async () => {
      await tf.setBackend(backend);
      const params = toVariables(CFG, initWeights(CFG, 11, 0.2)); // larger init: non-trivial attention
      const batch = randomBatch(5);
      const ids = tf.tensor2d(batch.ids, [B, T], 'int32');
      const logits = (m: 'on' | 'off') => withMode(m, () => forward(params, CFG, ids).logits);
      expect(await tensorRelErr(logits('on'), logits('off'))).toBeLessThan(1e-4);

      // Generation's shape: a cached prefix with left padding, then one new position per row.
      const cached = (m: 'on' | 'off') =>
        withMode(m, () => {
          const keyMask = tf.tensor2d([
            [0, 0, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1],
          ]);
          const first = forward(params, CFG, tf.slice(ids, [0, 0], [B, 5]), {
            wantCache: true,
            keyMask: tf.slice(keyMask, [0, 0], [B, 5]),
            positionOffsets: [2, 0],
          });
          const next = forward(params, CFG, tf.slice(ids, [0, 5], [B, 1]), {
            cache: first.cache,
            keyMask,
            positionOffsets: [2, 0],
          });
          disposeCache(first.cache);
          return next.logits;
        });
      expect(await tensorRelErr(cached('on'), cached('off'))).toBeLessThan(1e-4);

      const fast = withMode('on', () => lossAndGrads(params, CFG, batch));
      const ref = withMode('off', () => lossAndGrads(params, CFG, batch));
      expect(await tensorRelErr(fast.loss, ref.loss)).toBeLessThan(1e-4);
      expect([...fast.grads.keys()].sort()).toEqual([...params.keys()].sort());
      for (const [name, g] of ref.grads) {
        const err = await tensorRelErr(fast.grads.get(name)!, g);
        expect(err, `gradient of ${name}`).toBeLessThan(1e-4);
      }
      disposeParams(params);
    });
  });
}
