// The fused WebGPU attention (Dawn on SwiftShader in Node) against kernels/plain.ts attention (through
// webgpu-node.ts's attentionPlain) on the cpu backend:
// output and dq, dk, dv to 1e-4 relative, with grouped-query heads, a KV-cache offset (S > T),
// key padding that masks whole rows, and head sizes on both sides of the 64-thread workgroup.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { attentionPlain, relErr, startWebGPU, uniform, valueAndGrads } from '../../testing/webgpu-node';
import { mulberry32 } from '../../core/prng';
import { attentionWebGPU } from './attention';
import { attention } from '../ops';
import { setWebGPUAttention } from '../path-mode';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-attention tests: ${gpu.reason}`);

afterAll(() => setWebGPUAttention('auto'));

const TOL = 1e-4;
const NEG = -1e9; // llama.ts's additive mask value

/** As llama.ts attentionMask: causal over absolute positions (past = S − T), plus left padding per row. */
function maskData(B: number, T: number, S: number, pads?: number[]): { data: Float32Array; shape: number[] } {
  const rows = pads ? B : 1;
  const m = new Float32Array(rows * T * S);
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < S; j++) if (j > S - T + i || (pads && j < pads[b])) m[(b * T + i) * S + j] = NEG;
    }
  }
  return { data: m, shape: [rows, 1, T, S] };
}

async function compare(
  B: number,
  H: number,
  KV: number,
  T: number,
  S: number,
  D: number,
  seed: number,
  pads?: number[],
): Promise<number[]> {
  const rand = mulberry32(seed);
  const q = uniform(rand, [B, H, T, D], -2, 2);
  const k = uniform(rand, [B, KV, S, D], -2, 2);
  const v = uniform(rand, [B, KV, S, D]);
  const gy = uniform(rand, [B, H, T, D]);
  const m = maskData(B, T, S, pads);
  const run = (attn: typeof attentionPlain) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    attn(
      a as tf.Tensor4D,
      b as tf.Tensor4D,
      c as tf.Tensor4D,
      tf.tensor4d(m.data, m.shape as [number, number, number, number]),
    );
  const ref = await valueAndGrads('cpu', run(attentionPlain), [q, k, v], gy);
  const got = await valueAndGrads('webgpu', run(attentionWebGPU), [q, k, v], gy);
  const errs = [relErr(got.value, ref.value), ...got.grads.map((g, i) => relErr(g, ref.grads[i]))];
  const label = `attention B=${B} H=${H} KV=${KV} T=${T} S=${S} D=${D}${pads ? ` pads [${pads}]` : ''}`;
  console.log(
    `${label}: rel err out ${errs[0].toExponential(2)}, dq ${errs[1].toExponential(2)}, dk ${errs[2].toExponential(2)}, dv ${errs[3].toExponential(2)}`,
  );
  return errs;
}

describe.skipIf(!gpu.ok)(`attentionWebGPU equals the plain attention (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('causal, grouped-query (H = 4, KV = 2), T = S = 37, D = 10', async () => {
    for (const e of await compare(2, 4, 2, 37, 37, 10, 1)) expect(e).toBeLessThan(TOL);
  });

  it('with a cache offset (T = 13, S = 70: more than one key block) and D = 72 (over one thread per d)', async () => {
    for (const e of await compare(1, 3, 1, 13, 70, 72, 2)) expect(e).toBeLessThan(TOL);
  });

  it('with per-row key padding, including query rows whose every key is masked', async () => {
    for (const e of await compare(3, 2, 2, 9, 9, 8, 3, [0, 4, 9])) expect(e).toBeLessThan(TOL);
  });

  it('leaks no tensors, forward or backward', async () => {
    await tf.setBackend('webgpu');
    const [q, k, v] = [
      tf.randomNormal([2, 4, 9, 8]),
      tf.randomNormal([2, 2, 9, 8]),
      tf.randomNormal([2, 2, 9, 8]),
    ] as tf.Tensor4D[];
    const mask = tf.zeros([1, 1, 9, 9]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = attentionWebGPU(q, k, v, mask);
    await y.data();
    y.dispose();
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(attentionWebGPU(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask)),
    )([q, k, v]);
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose([value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, k, v, mask]);
  });

  it("is what ops.attention runs when the switch is 'on', and not in 'auto' or 'off' (path-mode.ts)", async () => {
    await tf.setBackend('webgpu');
    const engine = tf.engine();
    const runKernel = engine.runKernel.bind(engine);
    const kernels: string[] = [];
    engine.runKernel = ((name: string, ...rest: unknown[]) => {
      kernels.push(name);
      return (runKernel as (...a: unknown[]) => unknown)(name, ...rest);
    }) as typeof engine.runKernel;
    try {
      const q = tf.randomNormal([1, 2, 5, 8]) as tf.Tensor4D; // two query heads on one key/value head
      const k = tf.randomNormal([1, 1, 5, 8]) as tf.Tensor4D;
      const v = tf.randomNormal([1, 1, 5, 8]) as tf.Tensor4D;
      const mask = tf.zeros([1, 1, 5, 5]) as tf.Tensor4D;
      const out: Record<string, Float32Array> = {};
      for (const mode of ['on', 'auto', 'off'] as const) {
        setWebGPUAttention(mode);
        kernels.length = 0;
        const y = attention(q, k, v, mask);
        out[mode] = (await y.data()) as Float32Array;
        y.dispose();
        expect(kernels.includes('StudioAttention'), mode).toBe(mode === 'on');
      }
      expect(relErr(out.on, out.off)).toBeLessThan(TOL);
      tf.dispose([q, k, v, mask]);
    } finally {
      engine.runKernel = runKernel;
      setWebGPUAttention('auto');
    }
  });

  it('rejects mismatched shapes', async () => {
    await tf.setBackend('webgpu');
    const q = tf.zeros([1, 3, 4, 8]) as tf.Tensor4D;
    const k = tf.zeros([1, 2, 4, 8]) as tf.Tensor4D;
    const mask = tf.zeros([1, 1, 4, 4]) as tf.Tensor4D;
    expect(() => attentionWebGPU(q, k, k, mask)).toThrow(/3 query heads are not a multiple of 2/);
    expect(() =>
      attentionWebGPU(tf.zeros([1, 2, 4, 8]) as tf.Tensor4D, k, k, tf.zeros([1, 1, 4, 5]) as tf.Tensor4D),
    ).toThrow(/mask must be/);
    tf.dispose([q, k, mask]);
  });
});
