// Rotary embedding as one WebGPU kernel, replacing plain.ts applyRope on the webgpu backend.
// Hugging Face layout: each head vector splits in halves (x1, x2) (each D/2) and
//   out = (x1·cos − x2·sin,  x2·cos + x1·sin)          x, out (B, H, T, D); cos, sin (T, D) or (B, 1, T, D)
// one thread per output element reading its partner x[d ± D/2]. The plain path builds rotate_half
// as a (D, D) matmul plus two muls and an add (four dispatches, three (B, H, T, D) temporaries).
// The backward is the transposed map, the rotation by −angle, in the same kernel:
//   dx1 = dy1·cos₁ + dy2·sin₂,  dx2 = dy2·cos₂ − dy1·sin₁   (₁/₂: the table's first/second half)
// which is exact for any tables, not only HF's duplicated halves. The tables are constants (ropeTables)
// and get no gradient.
import * as tf from '@tensorflow/tfjs-core';
import { assertWebGPU, FlatProgram, registerWebGPUKernel, runKernel } from './kernels';

const WG = 64;

/** out (B, H, T, D) = x rotated by the tables (backward: by their inverse); tables as (R, D), R = T or B·T. */
class RopeProgram extends FlatProgram {
  variableNames = ['x', 'cosT', 'sinT'];
  shaderKey: string;
  size = true;
  private readonly backward: boolean;
  constructor(shape: number[], backward: boolean) {
    super(shape, Math.ceil(shape.reduce((a, b) => a * b, 1) / WG), WG);
    this.backward = backward;
    this.shaderKey = backward ? 'studioRopeBwd' : 'studioRope';
  }
  getUserCode(): string {
    // Forward: partner p = d ± half; out = x·cos[d] ∓ x[p]·sin[d] (− for the first half).
    // Backward: out = x·cos[d] ± x[p]·sin[p] (+ for the first half): sin is read at the partner.
    const [first, second, sinAt] = this.backward ? ['+', '-', 'p'] : ['-', '+', 'd'];
    return `
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let D = uniforms.xShape[3];
    let T = uniforms.xShape[2];
    let H = uniforms.xShape[1];
    let half = D / 2;
    let d = index % D;
    let t = (index / D) % T;
    let b = index / (D * T * H);
    // (T, D) tables are shared by every row; (B·T, D) ones are per row (left-padded batches).
    let r = select(t, b * T + t, uniforms.cosTShape[0] != T);
    let rowStart = index - d;
    let tab = r * D;
    let lo = d < half;
    let p = select(d - half, d + half, lo);
    let c = cosT[tab + d];
    let s = sinT[tab + ${sinAt}];
    let xp = x[rowStart + p];
    result[index] = select(x[index] * c ${second} xp * s, x[index] * c ${first} xp * s, lo);
  }`;
  }
}

const K_FWD = 'StudioRope';
const K_BWD = 'StudioRopeGrad';

registerWebGPUKernel(K_FWD, (b, { x, cos, sin }) =>
  b.runWebGPUProgram(new RopeProgram(x.shape, false), [x, cos, sin], 'float32'),
);
registerWebGPUKernel(K_BWD, (b, { dy, cos, sin }) =>
  b.runWebGPUProgram(new RopeProgram(dy.shape, true), [dy, cos, sin], 'float32'),
);

/** cos/sin as the kernel reads them: (T, D), or (B·T, D) for per-row tables; a (1, 1, T, D) table is (T, D). */
function tableRows(tab: tf.Tensor, B: number, T: number, D: number, name: string): tf.Tensor2D {
  const s = tab.shape;
  if (tab.rank === 2 && s[0] === T && s[1] === D) return tab as tf.Tensor2D;
  if (tab.rank === 4 && (s[0] === B || s[0] === 1) && s[1] === 1 && s[2] === T && s[3] === D)
    return tf.reshape(tab, [s[0] * T, D]);
  throw new Error(
    `applyRopeWebGPU: ${name} shape [${s}] is neither (T, D) = (${T}, ${D}) nor (B, 1, T, D) = (${B}, 1, ${T}, ${D})`,
  );
}

/**
 * Drop-in for plain.ts applyRope on the webgpu backend: x (B, H, T, D) rotated by position, cos/sin
 * (T, D) broadcast over B and H, or per row (B, 1, T, D). Gradient to x only.
 */
export function applyRopeWebGPU(
  x: tf.Tensor4D,
  cos: tf.Tensor2D | tf.Tensor4D,
  sin: tf.Tensor2D | tf.Tensor4D,
): tf.Tensor4D {
  assertWebGPU('applyRopeWebGPU');
  const [B, , T, D] = x.shape;
  if (D % 2 !== 0) throw new Error(`applyRopeWebGPU: head size ${D} must be even`);
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const c = tableRows(cos, B, T, D, 'cos'); // (R, D)
    const s = tableRows(sin, B, T, D, 'sin');
    save([c, s]); // kept for the backward even if the caller disposes its tables
    return {
      value: runKernel<tf.Tensor4D>(K_FWD, { x: xIn, cos: c, sin: s }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runKernel<tf.Tensor4D>(K_BWD, { dy, cos: saved[0], sin: saved[1] }),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor4D;
}
