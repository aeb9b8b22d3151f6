// tfjs-wasm's Identity kernel copies its input into new heap memory, and the engine runs Identity for
// every tensor an op saves for its gradient (Engine.saveTensorsForBackwardMode clones each one): on
// the reference train step that was ~2.5% of the time, copying activations that never change.
// Tensor data is immutable once written (every kernel and wasm-heap.ts's produce write only fresh
// outputs), so a clone can share its source's heap memory under a reference count, as tfjs-cpu's
// Identity does; BackendWasm frees the memory when the last holder is disposed.
import * as tf from '@tensorflow/tfjs-core';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

let installed = false;

/**
 * Replaces the wasm backend's Identity kernel with a sharing one (once per realm). Call after the
 * wasm backend is registered; returns whether it is in place.
 */
export function shareIdentityOnWasm(): boolean {
  if (installed) return true;
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (!original) return false; // the wasm backend is not registered in this bundle
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args); // strings live in JS, not the heap
      (args.backend as unknown as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
  return true;
}
