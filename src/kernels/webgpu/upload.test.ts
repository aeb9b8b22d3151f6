// uploadWebGPU on Dawn: the values arrive (int32 and float32), a steady stream of uploads takes its
// buffers from tfjs's pool (none created once one of each size was freed), the write orders after
// work already queued on a recycled buffer, and bad input is named.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startWebGPU } from '../../testing/webgpu-node';
import { countTfjsWebGPU, diffCounts } from './device-counter';
import { uploadWebGPU } from './upload';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-upload tests: ${gpu.reason}`);

describe.skipIf(!gpu.ok)('uploadWebGPU', () => {
  it('uploads int32 and float32 values into pooled buffers', async () => {
    await tf.setBackend('webgpu');
    const counter = countTfjsWebGPU();
    const ids = Int32Array.from({ length: 37 }, (_, i) => i * 7 - 100);
    const xs = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const a = uploadWebGPU(ids, [37], 'int32');
    const b = uploadWebGPU(xs, [3, 4], 'float32');
    expect(Array.from(await a.data())).toEqual(Array.from(ids));
    expect(Array.from(await b.data())).toEqual(Array.from(xs));
    expect(b.shape).toEqual([3, 4]);
    tf.dispose([a, b]);
    // Steady state: the same sizes again create no buffer, and every byte goes through writeBuffer.
    for (let round = 0; round < 3; round++) {
      const before = counter.counts();
      const c = uploadWebGPU(
        ids.map((v) => v + round),
        [37],
        'int32',
      );
      const sum = tf.sum(c);
      const got = (await sum.data())[0];
      const d = diffCounts(counter.counts(), before);
      expect(got).toBe(ids.reduce((s, v) => s + v + round, 0));
      if (round > 0) expect(d.buffersCreated).toBe(0);
      expect(d.bytesUploaded).toBe(37 * 4);
      tf.dispose([c, sum]);
    }
  });

  it('never overwrites a buffer that queued work still reads', async () => {
    await tf.setBackend('webgpu');
    const first = Float32Array.from({ length: 64 }, (_, i) => i);
    const x = uploadWebGPU(first, [64], 'float32');
    const y = tf.add(x, 1); // recorded, not yet submitted
    x.dispose(); // its buffer stays held until the pending commands are submitted
    const z = uploadWebGPU(new Float32Array(64).fill(-5), [64], 'float32'); // same size
    expect(Array.from(await y.data())).toEqual(Array.from(first, (v) => v + 1));
    expect(Array.from(await z.data())).toEqual(new Array(64).fill(-5));
    tf.dispose([y, z]);
  });

  it('names a length or type that does not fit', async () => {
    await tf.setBackend('webgpu');
    expect(() => uploadWebGPU(new Int32Array(5), [2, 3], 'int32')).toThrow(
      'uploadWebGPU: 5 values for shape [2,3] (6)',
    );
    expect(() => uploadWebGPU(new Float32Array(2), [2], 'int32')).toThrow(
      'uploadWebGPU: a Float32Array cannot fill a int32 tensor',
    );
    await tf.setBackend('cpu');
    expect(() => uploadWebGPU(new Int32Array(2), [2], 'int32')).toThrow(
      /needs the webgpu backend, the current one is cpu/,
    );
  });
});
