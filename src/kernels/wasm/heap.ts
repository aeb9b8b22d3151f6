// Work on tensor data in place for the JavaScript parts of the wasm fast path (transposes, head
// swaps, slices). Going through dataSync() and tf.tensor() costs two fresh copies per op: readSync
// slices the wasm heap into a new ArrayBuffer, and the new tensor copies a new Float32Array back in.
// Fresh buffers are what hurt: their pages are faulted in on first write, which on this sandboxed
// 2-core machine is ~18 µs per 4 KiB page (150 ms for 32 MiB; a warm 32 MiB copy is ~5 ms), and
// readSync alone was 12% of the reference train step. Here outputs are allocated on the backend's
// own heap (malloc reuses pages tfjs freed) and sources are read through views of that heap.
// Other backends get the same contract through dataSync and tf.tensor (cpu hands out its arrays
// without copying).
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function wasmBackend(): WasmBackendLike | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmBackendLike>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function'
    ? (b as WasmBackendLike)
    : null;
}

/** Reads a source tensor's float32 data; the array must not be written. */
export type Read = (t: tf.Tensor) => Float32Array;

/**
 * New float32 tensors of the given shapes, filled in place by fill(outs, read). Every output is
 * allocated before fill runs, and fill must allocate no tensor: on wasm the arrays are views of the
 * heap, which a growing heap would detach. Unwritten elements are unspecified (not zeroed).
 */
export function produce(shapes: number[][], fill: (outs: Float32Array[], read: Read) => void): tf.Tensor[] {
  for (const t of shapes) {
    if (!t.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`produce: bad shape [${t.join(', ')}]`);
  }
  const wasm = wasmBackend();
  if (!wasm) {
    const outs = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    fill(outs, (t) => t.dataSync() as Float32Array);
    return outs.map((o, i) => tf.tensor(o, shapes[i], 'float32'));
  }
  const infos = shapes.map((s) => wasm.makeOutput(s, 'float32'));
  // Views are taken after the last allocation, so none of them can have been detached.
  const read: Read = (t) => {
    if (t.dtype !== 'float32') throw new Error(`produce: source tensor must be float32, got ${t.dtype}`);
    return wasm.typedArrayFromHeap(t);
  };
  fill(
    infos.map((i) => wasm.typedArrayFromHeap(i)),
    read,
  );
  const engine = tf.engine() as unknown as { makeTensorFromTensorInfo(i: tf.TensorInfo): tf.Tensor };
  return infos.map((i) => engine.makeTensorFromTensorInfo(i));
}

/** One output: produce([shape], …)[0]. */
export function produceOne(shape: number[], fill: (out: Float32Array, read: Read) => void): tf.Tensor {
  return produce([shape], ([out], read) => fill(out, read))[0];
}
