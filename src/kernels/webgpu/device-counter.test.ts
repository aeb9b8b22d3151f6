// The device counter on Dawn (SwiftShader): what one tfjs op and one read cost, counted exactly —
// an upload of the input, one labelled dispatch, one readback of the output's bytes — and that
// a second identical op compiles nothing and creates no buffer once tfjs's pool holds one.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startWebGPU } from '../../testing/webgpu-node';
import { countTfjsWebGPU, diffCounts, scaleCounts } from './device-counter';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED device-counter tests: ${gpu.reason}`);

describe.skipIf(!gpu.ok)('countTfjsWebGPU', () => {
  it('counts the upload, dispatch, compile and readback of one op', async () => {
    await tf.setBackend('webgpu');
    const counter = countTfjsWebGPU();
    const n = 1000;
    const x = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i));
    const before = counter.counts();
    const y = tf.add(x, x);
    const values = await y.data();
    const d = diffCounts(counter.counts(), before);
    expect(values[999]).toBe(1998);
    expect(d.bytesUploaded).toBe(4 * n); // x, once
    expect(d.dispatches).toBe(1);
    expect(d.dispatchesBy).toEqual({ BinaryOpProgram: 1 });
    expect(d.pipelines).toBe(1);
    expect(d.compileMs).toBeGreaterThan(0);
    expect(d.readbacks).toBe(1);
    expect(d.bytesRead).toBe(4 * n);
    expect(d.uniformBytes).toBeGreaterThan(0); // shapes and strides of the program
    expect(d.submits).toBeGreaterThanOrEqual(1);
    y.dispose();

    // Again: the pipeline is cached and every buffer comes back from tfjs's pool.
    const again = counter.counts();
    const z = tf.add(x, x);
    await z.data();
    const e = diffCounts(counter.counts(), again);
    expect(e.pipelines).toBe(0);
    expect(e.bytesUploaded).toBe(0);
    expect(e.buffersCreated).toBe(0);
    expect(e.dispatches).toBe(1);
    expect(scaleCounts(e, 2).dispatches).toBe(0.5);
    tf.dispose([x, z]);
  });

  it('refuses another backend by name', async () => {
    await tf.setBackend('cpu');
    expect(() => countTfjsWebGPU()).toThrow(/current backend is cpu, not webgpu/);
    await tf.setBackend('webgpu');
  });
});
