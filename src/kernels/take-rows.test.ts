import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, expect, it } from 'vitest';
import { takeRows } from './take-rows';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('takeRows equals a one-hot matmul in value and gradient, repeated indices summed', async () => {
  const table = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ]);
  const idx = tf.tensor1d([2, 0, 2, 3, 2], 'int32');
  const w = tf.tensor2d([
    [1, -1],
    [2, 0.5],
    [0, 3],
    [-2, 1],
    [4, 4],
  ]); // weights the rows differently
  const viaTake = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(takeRows(t as tf.Tensor2D, idx), w)));
  const viaOneHot = tf.grad((t: tf.Tensor) =>
    tf.sum(tf.mul(tf.matMul(tf.oneHot(idx, 4, 1, 0, 'float32'), t as tf.Tensor2D), w)),
  );
  expect(Array.from(await takeRows(table, idx).data())).toEqual([5, 6, 1, 2, 5, 6, 7, 8, 5, 6]);
  const a = Array.from(await viaTake(table).data());
  expect(a).toEqual(Array.from(await viaOneHot(table).data()));
  expect(a).toEqual([2, 0.5, 0, 0, 5, 6, -2, 1]); // row 2 = w0 + w2 + w4, row 1 untouched
});
