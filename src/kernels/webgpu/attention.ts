// Grouped-query attention as fused WebGPU kernels, an alternative to plain.ts attention on the
// webgpu backend that ops.ts takes when path-mode.ts's attention switch says so (see there: on
// SwiftShader it loses to the plain path, so 'auto' keeps plain until a GPU measures it):
//   out = softmax(q kᵀ · scale + mask) v     q, out (B, H, T, D); k, v (B, KV, S, D); mask (B or 1, 1, T, S)
// with query head h reading key/value head h / G, G = H / KV. The plain path writes the (B, H, T, S)
// scores and probabilities (and its gradient several more of them); here no (T, S) matrix is ever
// stored. Forward, one workgroup per query row: keys in blocks of 64 (one per thread), an online
// softmax (running max m, running Σ l, output rescaled by exp(m_old − m_new) per block), the output
// accumulated by threads over d. The backward (as FlashAttention's) recomputes p = exp(s − m) / l
// from each row's softmax max and sum and never stores it:
//   Δ_i = Σ_d dO·O (B, H, T)      dq_i = scale · Σ_j p_ij (dO_i·v_j − Δ_i) k_j          one workgroup per query row
//   dv_j = Σ_{g, t} p dO          dk_j = scale · Σ_{g, t} p (dO·v_j − Δ) q              one workgroup per key row
// Limits: D ≤ 128 (two accumulators per thread); a fully masked row (−1e9 everywhere) gives the same
// uniform average as the plain softmax does.
import * as tf from '@tensorflow/tfjs-core';
import { assertWebGPU, FlatProgram, registerWebGPUKernel, runKernel } from './kernels';

const WG = 64; // keys (forward, dq) or queries (dk, dv) per block, one per thread
const MAX_D = 2 * WG;
/** The largest head size the kernels take (two accumulators per thread). */
export const ATTENTION_MAX_HEAD_SIZE = MAX_D;

/** WGSL shared by the three programs: shape uniforms read as named values, and the score of one (query, key) pair. */
const PROLOGUE = `
  const WG : i32 = ${WG};
  const LOWEST = -3.402823e+38f;
  var<workgroup> rowA : array<f32, ${MAX_D}>; // this workgroup's own q (or k) row
  var<workgroup> rowB : array<f32, ${MAX_D}>; // its dO (or v) row
  var<workgroup> blk : array<f32, ${WG}>; // one value per thread of the current block
  var<workgroup> blk2 : array<f32, ${WG}>;

  fn maskAt(b : i32, t : i32, j : i32) -> f32 {
    let T = uniforms.qShape[2];
    let S = uniforms.kShape[2];
    let mb = select(0, b, uniforms.maskShape[0] != 1); // (1, 1, T, S) masks broadcast over the batch
    return mask[(mb * T + t) * S + j];
  }
`;

/** Scores of the workgroup's own query row (in rowA) against key j: (q · k_j) · scale + mask. */
const SCORE_OWN_QUERY = `
  fn score(kBase : i32, j : i32, b : i32, t : i32, D : i32) -> f32 {
    var dot = 0.0;
    for (var d = 0; d < D; d++) { dot += rowA[d] * k[kBase + j * D + d]; }
    return dot * uniforms.scale + maskAt(b, t, j);
  }
`;

/**
 * Forward, one workgroup per query row (b, h, t): 'out' writes O (B, H, T, D), 'stats' the row's
 * softmax max and sum (B, H, T, 2). Not one log-sum-exp: in a row whose every key is masked all
 * scores sit near −1e9, where an f32 step is 64, so m + log(l) would round log(l) away.
 */
class AttnForwardProgram extends FlatProgram {
  variableNames = ['q', 'k', 'v', 'mask'];
  shaderKey: string;
  uniforms = 'scale : f32,';
  private readonly stats: boolean;
  constructor(outShape: number[], rows: number, stats: boolean) {
    super(outShape, rows, WG);
    this.stats = stats;
    this.shaderKey = stats ? 'studioAttnStats' : 'studioAttnFwd';
  }
  getUserCode(): string {
    return `${PROLOGUE}${SCORE_OWN_QUERY}
  fn main(index : i32) {
    let tid = i32(localId.x);
    let H = uniforms.qShape[1]; let T = uniforms.qShape[2]; let D = uniforms.qShape[3];
    let KV = uniforms.kShape[1]; let S = uniforms.kShape[2];
    let rows = uniforms.qShape[0] * H * T;
    let r = index / WG;
    let rr = min(r, rows - 1); // surplus workgroups of a reshaped dispatch compute row rows − 1 and write nothing
    let t = rr % T; let h = (rr / T) % H; let b = rr / (T * H);
    let kBase = (b * KV + h / (H / KV)) * S * D;
    for (var d = tid; d < D; d += WG) { rowA[d] = q[rr * D + d]; }
    workgroupBarrier();
    var m = LOWEST;
    var l = 0.0;
    var acc0 = 0.0;
    var acc1 = 0.0;
    for (var j0 = 0; j0 < S; j0 += WG) {
      let j = j0 + tid;
      var s = LOWEST;
      if (j < S) { s = score(kBase, j, b, t, D); }
      blk[tid] = s;
      workgroupBarrier();
      var bm = m;
      for (var i = 0; i < WG; i++) { bm = max(bm, blk[i]); }
      let p = select(0.0, exp(s - bm), j < S);
      blk2[tid] = p;
      workgroupBarrier();
      let corr = exp(m - bm);
      var ps = 0.0;
      var a0 = 0.0;
      var a1 = 0.0;
      let n = min(WG, S - j0);
      for (var i = 0; i < n; i++) {
        let pi = blk2[i];
        ps += pi;
        let vRow = kBase + (j0 + i) * D;
        if (tid < D) { a0 += pi * v[vRow + tid]; }
        if (tid + WG < D) { a1 += pi * v[vRow + tid + WG]; }
      }
      l = l * corr + ps;
      acc0 = acc0 * corr + a0;
      acc1 = acc1 * corr + a1;
      m = bm;
      workgroupBarrier(); // blk and blk2 are rewritten by the next block
    }
    if (r < rows) {
      ${
        this.stats
          ? 'if (tid == 0) { result[2 * r] = m; result[2 * r + 1] = l; }'
          : 'if (tid < D) { result[r * D + tid] = acc0 / l; }\n      if (tid + WG < D) { result[r * D + tid + WG] = acc1 / l; }'
      }
    }
  }`;
  }
}

/** dq (B, H, T, D), one workgroup per query row: scale · Σ_j p_ij (dO_i·v_j − Δ_i) k_j. */
class AttnDqProgram extends FlatProgram {
  variableNames = ['q', 'k', 'v', 'mask', 'dO', 'stats', 'delta'];
  shaderKey = 'studioAttnDq';
  uniforms = 'scale : f32,';
  constructor(shape: number[], rows: number) {
    super(shape, rows, WG);
  }
  getUserCode(): string {
    return `${PROLOGUE}${SCORE_OWN_QUERY}
  fn main(index : i32) {
    let tid = i32(localId.x);
    let H = uniforms.qShape[1]; let T = uniforms.qShape[2]; let D = uniforms.qShape[3];
    let KV = uniforms.kShape[1]; let S = uniforms.kShape[2];
    let rows = uniforms.qShape[0] * H * T;
    let r = index / WG;
    let rr = min(r, rows - 1);
    let t = rr % T; let h = (rr / T) % H; let b = rr / (T * H);
    let kBase = (b * KV + h / (H / KV)) * S * D;
    for (var d = tid; d < D; d += WG) { rowA[d] = q[rr * D + d]; rowB[d] = dO[rr * D + d]; }
    workgroupBarrier();
    let mR = stats[2 * rr];
    let lR = stats[2 * rr + 1];
    let deltaR = delta[rr];
    var acc0 = 0.0;
    var acc1 = 0.0;
    for (var j0 = 0; j0 < S; j0 += WG) {
      let j = j0 + tid;
      var ds = 0.0;
      if (j < S) {
        let p = exp(score(kBase, j, b, t, D) - mR) / lR;
        var dp = 0.0;
        for (var d = 0; d < D; d++) { dp += rowB[d] * v[kBase + j * D + d]; }
        ds = p * (dp - deltaR);
      }
      blk[tid] = ds;
      workgroupBarrier();
      let n = min(WG, S - j0);
      for (var i = 0; i < n; i++) {
        let kRow = kBase + (j0 + i) * D;
        if (tid < D) { acc0 += blk[i] * k[kRow + tid]; }
        if (tid + WG < D) { acc1 += blk[i] * k[kRow + tid + WG]; }
      }
      workgroupBarrier();
    }
    if (r < rows) {
      if (tid < D) { result[r * D + tid] = acc0 * uniforms.scale; }
      if (tid + WG < D) { result[r * D + tid + WG] = acc1 * uniforms.scale; }
    }
  }`;
  }
}

/**
 * dk or dv (B, KV, S, D), one workgroup per key row (b, kv, j), the G·T queries that read it in
 * blocks of 64: dv_j = Σ p dO_i, dk_j = scale · Σ p (dO_i·v_j − Δ_i) q_i.
 */
class AttnDkvProgram extends FlatProgram {
  variableNames = ['q', 'k', 'v', 'mask', 'dO', 'stats', 'delta'];
  shaderKey: string;
  uniforms = 'scale : f32,';
  private readonly dk: boolean;
  constructor(shape: number[], rows: number, dk: boolean) {
    super(shape, rows, WG);
    this.dk = dk;
    this.shaderKey = dk ? 'studioAttnDk' : 'studioAttnDv';
  }
  getUserCode(): string {
    return `${PROLOGUE}
  fn main(index : i32) {
    let tid = i32(localId.x);
    let H = uniforms.qShape[1]; let T = uniforms.qShape[2]; let D = uniforms.qShape[3];
    let KV = uniforms.kShape[1]; let S = uniforms.kShape[2];
    let G = H / KV;
    let rows = uniforms.kShape[0] * KV * S;
    let r = index / WG;
    let rr = min(r, rows - 1);
    let j = rr % S; let kvh = (rr / S) % KV; let b = rr / (S * KV);
    for (var d = tid; d < D; d += WG) { rowA[d] = k[rr * D + d]; rowB[d] = v[rr * D + d]; }
    workgroupBarrier();
    let qHead0 = (b * H + kvh * G) * T; // first query row (b, kv·G, 0); the G heads' rows are contiguous
    var acc0 = 0.0;
    var acc1 = 0.0;
    for (var i0 = 0; i0 < G * T; i0 += WG) {
      let i = i0 + tid;
      var w = 0.0;
      if (i < G * T) {
        let qr = qHead0 + i;
        var dot = 0.0;
        for (var d = 0; d < D; d++) { dot += q[qr * D + d] * rowA[d]; }
        let p = exp(dot * uniforms.scale + maskAt(b, i % T, j) - stats[2 * qr]) / stats[2 * qr + 1];
        ${
          this.dk
            ? `var dp = 0.0;
        for (var d = 0; d < D; d++) { dp += dO[qr * D + d] * rowB[d]; }
        w = p * (dp - delta[qr]);`
            : `w = p;
        _ = delta[0]; // dv reads no Δ, but the bind group has it: a static use keeps it in the auto layout`
        }
      }
      blk[tid] = w;
      workgroupBarrier();
      let n = min(WG, G * T - i0);
      for (var ii = 0; ii < n; ii++) {
        let src = (qHead0 + i0 + ii) * D;
        if (tid < D) { acc0 += blk[ii] * ${this.dk ? 'q' : 'dO'}[src + tid]; }
        if (tid + WG < D) { acc1 += blk[ii] * ${this.dk ? 'q' : 'dO'}[src + tid + WG]; }
      }
      workgroupBarrier();
    }
    let f = ${this.dk ? 'uniforms.scale' : '1.0'};
    if (r < rows) {
      if (tid < D) { result[r * D + tid] = acc0 * f; }
      if (tid + WG < D) { result[r * D + tid + WG] = acc1 * f; }
    }
  }`;
  }
}

const K_FWD = 'StudioAttention';
const K_STATS = 'StudioAttentionStats';
const K_DQ = 'StudioAttentionDq';
const K_DK = 'StudioAttentionDk';
const K_DV = 'StudioAttentionDv';

const scaleOf = (q: tf.TensorInfo) => [{ type: 'float32' as const, data: [1 / Math.sqrt(q.shape[3])] }];
const queryRows = (q: tf.TensorInfo) => q.shape[0] * q.shape[1] * q.shape[2];
const keyRows = (k: tf.TensorInfo) => k.shape[0] * k.shape[1] * k.shape[2];

registerWebGPUKernel(K_FWD, (b, { q, k, v, mask }) =>
  b.runWebGPUProgram(new AttnForwardProgram(q.shape, queryRows(q), false), [q, k, v, mask], 'float32', scaleOf(q)),
);
registerWebGPUKernel(K_STATS, (b, { q, k, v, mask }) =>
  b.runWebGPUProgram(
    new AttnForwardProgram([...q.shape.slice(0, 3), 2], queryRows(q), true),
    [q, k, v, mask],
    'float32',
    scaleOf(q),
  ),
);
const backwardPrograms = {
  [K_DQ]: (q: tf.TensorInfo) => new AttnDqProgram(q.shape, queryRows(q)),
  [K_DK]: (_: tf.TensorInfo, k: tf.TensorInfo) => new AttnDkvProgram(k.shape, keyRows(k), true),
  [K_DV]: (_: tf.TensorInfo, k: tf.TensorInfo) => new AttnDkvProgram(k.shape, keyRows(k), false),
};
for (const [name, make] of Object.entries(backwardPrograms)) {
  registerWebGPUKernel(name, (b, { q, k, v, mask, dO, stats, delta }) =>
    b.runWebGPUProgram(make(q, k), [q, k, v, mask, dO, stats, delta], 'float32', scaleOf(q)),
  );
}

/**
 * Drop-in for kernels/plain.ts attention on the webgpu backend: q (B, H, T, D), k and v
 * (B, KV, S, D), additive mask (B or 1, 1, T, S) → (B, H, T, D). Gradients to q, k and v; the mask
 * is a constant (none to it).
 */
export function attentionWebGPU(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  assertWebGPU('attentionWebGPU');
  const [B, H, T, D] = q.shape;
  const [, KV, S] = k.shape;
  const bad = (what: string) =>
    new Error(`attentionWebGPU: ${what} (q [${q.shape}], k [${k.shape}], v [${v.shape}], mask [${mask.shape}])`);
  if (D > MAX_D) throw bad(`head size ${D} is over ${MAX_D}`);
  if (k.shape[0] !== B || k.shape[3] !== D || !tf.util.arraysEqual(k.shape, v.shape))
    throw bad('k and v must be (B, KV, S, D)');
  if (H % KV !== 0) throw bad(`${H} query heads are not a multiple of ${KV} key/value heads`);
  if (
    mask.rank !== 4 ||
    (mask.shape[0] !== B && mask.shape[0] !== 1) ||
    mask.shape[1] !== 1 ||
    mask.shape[2] !== T ||
    mask.shape[3] !== S
  )
    throw bad('mask must be (B or 1, 1, T, S)');
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qi, ki, vi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const out = runKernel<tf.Tensor4D>(K_FWD, { q: qi, k: ki, v: vi, mask });
    save([qi, ki, vi, mask, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [qs, ks, vs, ms, os] = saved;
        const inputs = { q: qs, k: ks, v: vs, mask: ms };
        const stats = runKernel(K_STATS, inputs); // (B, H, T, 2): softmax max and sum per query row
        const delta = tf.sum(tf.mul(dy, os), -1); // Δ (B, H, T)
        const all = { ...inputs, dO: dy, stats, delta };
        return [runKernel(K_DQ, all), runKernel(K_DK, all), runKernel(K_DV, all)];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(q, k, v) as tf.Tensor4D;
}
