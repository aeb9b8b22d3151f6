// The sharing Identity kernel on wasm: clones share heap memory, survive their source's disposal,
// free it when the last one goes, and training gradients are unchanged.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { shareIdentityOnWasm } from './identity';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');

interface WasmBackend {
  getMemoryOffset(d: tf.DataId): number;
  numDataIds(): number;
}

it('clones share the heap, outlive their source, and gradients match the copying kernel', async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  const backend = tf.backend() as unknown as WasmBackend;
  const grad = () => {
    const x = tf.tensor2d([0.5, -1, 2, 3, 0.25, -4], [2, 3]);
    const w = tf.tensor2d([1, 2, -1, 0.5, 3, 1], [3, 2]);
    // mul and matMul save their inputs for the gradient: the engine clones them through Identity.
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
          tf.sigmoid(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)),
        ),
      ),
    )([x, w]);
    const out = Promise.all(g.map((t) => t.data()));
    return out.then((vals) => (tf.dispose([x, w, ...g]), vals.map((v) => Array.from(v))));
  };
  const copying = await grad();

  expect(shareIdentityOnWasm()).toBe(true);
  expect(shareIdentityOnWasm()).toBe(true); // idempotent
  const before = backend.numDataIds();
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.clone(a);
  expect(backend.getMemoryOffset(b.dataId)).toBe(backend.getMemoryOffset(a.dataId));
  expect(backend.numDataIds()).toBe(before + 1); // one buffer, two tensors
  a.dispose();
  expect(Array.from(await b.data())).toEqual([1, 2, 3]);
  b.dispose();
  expect(backend.numDataIds()).toBe(before); // freed with the last holder

  expect(await grad()).toEqual(copying);
});
