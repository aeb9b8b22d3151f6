// The one-pipeline WebGPU GEMM (Dawn on SwiftShader in Node) against tf.matMul on the cpu backend
// (the plain path): value and both gradients to 1e-4 relative for every transpose combination, at
// sizes that are not multiples of the 32 × 32 tile (odd, prime, below and above one tile), batched
// (the attention's products), rank 2 (the linear layers) and a rank-2 operand broadcast over a batch.
// Then the point of it: every product and gradient of those shapes compiles one pipeline.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU, uniform, valueAndGrads } from '../../testing/webgpu-node';
import { mulberry32 } from '../../core/prng';
import { liveTensors } from '../../testing/live-tensors';
import { matMulWebGPU } from './matmul';
import { countTfjsWebGPU, diffCounts } from './device-counter';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-matmul tests: ${gpu.reason}`);

/** Stored shapes of A and B for op(A) (…, M, K) · op(B) (…, K, N). */
function shapes(lead: number[], M: number, K: number, N: number, tA: boolean, tB: boolean): [number[], number[]] {
  return [
    [...lead, ...(tA ? [K, M] : [M, K])],
    [...lead, ...(tB ? [N, K] : [K, N])],
  ];
}

/**
 * Rel errors of value, dA, dB against tf.matMul on cpu. A rank-2 operand against a batched one is
 * tiled over the batch for the reference (tfjs's own BatchMatMul gradient refuses that broadcast),
 * so its reference gradient is the sum over the batch.
 */
async function check(aShape: number[], bShape: number[], tA: boolean, tB: boolean, seed: number): Promise<number[]> {
  const rand = mulberry32(seed);
  const a = uniform(rand, aShape);
  const b = uniform(rand, bShape);
  const batch = Math.max(aShape.length > 2 ? aShape[0] : 1, bShape.length > 2 ? bShape[0] : 1);
  const tiled = (t: tf.Tensor) => (t.rank === 2 && batch > 1 ? tf.tile(tf.expandDims(t, 0), [batch, 1, 1]) : t);
  const plain = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(tiled(x), tiled(y), tA, tB);
  const outShape = tf.tidy(() => plain(tf.zeros(aShape), tf.zeros(bShape)).shape);
  const gy = uniform(rand, outShape);
  const ref = await valueAndGrads('cpu', plain, [a, b], gy);
  const before = liveTensors();
  const got = await valueAndGrads('webgpu', (x, y) => matMulWebGPU(x, y, tA, tB), [a, b], gy);
  expect(liveTensors()).toBe(before);
  expect(got.value.length).toBe(ref.value.length);
  return [relErr(got.value, ref.value), relErr(got.grads[0], ref.grads[0]), relErr(got.grads[1], ref.grads[1])];
}

const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe.skipIf(!gpu.ok)(`matMulWebGPU equals tf.matMul (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  for (const [tA, tB] of TRANSPOSES) {
    it(`transposeA ${tA}, transposeB ${tB}: rank 2 and batched, odd sizes`, async () => {
      const cases: Array<[number[], number, number, number]> = [
        [[], 37, 45, 29], // under one tile, none a multiple of 4
        [[], 70, 33, 65], // just over two tiles and one tile
        [[3], 5, 67, 41], // batched, K over two tiles
        [[2, 2], 33, 8, 31], // rank 4 (B, KV, rows, D), as the attention's products
      ];
      for (const [i, [lead, M, K, N]] of cases.entries()) {
        const [as, bs] = shapes(lead, M, K, N, tA, tB);
        const errs = await check(as, bs, tA, tB, 10 + i);
        console.log(`gemm tA ${tA} tB ${tB} [${as}]·[${bs}]: ${errs.map((e) => e.toExponential(1)).join(', ')}`);
        for (const e of errs) expect(e).toBeLessThan(1e-4);
      }
    });
  }

  it('broadcasts a rank-2 operand over the other one’s batch, its gradient summed', async () => {
    for (const [as, bs, tA, tB] of [
      [[3, 9, 13], [11, 13], false, true],
      [[6, 5], [2, 6, 7], true, false],
    ] as Array<[number[], number[], boolean, boolean]>) {
      const errs = await check(as, bs, tA, tB, 3);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    }
  });

  it('compiles one pipeline for products and gradients of every shape and transpose', async () => {
    await tf.setBackend('webgpu');
    const cache = (tf.backend() as WebGPUBackend as unknown as { pipelineCache: Record<string, unknown> })
      .pipelineCache;
    const gemmKeys = () => Object.keys(cache).filter((k) => k.startsWith('studioGemm'));
    const rand = mulberry32(1);
    for (const [tA, tB] of TRANSPOSES)
      for (const [M, K, N] of [
        [64, 64, 64], // square: tfjs keys in-shape = out-shape
        [1, 7, 1], // one row, one column
        [160, 64, 172],
      ]) {
        const [as, bs] = shapes([2], M, K, N, tA, tB);
        const a = tf.tensor(uniform(rand, as).data, as);
        const b = tf.tensor(uniform(rand, bs).data, bs);
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMulWebGPU(x, y, tA, tB)))([a, b]);
        await Promise.all(g.map((t) => t.data()));
        tf.dispose([a, b, ...g]);
      }
    expect(gemmKeys(), gemmKeys().join('\n')).toHaveLength(1);
  });

  it('computes no gradient product for an operand the gradient is not taken of (a frozen weight)', async () => {
    await tf.setBackend('webgpu');
    const rand = mulberry32(2);
    const x = tf.tensor(uniform(rand, [40, 24]).data, [40, 24]);
    const w = tf.tensor(uniform(rand, [36, 24]).data, [36, 24]);
    const counter = countTfjsWebGPU();
    const gemms = async (of: tf.Tensor[]) => {
      const before = counter.counts();
      const g = tf.grads((...a: tf.Tensor[]) => tf.sum(matMulWebGPU(a[0], a.length > 1 ? a[1] : w, false, true)))(of);
      await Promise.all(g.map((t) => t.data()));
      tf.dispose(g);
      return diffCounts(counter.counts(), before).dispatchesBy.GemmProgram;
    };
    expect(await gemms([x, w])).toBe(3); // forward, dx, dW
    expect(await gemms([x])).toBe(2); // forward, dx: W frozen
    tf.dispose([x, w]);
  });

  it('names mismatched operands', async () => {
    await tf.setBackend('webgpu');
    const a = tf.zeros([2, 3, 4]);
    const b = tf.zeros([3, 5, 4]);
    expect(() => matMulWebGPU(a, b, false, true)).toThrow('matMulWebGPU: batch dimensions [2] and [3] must be equal');
    const c = tf.zeros([5, 6]);
    expect(() => matMulWebGPU(a, c)).toThrow('matMulWebGPU: inner sizes differ (4 and 5)');
    tf.dispose([a, b, c]);
  });
});
