// SwiGLU's gate as one WebGPU kernel each way, replacing silu(g)·u = g·σ(g)·u on the webgpu backend:
//   forward   h = g·σ(g)·u                                  g, u, h (N, I)
//   backward  dg = dy·u·σ(g)·(1 + g·(1 − σ(g))),  du = dy·g·σ(g)
// The plain ops take three dispatches forward (sigmoid, two muls) and about seven backward (the
// muls' gradients, sigmoid's y·(1 − y) with a scalar 1 uploaded per call, the gradient sum); here
// one forward and two backward (one per output: a tfjs program writes one tensor).
import * as tf from '@tensorflow/tfjs-core';
import { assertWebGPU, FlatProgram, registerWebGPUKernel, runKernel } from './kernels';

const WG = 64;

type Part = 'h' | 'dg' | 'du';

class SwigluProgram extends FlatProgram {
  variableNames: string[];
  shaderKey: string;
  size = true;
  constructor(
    shape: number[],
    private readonly part: Part,
  ) {
    super(shape, Math.ceil(shape.reduce((a, b) => a * b, 1) / WG), WG);
    // Only the inputs the shader reads: layout 'auto' drops an unread binding, and the bind group would not match.
    this.variableNames = { h: ['g', 'u'], dg: ['dy', 'g', 'u'], du: ['dy', 'g'] }[part];
    this.shaderKey = `studioSwiglu_${part}`;
  }
  getUserCode(): string {
    const value = {
      h: 'gi * s * u[index]',
      dg: 'dy[index] * u[index] * s * (1.0 + gi * (1.0 - s))',
      du: 'dy[index] * gi * s',
    }[this.part];
    return `
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let gi = g[index];
    let s = 1.0 / (1.0 + exp(-gi)); // σ(g); exp overflow gives s = 0 exactly, as it should
    result[index] = ${value};
  }`;
  }
}

const K_FWD = 'StudioSwiglu';
const K_DG = 'StudioSwigluGradGate';
const K_DU = 'StudioSwigluGradUp';

registerWebGPUKernel(K_FWD, (b, { g, u }) => b.runWebGPUProgram(new SwigluProgram(g.shape, 'h'), [g, u], 'float32'));
registerWebGPUKernel(K_DG, (b, { dy, g, u }) =>
  b.runWebGPUProgram(new SwigluProgram(g.shape, 'dg'), [dy, g, u], 'float32'),
);
registerWebGPUKernel(K_DU, (b, { dy, g }) => b.runWebGPUProgram(new SwigluProgram(g.shape, 'du'), [dy, g], 'float32'));

/** silu(gate) · up on the webgpu backend: gate, up (N, I) → (N, I), gradients to both. */
export function swigluWebGPU(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  assertWebGPU('swigluWebGPU');
  if (gate.shape.join() !== up.shape.join())
    throw new Error(`swigluWebGPU: gate [${gate.shape}] and up [${up.shape}] must have one shape`);
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([g, u]);
    return {
      value: runKernel<tf.Tensor2D>(K_FWD, { g, u }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [gs, us] = saved;
        return [runKernel(K_DG, { dy, g: gs, u: us }), runKernel(K_DU, { dy, g: gs })];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(gate, up) as tf.Tensor2D;
}
