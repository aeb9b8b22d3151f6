// The WebGPU step anatomy on Dawn (SwiftShader), as the bench counts it, held to issue 16's targets
// for a steady optimizer step: no pipeline compiled, no buffer created, one readback (the step gate:
// loss, norm, clip factor, finite flag), nothing uploaded but the batch (ids, the supervised rows and
// their targets), and a bounded number of dispatches per layer (see the README's anatomy table
// for what a layer's dispatches are). One generated token: one readback (the argmax).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startWebGPU } from '../testing/webgpu-node';
import { measureStepAnatomy, measureTokenAnatomy } from './anatomy';
import type { TrainWorkload } from './types';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED anatomy tests: ${gpu.reason}`);

/** The tiny preset (2 layers) at a short sequence: the counts do not depend on T (only the bytes do). */
const W: TrainWorkload = {
  name: 'tiny',
  method: 'full',
  batch: 2,
  seqLen: 24,
  warmup: 2,
  timed: 1,
  profileMemory: false,
};

describe.skipIf(!gpu.ok)('WebGPU step anatomy (tiny preset, Dawn)', () => {
  it('a steady step compiles nothing, creates no buffer, reads back once and uploads only its batch', async () => {
    await tf.setBackend('webgpu');
    const a = await measureStepAnatomy(W, console.log);
    const s = a.steady;
    expect(s.pipelines).toBe(0);
    expect(s.buffersCreated).toBe(0);
    expect(s.buffersDestroyed).toBe(0);
    expect(s.readbacks).toBe(1);
    expect(s.bytesRead).toBe(16); // [loss, ‖g‖, clip factor, finite]
    const tokens = W.batch * W.seqLen; // every position labelled (randomBatch)
    expect(s.bytesUploaded).toBe(3 * 4 * tokens); // ids, supervised rows, targets: int32 each
    expect(s.dispatches).toBe(Object.values(s.dispatchesBy).reduce((x, y) => x + y, 0));
    // One fused AdamW dispatch per parameter tensor: 9 per layer, the embedding, the final norm.
    expect(s.dispatchesBy.AdamWFused).toBe(2 * 9 + 2);
    expect(a.perLayerBy?.AdamWFused).toBe(9);
    expect(a.perLayerDispatches).toBeLessThanOrEqual(90);
    expect(a.first.pipelines).toBeGreaterThan(0);
  });

  it('one generated token reads back once', async () => {
    await tf.setBackend('webgpu');
    const t = await measureTokenAnatomy('tiny', 8, console.log);
    expect(t.counts.readbacks).toBe(1);
    expect(t.counts.pipelines).toBe(0);
  });
});
