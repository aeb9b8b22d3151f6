// Softmax + cross-entropy fused into two WebGPU kernels, replacing plain.ts crossEntropy on the
// webgpu backend. Neither the softmax nor the log-softmax (N, V) is ever materialised:
//   forward  loss_i = lse_i − z[i, y_i],  lse_i = m_i + log Σ_v exp(z[i, v] − m_i)       z (N, V), loss (N)
//            one workgroup per row, one read of the row: each thread keeps an online (max, Σexp)
//            pair over its columns, rescaling Σ once per block of 4 when the max grows (so about
//            one exp per logit); thread 0 merges the 64 pairs.
//   backward dz[i, v] = (exp(z[i, v] − lse_i) − [v = y_i]) · dy · scale                     dz (N, V)
//            lse_i = loss_i + z[i, y_i] from the saved per-row losses, so one read and one write of
//            the row; scale = 1/(supervised rows) for 'mean', 1 for 'sum'.
// The plain path (logSoftmax, a row gather, mean) writes two (N, V) temporaries forward and its
// gradient several more. Rows whose target is IGNORE_INDEX get loss 0 and gradient 0 and are left
// out of the mean, so the same call can also take unfiltered label rows.
import * as tf from '@tensorflow/tfjs-core';
import { scalarConst } from '../constants';
import { uploadWebGPU } from './upload';
import { IGNORE_INDEX } from '../../core/example';
import { assertWebGPU, FlatProgram, registerWebGPUKernel, runKernel } from './kernels';

// 64 threads per row, one row per workgroup: each thread reads V/64 logits (64 at V = 4096).
const WG = 64;

/** loss (N) = logsumexp(z_i) − z[i, y_i], 0 where y_i < 0. */
class XentForwardProgram extends FlatProgram {
  variableNames = ['z', 'y'];
  shaderKey = 'studioXentFwd';
  constructor(N: number) {
    super([N], N, WG);
  }
  getUserCode(): string {
    return `
  const WG : i32 = ${WG};
  var<workgroup> maxes : array<f32, ${WG}>;
  var<workgroup> sums : array<f32, ${WG}>;
  const LOWEST = -3.402823e+38f; // finite, so a thread with no columns merges as exp(LOWEST − M)·0 = 0, not NaN
  const K = 4;

  fn main(index : i32) {
    let row = index / WG;
    let tid = i32(localId.x);
    let N = uniforms.zShape[0];
    let V = uniforms.zShape[1];
    let valid = row < N;
    let base = row * V;
    var m = LOWEST;
    var s = 0.0;
    if (valid) {
      // Blocks of K of this thread's columns: one rescale of s per block, one exp per logit.
      for (var v0 = tid; v0 < V; v0 += WG * K) {
        var vals : array<f32, K>;
        var bm = m;
        for (var k = 0; k < K; k++) {
          let v = v0 + k * WG;
          vals[k] = select(LOWEST, z[base + min(v, V - 1)], v < V);
          bm = max(bm, vals[k]);
        }
        s *= exp(m - bm);
        for (var k = 0; k < K; k++) { if (v0 + k * WG < V) { s += exp(vals[k] - bm); } }
        m = bm;
      }
    }
    maxes[tid] = m;
    sums[tid] = s;
    workgroupBarrier(); // the only one: thread 0 alone merges the pairs and writes the row's loss
    if (valid && tid == 0) {
      var rowMax = LOWEST;
      for (var j = 0; j < WG; j++) { rowMax = max(rowMax, maxes[j]); }
      var total = 0.0;
      for (var j = 0; j < WG; j++) { total += sums[j] * exp(maxes[j] - rowMax); }
      let t = y[row];
      if (t >= 0) { result[row] = rowMax + log(total) - z[base + t]; } else { result[row] = 0.0; }
    }
  }`;
  }
}

/** dz (N, V) = (softmax(z_i) − onehot(y_i)) · dy · scale, 0 on rows with y_i < 0. */
class XentBackwardProgram extends FlatProgram {
  variableNames = ['z', 'y', 'loss', 'dy'];
  shaderKey = 'studioXentBwd';
  uniforms = 'scale : f32,';
  constructor(N: number, V: number) {
    super([N, V], N, WG);
  }
  getUserCode(): string {
    return `
  const WG : i32 = ${WG};
  fn main(index : i32) {
    let row = index / WG;
    let tid = i32(localId.x);
    let N = uniforms.zShape[0];
    let V = uniforms.zShape[1];
    if (row >= N) { return; } // no barriers in this kernel, so threads may leave early
    let base = row * V;
    let t = y[row];
    if (t < 0) {
      for (var v = tid; v < V; v += WG) { result[base + v] = 0.0; }
      return;
    }
    let lse = loss[row] + z[base + t];
    let g = dy[0] * uniforms.scale;
    for (var v = tid; v < V; v += WG) {
      let p = exp(z[base + v] - lse);
      result[base + v] = select(p, p - 1.0, v == t) * g;
    }
  }`;
  }
}

const K_FWD = 'StudioSoftmaxCrossEntropy';
const K_BWD = 'StudioSoftmaxCrossEntropyGrad';

registerWebGPUKernel(K_FWD, (b, { z, y }) => b.runWebGPUProgram(new XentForwardProgram(z.shape[0]), [z, y], 'float32'));
registerWebGPUKernel(K_BWD, (b, { z, y, loss, dy }, { scale }) =>
  b.runWebGPUProgram(new XentBackwardProgram(z.shape[0], z.shape[1]), [z, y, loss, dy], 'float32', [
    { type: 'float32', data: [scale as number] },
  ]),
);

/**
 * Drop-in for plain.ts crossEntropy on the webgpu backend: logits (N, V), targets (N) → scalar mean
 * (over supervised rows) or sum of −log softmax(logits)[i, targets[i]]. A target of IGNORE_INDEX
 * (−100) marks a row without a label; any other target outside [0, V) throws.
 */
export function crossEntropyWebGPU(
  logits: tf.Tensor2D,
  targets: Int32Array,
  reduction: 'mean' | 'sum' = 'mean',
): tf.Scalar {
  assertWebGPU('crossEntropyWebGPU');
  const [N, V] = logits.shape;
  if (N !== targets.length) throw new Error(`crossEntropy: ${N} logit rows but ${targets.length} targets`);
  let count = 0;
  for (const t of targets) {
    if (t === IGNORE_INDEX) continue;
    if (t < 0 || t >= V) throw new Error(`crossEntropyWebGPU: target ${t} is outside [0, ${V})`);
    count++;
  }
  const scale = reduction === 'mean' ? 1 / count : 1; // 1/0 = Infinity: an all-ignored mean is NaN, as the plain mean of nothing
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const y = uploadWebGPU(targets, [N], 'int32'); // (N), into a pooled buffer
    const losses = runKernel(K_FWD, { z, y }); // (N)
    save([z, y, losses]);
    return {
      value: reduction === 'sum' ? tf.sum(losses) : tf.mul(tf.sum(losses), scalarConst(scale)), // kept: no upload per step
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, ys, ls] = saved;
        // dy stays on the GPU (a scalar input, not a uniform), so the backward never waits on a read-back.
        return runKernel(K_BWD, { z: zs, y: ys, loss: ls, dy: tf.reshape(dy, [1]) }, { scale });
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Scalar;
}
