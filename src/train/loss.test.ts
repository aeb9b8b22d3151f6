import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, expect, it } from 'vitest';
import { supervised } from './loss';
import { crossEntropy } from '../kernels/ops';
import { IGNORE_INDEX } from '../core/example';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('crossEntropy equals −mean log softmax at the targets, and its gradient is softmax − onehot over N', async () => {
  const logits = [
    [2, 0, -1],
    [0.5, 0.5, 3],
    [-2, 1, 0],
  ];
  const targets = [0, 2, 1];
  const ref =
    -targets.reduce((s, y, i) => {
      const row = logits[i];
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
      return s + row[y] - lse;
    }, 0) / 3;
  const L = tf.tensor2d(logits);
  const T = Int32Array.from(targets);
  expect((await crossEntropy(L, T).data())[0]).toBeCloseTo(ref, 6);
  const g = (await tf
    .grad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, T))(L)
    .array()) as number[][];
  logits.forEach((row, i) => {
    const z = row.reduce((a, x) => a + Math.exp(x), 0);
    row.forEach((x, j) => expect(g[i][j]).toBeCloseTo((Math.exp(x) / z - (j === targets[i] ? 1 : 0)) / 3, 6));
  });
});

it('supervised picks exactly the labelled positions of a (B, T) batch', () => {
  const I = IGNORE_INDEX;
  const s = supervised({
    ids: new Int32Array(6),
    labels: Int32Array.from([I, 5, 6, I, I, 7]),
    batchSize: 2,
    seqLen: 3,
  });
  expect(Array.from(s.rows)).toEqual([1, 2, 5]);
  expect(Array.from(s.targets)).toEqual([5, 6, 7]);
});
