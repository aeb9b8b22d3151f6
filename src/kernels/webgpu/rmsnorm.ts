// RMSNorm as fused WebGPU kernels, replacing plain.ts rmsNorm on the webgpu backend:
//   y = x · inv · w,  inv = rsqrt(mean_c(x²) + eps)      x (N, C), w (C), inv (N)
// The plain path runs square, mean, add, rsqrt, mul, mul (six dispatches, three (N, C) temporaries)
// and its gradient another dozen. Here the forward is one dispatch (16 threads per row: a shared-
// memory Σx², then the scaled write), the backward three and a small sum:
//   inv (N)   = rsqrt(Σ_c x² / C + eps)                               16 threads per row
//   dx (N, C) = inv·w·dy − x · inv³ · (Σ_c w·dy·x) / C                 16 threads per row
//   dw (C)    = Σ_n dy·x·inv                                         column blocks × row chunks, then a sum of the chunks
// (dw has no row reduction to share with dx, and WGSL has no float atomics to fold it in there.)
import * as tf from '@tensorflow/tfjs-core';
import { assertWebGPU, FlatProgram, registerWebGPUKernel, rowReductionSnippet, runKernel } from './kernels';

// 16 threads per row, 4 rows per 64-thread workgroup: C is 32–1024 for our presets, so each thread
// covers 2–64 columns, and 16 adjacent threads read 64 contiguous bytes of a row.
const LANES = 16;
const ROWS = 4;

/** WGSL prologue: which row and lane this thread works on. */
const ROW_OF_THREAD = `
    let tid = i32(localId.x);
    let lane = tid % LANES;
    let slot = tid / LANES;
    let row = (index / WG) * ROWS + slot;
    let N = uniforms.xShape[0];
    let C = uniforms.xShape[1];
    let valid = row < N; // threads past the last row still reach every barrier
    let base = row * C;`;

/** y (N, C) = x · rsqrt(mean(x²) + eps) · w. */
class RmsNormProgram extends FlatProgram {
  variableNames = ['x', 'w'];
  shaderKey = 'studioRmsNorm';
  uniforms = 'eps : f32,';
  constructor(N: number, C: number) {
    super([N, C], Math.ceil(N / ROWS), LANES * ROWS);
  }
  getUserCode(): string {
    return `${rowReductionSnippet(LANES, ROWS)}
  fn main(index : i32) {${ROW_OF_THREAD}
    var ss = 0.0;
    if (valid) { for (var c = lane; c < C; c += LANES) { let v = x[base + c]; ss += v * v; } }
    let inv = inverseSqrt(rowSum(ss, lane, slot) / f32(C) + uniforms.eps);
    if (valid) { for (var c = lane; c < C; c += LANES) { result[base + c] = x[base + c] * inv * w[c]; } }
  }`;
  }
}

/** inv (N) = rsqrt(mean(x²) + eps) for the backward pass (the forward keeps no side output). */
class RmsInvProgram extends FlatProgram {
  variableNames = ['x'];
  shaderKey = 'studioRmsInv';
  uniforms = 'eps : f32,';
  constructor(N: number) {
    super([N], Math.ceil(N / ROWS), LANES * ROWS);
  }
  getUserCode(): string {
    return `${rowReductionSnippet(LANES, ROWS)}
  fn main(index : i32) {${ROW_OF_THREAD}
    var ss = 0.0;
    if (valid) { for (var c = lane; c < C; c += LANES) { let v = x[base + c]; ss += v * v; } }
    let inv = inverseSqrt(rowSum(ss, lane, slot) / f32(C) + uniforms.eps);
    if (valid && lane == 0) { result[row] = inv; }
  }`;
  }
}

/** dx (N, C) = inv·w·dy − x·inv³·(Σ_c w·dy·x)/C. */
class RmsDxProgram extends FlatProgram {
  variableNames = ['x', 'w', 'dy', 'inv'];
  shaderKey = 'studioRmsDx';
  constructor(N: number, C: number) {
    super([N, C], Math.ceil(N / ROWS), LANES * ROWS);
  }
  getUserCode(): string {
    return `${rowReductionSnippet(LANES, ROWS)}
  fn main(index : i32) {${ROW_OF_THREAD}
    var dot = 0.0;
    if (valid) { for (var c = lane; c < C; c += LANES) { dot += w[c] * dy[base + c] * x[base + c]; } }
    let total = rowSum(dot, lane, slot);
    if (valid) {
      let r = inv[row];
      let k = r * r * r * total / f32(C);
      for (var c = lane; c < C; c += LANES) { result[base + c] = r * w[c] * dy[base + c] - x[base + c] * k; }
    }
  }`;
  }
}

const DW_COLS = 16; // columns per workgroup: 16 adjacent floats per row read together
const DW_LANES = 4; // row lanes per column: WG = DW_COLS · DW_LANES
const DW_ROWS = 64; // rows per chunk: (N / 64, C) partial sums, so N = 2048 gives 32·C/16 workgroups

/** Partial dw (chunks, C): chunk k sums dy·x·inv over rows [64k, 64k + 64). */
class RmsDwPartialProgram extends FlatProgram {
  variableNames = ['x', 'dy', 'inv'];
  shaderKey = 'studioRmsDwPartial';
  uniforms = 'colBlocks : i32,';
  constructor(chunks: number, C: number) {
    super([chunks, C], chunks * Math.ceil(C / DW_COLS), DW_COLS * DW_LANES);
  }
  getUserCode(): string {
    return `
  const WG : i32 = ${DW_COLS * DW_LANES};
  var<workgroup> red : array<f32, ${DW_COLS * DW_LANES}>;
  fn main(index : i32) {
    let tid = i32(localId.x);
    let group = index / WG;
    let chunk = group / uniforms.colBlocks;
    let col = (group % uniforms.colBlocks) * ${DW_COLS} + tid % ${DW_COLS};
    let lane = tid / ${DW_COLS};
    let N = uniforms.xShape[0];
    let C = uniforms.xShape[1];
    var acc = 0.0;
    if (col < C) {
      let end = min(N, (chunk + 1) * ${DW_ROWS});
      for (var n = chunk * ${DW_ROWS} + lane; n < end; n += ${DW_LANES}) { acc += dy[n * C + col] * x[n * C + col] * inv[n]; }
    }
    // Lanes of one column sit DW_COLS apart in red: fold them with the shared array directly.
    red[tid] = acc;
    workgroupBarrier();
    if (lane == 0 && col < C && chunk < uniforms.outShape[0]) {
      var s = red[tid];
      for (var l = 1; l < ${DW_LANES}; l++) { s += red[tid + l * ${DW_COLS}]; }
      result[chunk * C + col] = s;
    }
  }`;
  }
}

const K_FWD = 'StudioRmsNorm';
const K_INV = 'StudioRmsNormInv';
const K_DX = 'StudioRmsNormDx';
const K_DW = 'StudioRmsNormDwPartial';

registerWebGPUKernel(K_FWD, (b, { x, w }, { eps }) => {
  const [N, C] = x.shape;
  return b.runWebGPUProgram(new RmsNormProgram(N, C), [x, w], 'float32', [{ type: 'float32', data: [eps as number] }]);
});
registerWebGPUKernel(K_INV, (b, { x }, { eps }) =>
  b.runWebGPUProgram(new RmsInvProgram(x.shape[0]), [x], 'float32', [{ type: 'float32', data: [eps as number] }]),
);
registerWebGPUKernel(K_DX, (b, { x, w, dy, inv }) =>
  b.runWebGPUProgram(new RmsDxProgram(x.shape[0], x.shape[1]), [x, w, dy, inv], 'float32'),
);
registerWebGPUKernel(K_DW, (b, { x, dy, inv }) => {
  const [N, C] = x.shape;
  const colBlocks = Math.ceil(C / DW_COLS);
  const program = new RmsDwPartialProgram(Math.ceil(N / DW_ROWS), C);
  return b.runWebGPUProgram(program, [x, dy, inv], 'float32', [{ type: 'int32', data: [colBlocks] }]);
});

/**
 * Drop-in for plain.ts rmsNorm on the webgpu backend: x (…, C), w (C) → (…, C), with gradients to
 * x and w. Any leading shape is flattened to N rows.
 */
export function rmsNormWebGPU(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  assertWebGPU('rmsNormWebGPU');
  const C = x.shape[x.rank - 1];
  if (w.rank !== 1 || w.shape[0] !== C)
    throw new Error(`rmsNormWebGPU: weight shape [${w.shape}] does not match the last axis ${C} of x [${x.shape}]`);
  if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error('rmsNormWebGPU: x and w must be float32');
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const x2 = tf.reshape(xIn, [x.size / C, C]); // (N, C)
    save([x2, wIn]);
    const y = runKernel(K_FWD, { x: x2, w: wIn }, { eps });
    return {
      value: tf.reshape(y, xIn.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved;
        const dy2 = tf.reshape(dy, xs.shape); // (N, C)
        const inv = runKernel(K_INV, { x: xs }, { eps }); // (N)
        const dx = runKernel(K_DX, { x: xs, w: ws, dy: dy2, inv }); // (N, C)
        const dw = tf.sum(runKernel(K_DW, { x: xs, dy: dy2, inv }), 0); // (chunks, C) → (C)
        return [tf.reshape(dx, x.shape), dw];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(x, w);
}
