// Every fused WebGPU kernel against the plain path, on whatever adapter tfjs 'webgpu' runs on: the
// fused kernel's value and the gradients to each input, to 1e-4 relative (rel-err.ts), against
//   - the plain path on the cpu backend (exact f32 on the CPU: the oracle the unit tests use; pass
//     or fail is decided against it), and
//   - the plain path on the same GPU (tfjs's own webgpu kernels: what the fused one replaces),
//     reported beside it and flagged when it is the one that is off: on SwiftShader at SmolLM2's
//     size, the plain cross-entropy on webgpu is (likely its row lookup into the (N·V, 1) table of
//     25 M rows, past f32's exact integers), the fused one is not.
// Adding a kernel is one entry in KERNEL_CHECKS: its name, what its outputs are called, the fused
// and plain functions, and how to draw inputs (small shapes for SwiftShader, model-sized on a GPU).
import '@tensorflow/tfjs-backend-cpu'; // the oracle's backend
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mulberry32 } from '../../src/core/prng';
import * as plain from '../../src/kernels/plain';
import { crossEntropyWebGPU } from '../../src/kernels/webgpu/cross-entropy';
import { rmsNormWebGPU } from '../../src/kernels/webgpu/rmsnorm';
import { applyRopeWebGPU } from '../../src/kernels/webgpu/rope';
import { attentionWebGPU } from '../../src/kernels/webgpu/attention';
import { swigluWebGPU } from '../../src/kernels/webgpu/swiglu';
import { adamwUpdateWebGPU } from '../../src/kernels/webgpu/adamw';
import { matMulWebGPU } from '../../src/kernels/webgpu/matmul';
import { adamwUpdate, type AdamWStep } from '../../src/kernels/plain-adamw';
import { ropeTables } from '../../src/model/rope';
import { relErr, uniform, valueAndGrads, type HostTensor } from '../../src/testing/webgpu-node';

export const KERNEL_TOLERANCE = 1e-4;

type Draw = (rand: () => number, full: boolean) => HostTensor[];
type Op = (...xs: tf.Tensor[]) => tf.Tensor;

export interface KernelCheck {
  kernel: string;
  /** Names of the value, then of the gradient to each input (['y', 'dx', 'dw']); only the value when grads is false. */
  outputs: string[];
  fused: Op;
  plain: Op;
  /** Inputs of one case; `full`: model-sized shapes (a real GPU), else small odd ones (SwiftShader). */
  inputs: Draw;
  /** false: an update, not a differentiable op (a fused optimizer): values only. */
  grads?: boolean;
}

const EPS = 1e-5;
const NEG = -1e9; // llama.ts's additive mask value

/** Causal (1, 1, T, S) additive mask over absolute positions (past = S − T), as llama.ts builds it. */
function causalMask(T: number, S: number): tf.Tensor4D {
  const m = new Float32Array(T * S);
  for (let i = 0; i < T; i++) for (let j = S - T + i + 1; j < S; j++) m[i * S + j] = NEG;
  return tf.tensor4d(m, [1, 1, T, S]);
}

const attn = (f: typeof plain.attention) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
  f(
    q as tf.Tensor4D,
    k as tf.Tensor4D,
    v as tf.Tensor4D,
    causalMask((q as tf.Tensor4D).shape[2], (k as tf.Tensor4D).shape[2]),
  );

const rope = (f: typeof plain.applyRope) => (x: tf.Tensor) => {
  const { cos, sin } = ropeTables(3, (x as tf.Tensor4D).shape[2], (x as tf.Tensor4D).shape[3], 10000); // tables made on the backend that runs f
  return f(x as tf.Tensor4D, cos, sin);
};

/** Targets in [0, V) from the logits' shape (every class index reachable, a few repeated). */
const xent = (f: typeof plain.crossEntropy) => (z: tf.Tensor) => {
  const [N, V] = z.shape;
  const targets = Int32Array.from({ length: N }, (_, i) => (i * 7919 + (i === 1 ? V - 1 : 0)) % V);
  return f(z as tf.Tensor2D, targets, 'mean');
};

/** A third AdamW update with decay, its gradient clipped to half by the step gate [loss, norm, coef, finite]. */
const ADAMW_STEP: AdamWStep = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 3 };

/** An in-place update as an op: p, m, v copied into variables, updated, returned as one (3·P) vector. */
const adamw = (update: typeof adamwUpdate) => (p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => {
  const vars = [p, m, v].map((t) => tf.variable(t.clone()));
  const gate = tf.tensor1d([1, 2, 0.5, 1]);
  try {
    update(vars[0], g, vars[1], vars[2], ADAMW_STEP, gate);
    return tf.concat(vars.map((x) => tf.reshape(x, [-1])));
  } finally {
    [...vars, gate].forEach((x) => x.dispose());
  }
};

// Small shapes are the unit tests' odd ones (not multiples of the workgroups); full ones are SmolLM2-135M's
// (d 576, 9 heads / 3 KV heads of 64, V 49152) at B·T = 512.
export const KERNEL_CHECKS: readonly KernelCheck[] = [
  {
    kernel: 'rmsnorm',
    outputs: ['y', 'dx', 'dw'],
    fused: (x, w) => rmsNormWebGPU(x, w, EPS),
    plain: (x, w) => plain.rmsNorm(x, w, EPS),
    inputs: (r, full) => [uniform(r, full ? [512, 576] : [130, 300], -2, 2), uniform(r, [full ? 576 : 300], 0.5, 1.5)],
  },
  {
    kernel: 'rope',
    outputs: ['y', 'dx'],
    fused: rope(applyRopeWebGPU),
    plain: rope(plain.applyRope),
    inputs: (r, full) => [uniform(r, full ? [1, 9, 512, 64] : [2, 3, 13, 10], -2, 2)],
  },
  {
    kernel: 'cross-entropy',
    outputs: ['loss', 'dlogits'],
    fused: xent(crossEntropyWebGPU),
    plain: xent(plain.crossEntropy),
    inputs: (r, full) => [uniform(r, full ? [512, 49152] : [37, 1031], -8, 8)],
  },
  {
    kernel: 'swiglu',
    outputs: ['y', 'dgate', 'dup'],
    fused: (g, u) => swigluWebGPU(g as tf.Tensor2D, u as tf.Tensor2D),
    plain: (g, u) => tf.mul(tf.mul(g, tf.sigmoid(g)), u), // silu(gate) · up, as llama.ts's plain MLP
    inputs: (r, full) => [uniform(r, full ? [512, 1536] : [37, 70], -4, 4), uniform(r, full ? [512, 1536] : [37, 70])],
  },
  {
    kernel: 'adamw',
    outputs: ['p|m|v'],
    fused: adamw(adamwUpdateWebGPU),
    plain: adamw(adamwUpdate),
    grads: false,
    // p, g, m (any sign) and v (≥ 0, a running mean of g²): SmolLM2's tied embedding when full.
    inputs: (r, full) => {
      const shape = full ? [49152, 576] : [37, 53];
      return [uniform(r, shape), uniform(r, shape, -3, 3), uniform(r, shape, -0.1, 0.1), uniform(r, shape, 0, 0.01)];
    },
  },
  {
    kernel: 'attention',
    outputs: ['y', 'dq', 'dk', 'dv'],
    fused: attn(attentionWebGPU),
    plain: attn(plain.attention),
    inputs: (r, full) =>
      (full
        ? [
            [1, 9, 512, 64],
            [1, 3, 512, 64],
            [1, 3, 512, 64],
          ]
        : [
            [2, 4, 37, 10],
            [2, 2, 37, 10],
            [2, 2, 37, 10],
          ]
      ).map((s) => uniform(r, s, -2, 2)),
  },
  {
    // The one-pipeline GEMM as the linear layers use it: x (N, in) · Wᵀ, W (out, in).
    kernel: 'matmul x·Wᵀ',
    outputs: ['y', 'dx', 'dW'],
    fused: (x, w) => matMulWebGPU(x, w, false, true),
    plain: (x, w) => tf.matMul(x, w, false, true),
    inputs: (r, full) => [uniform(r, full ? [512, 576] : [70, 33]), uniform(r, full ? [1536, 576] : [65, 33])],
  },
  {
    // Batched, the first operand transposed: an attention gradient, dV = Pᵀ·dO over (B, KV) with G·T query rows.
    kernel: 'matmul batched Aᵀ·B',
    outputs: ['y', 'da', 'db'],
    fused: (a, b) => matMulWebGPU(a, b, true, false),
    plain: (a, b) => tf.matMul(a, b, true, false),
    inputs: (r, full) =>
      (full
        ? [
            [1, 3, 1536, 512],
            [1, 3, 1536, 64],
          ]
        : [
            [2, 2, 33, 37],
            [2, 2, 33, 10],
          ]
      ).map((s) => uniform(r, s)),
  },
];

export interface KernelCheckRecord {
  kernel: string;
  inputShapes: number[][];
  outputs: string[];
  /** Per output: the fused kernel's relative error against the plain path on the same GPU. */
  errVsGpuPlain: number[];
  /** Per output: against the plain path on the cpu backend (what pass is decided on). */
  errVsCpuPlain: number[];
  worst: number; // the largest of errVsCpuPlain
  pass: boolean;
  /** The plain path on this GPU disagrees with the cpu one by more than the tolerance (tfjs's own kernels are off here). */
  gpuPlainOff: boolean;
  ms: number;
  error: string | null; // a kernel that threw (compile error on this GPU, …): failed, and why
}

/** The forward pass alone, on `backend`, every output flattened into one array. */
async function valuesOf(backend: string, f: Op, inputs: HostTensor[]): Promise<Float32Array> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const xs = inputs.map((t) => tf.tensor(t.data, t.shape));
  try {
    const y = tf.tidy(() => f(...xs));
    const out = (await y.data()) as Float32Array;
    y.dispose();
    return out;
  } finally {
    tf.dispose(xs);
  }
}

/** The output's shape, from the plain path on the cpu backend (to draw a matching upstream gradient). */
async function outputShape(f: Op, inputs: HostTensor[]): Promise<number[]> {
  await tf.setBackend('cpu');
  const xs = inputs.map((t) => tf.tensor(t.data, t.shape));
  const shape = tf.tidy(() => f(...xs).shape);
  tf.dispose(xs);
  return shape;
}

export async function runKernelCheck(c: KernelCheck, full: boolean, seed = 1): Promise<KernelCheckRecord> {
  const t0 = performance.now();
  const rand = mulberry32(seed);
  const inputs = c.inputs(rand, full);
  const base = { kernel: c.kernel, inputShapes: inputs.map((t) => t.shape), outputs: c.outputs };
  try {
    let fused: Float32Array[], gpu: Float32Array[], cpu: Float32Array[];
    if (c.grads === false) {
      [fused, gpu, cpu] = [
        [await valuesOf('webgpu', c.fused, inputs)],
        [await valuesOf('webgpu', c.plain, inputs)],
        [await valuesOf('cpu', c.plain, inputs)],
      ];
    } else {
      // gy weights every output element, so every gradient entry is checked.
      const gy = uniform(rand, await outputShape(c.plain, inputs));
      const all = async (backend: string, f: Op) => {
        const r = await valueAndGrads(backend, f, inputs, gy);
        return [r.value, ...r.grads];
      };
      fused = await all('webgpu', c.fused);
      gpu = await all('webgpu', c.plain);
      cpu = await all('cpu', c.plain);
    }
    const errVsGpuPlain = fused.map((a, i) => relErr(a, gpu[i]));
    const errVsCpuPlain = fused.map((a, i) => relErr(a, cpu[i]));
    const worst = Math.max(...errVsCpuPlain);
    return {
      ...base,
      errVsGpuPlain,
      errVsCpuPlain,
      worst,
      pass: worst < KERNEL_TOLERANCE,
      gpuPlainOff: gpu.some((g, i) => relErr(g, cpu[i]) >= KERNEL_TOLERANCE),
      ms: performance.now() - t0,
      error: null,
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return {
      ...base,
      errVsGpuPlain: [],
      errVsCpuPlain: [],
      worst: Infinity,
      pass: false,
      gpuPlainOff: false,
      ms: performance.now() - t0,
      error,
    };
  } finally {
    await tf.setBackend('webgpu');
  }
}
