// The decode kernels (wasm-gemv.ts) on tfjs-wasm's heap in Node, against a float64 reference and
// tf.matMul: every row and column, column tails, fused output strides, and the shapes they refuse.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relErr } from '../../testing/rel-err';
import { mulberry32 } from '../../core/prng';
import { rowKernels, xWInto, xWtFits, xWtInto } from './gemv';
import { produceOne } from './heap';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');

const rand = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

/** y (R, N) = x (R, K) · w (K, N), each dot in float64. */
function referenceNN(w: Float32Array, x: Float32Array, R: number, N: number, K: number): Float64Array {
  const y = new Float64Array(R * N);
  for (let r = 0; r < R; r++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[r * K + k] * w[k * N + j];
      y[r * N + j] = s;
    }
  return y;
}

/** y (R, N) = x (R, K) · wᵀ, w (N, K), each dot in float64. */
function reference(w: Float32Array, x: Float32Array, R: number, N: number, K: number): Float64Array {
  const y = new Float64Array(R * N);
  for (let r = 0; r < R; r++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[r * K + k] * w[j * K + k];
      y[r * N + j] = s;
    }
  return y;
}

describe('row kernels on the wasm heap', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('builds on wasm (Node 20 has SIMD) and not on cpu', async () => {
    expect(rowKernels()).not.toBeNull();
    await tf.setBackend('cpu');
    expect(rowKernels()).toBeNull();
    await tf.setBackend('wasm');
  });

  for (const [R, N, K] of [
    [1, 4, 4],
    [1, 4096, 256],
    [1, 256, 688],
    [3, 12, 20],
    [2, 1376, 256],
    [5, 8, 1024],
    [1, 1, 8],
    [2, 7, 12],
    [1, 4099, 64],
  ]) {
    it(`(${R}, ${K}) · (${N}, ${K})ᵀ matches a float64 reference and tf.matMul`, () => {
      const kernel = rowKernels()!;
      const w = tf.tensor2d(rand(N * K, N + K), [N, K]);
      const x = tf.tensor2d(rand(R * K, R * 7 + 1), [R, K]);
      const y = produceOne([R, N], (out, read) => xWtInto(kernel, read(w), read(x), R, out, N));
      const got = y.dataSync() as Float32Array;
      const want = reference(w.dataSync() as Float32Array, x.dataSync() as Float32Array, R, N, K);
      // float32 dots of K terms: a few ulps of the terms' magnitude, far below a wrong index or row.
      expect(relErr(got, want)).toBeLessThan(1e-6);
      const mm = tf.matMul(x, w, false, true);
      expect(relErr(got, mm.dataSync())).toBeLessThan(1e-6);
      tf.dispose([w, x, y, mm]);
    });
  }

  for (const [R, K, N] of [
    [1, 96, 64],
    [2, 5, 64],
    [3, 1, 4],
    [1, 7, 6],
    [2, 33, 3],
    [4, 100, 130],
  ]) {
    it(`xW: (${R}, ${K}) · (${K}, ${N}) matches a float64 reference and tf.matMul, rows at a stride`, () => {
      const kernel = rowKernels()!;
      const w = tf.tensor2d(rand(K * N, K + N), [K, N]);
      const x = tf.tensor2d(rand(R * K, R + 5), [R, K]);
      const S = N + 3; // 3 spare columns per row that must keep their sentinel
      const y = produceOne([R, S], (out, read) => {
        out.fill(7);
        xWInto(kernel, read(w), read(x), R, out, S);
      });
      const got = y.dataSync() as Float32Array;
      const want = referenceNN(w.dataSync() as Float32Array, x.dataSync() as Float32Array, R, N, K);
      const mm = tf.matMul(x, w).dataSync();
      for (let r = 0; r < R; r++) {
        expect(relErr(got.subarray(r * S, r * S + N), want.subarray(r * N, (r + 1) * N))).toBeLessThan(1e-6);
        expect(relErr(got.subarray(r * S, r * S + N), mm.subarray(r * N, (r + 1) * N))).toBeLessThan(1e-6);
        expect(Array.from(got.subarray(r * S + N, (r + 1) * S))).toEqual([7, 7, 7]);
      }
      tf.dispose([w, x, y]);
    });
  }

  it('writes rows at a stride, leaving the other columns alone (fused q|k|v outputs)', () => {
    const kernel = rowKernels()!;
    const [R, K, N1, N2] = [3, 16, 8, 12];
    const w1 = tf.tensor2d(rand(N1 * K, 1), [N1, K]);
    const w2 = tf.tensor2d(rand(N2 * K, 2), [N2, K]);
    const x = tf.tensor2d(rand(R * K, 3), [R, K]);
    const S = N1 + N2 + 4; // 4 spare columns per row that must keep their sentinel
    const y = produceOne([R, S], (out, read) => {
      out.fill(7);
      xWtInto(kernel, read(w1), read(x), R, out, S);
      xWtInto(kernel, read(w2), read(x), R, out.subarray(N1), S);
    });
    const got = y.dataSync() as Float32Array;
    const r1 = reference(w1.dataSync() as Float32Array, x.dataSync() as Float32Array, R, N1, K);
    const r2 = reference(w2.dataSync() as Float32Array, x.dataSync() as Float32Array, R, N2, K);
    for (let r = 0; r < R; r++) {
      expect(relErr(got.subarray(r * S, r * S + N1), r1.subarray(r * N1, (r + 1) * N1))).toBeLessThan(1e-6);
      expect(relErr(got.subarray(r * S + N1, r * S + N1 + N2), r2.subarray(r * N2, (r + 1) * N2))).toBeLessThan(1e-6);
      expect(Array.from(got.subarray(r * S + N1 + N2, (r + 1) * S))).toEqual([7, 7, 7, 7]);
    }
    tf.dispose([w1, w2, x, y]);
  });

  it('refuses an input width that is not a multiple of 4, and outputs too short, naming the sizes', () => {
    const kernel = rowKernels()!;
    expect(xWtFits(8, 6)).toBe(false);
    expect(xWtFits(7, 8)).toBe(true);
    const w = new Float32Array(8 * 6);
    expect(() => xWtInto(kernel, w, new Float32Array(6), 1, new Float32Array(8), 8)).toThrow(
      /1 row\(s\) of 6 floats do not make/,
    );
    expect(() => xWtInto(kernel, new Float32Array(32), new Float32Array(8), 1, new Float32Array(3), 4)).toThrow(
      /3 floats cannot hold 1 row\(s\) of 4 at stride 4/,
    );
    expect(() => xWInto(kernel, new Float32Array(10), new Float32Array(4), 1, new Float32Array(8), 8)).toThrow(
      /xW: a matrix of 10 floats and 1 row\(s\) of 4 floats/,
    );
    expect(() => xWInto(kernel, new Float32Array(32), new Float32Array(8), 2, new Float32Array(9), 8)).toThrow(
      /xW: an output of 9 floats cannot hold 2 row\(s\) of 8 at stride 8/,
    );
  });
});
