// A batch's ids and labels onto the GPU without a new buffer. tfjs-webgpu uploads a tensor made on
// the CPU through a staging buffer it creates (mappedAtCreation) and destroys after the copy: a
// buffer created and destroyed for every array of every step. Here the tensor's storage comes from
// tfjs's own buffer pool (released buffers of the same size are reused, so a steady run creates
// none) and the values go in by queue.writeBuffer, which orders after everything already submitted.
// A pooled buffer is only free once the commands that used it were submitted (tfjs releases it at
// submit, or at once when no pending command holds it), so nothing still queued can see the write.
import * as tf from '@tensorflow/tfjs-core';
import { assertWebGPU } from './kernels';

interface BackendInternals {
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorMap: { get(dataId: object): { resource: GPUBuffer } };
  queue: GPUQueue;
}

/** values (int32 or float32) as a tensor of `shape` on the webgpu backend, written into a pooled buffer. */
export function uploadWebGPU(
  values: Int32Array | Float32Array,
  shape: number[],
  dtype: 'int32' | 'float32',
): tf.Tensor {
  assertWebGPU('uploadWebGPU');
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`uploadWebGPU: ${values.length} values for shape [${shape}] (${n})`);
  if ((dtype === 'int32') !== values instanceof Int32Array)
    throw new Error(`uploadWebGPU: a ${values.constructor.name} cannot fill a ${dtype} tensor`);
  if (n === 0) return tf.tensor(values, shape, dtype);
  const b = tf.backend() as unknown as BackendInternals;
  const info = b.makeTensorInfo(shape, dtype); // no values: uploadToGPU takes a pooled buffer and copies nothing
  b.uploadToGPU(info.dataId);
  b.queue.writeBuffer(b.tensorMap.get(info.dataId).resource, 0, values.buffer, values.byteOffset, values.byteLength);
  return tf.engine().makeTensorFromTensorInfo(info);
}
