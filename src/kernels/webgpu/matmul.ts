// One tiled GEMM for every matrix product of a training step on the webgpu backend, replacing
// tf.matMul there: C[b] = op(A[b]) · op(B[b]), op a transpose or not.
//
// Why: tfjs-backend-webgpu keys its MatMulPacked pipelines on the transposes, vec4 width, tile fit
// and batch, so one tiny-preset step compiled 11 matmul variants, ~90% of its first step's compile
// time on SwiftShader (0.65–2.5 s of CPU each). Here transposes, batch, sizes and strides are
// uniforms, not shader text: the inputs go in flat (rank 1) and the output is (batch, M, N), so
// tfjs's own shader key (ranks, dtypes, broadcast dims, in-shape = out-shape) never varies either —
// one pipeline for the forward products and every gradient product.
//
// Layout: a workgroup of 8 × 8 threads computes a 32 × 32 tile of C, each thread 4 × 4 outputs, over
// K in steps of 32 through workgroup memory. A transpose is only a swap of the two strides the tile
// loads read with (op(A)(m, k) = A[b·sAb + m·sAm + k·sAk]); the loads walk the unit-stride index
// across neighbouring threads whichever operand is transposed. A batch of 1 broadcasts (stride 0).
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { assertWebGPU, registerWebGPUKernel, runKernel } from './kernels';

const TILE = 32; // TM = TN = TK
const WG = 8; // threads per side: 8 × 8, 4 × 4 outputs each

class GemmProgram implements WebGPUProgram {
  variableNames = ['A', 'B'];
  shaderKey = 'studioGemm';
  outputShape: number[];
  dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, WG, 1];
  // (M, N, K, 0); A's and B's element strides (batch, along M or K, along K or N, 0).
  uniforms = 'dims : vec4<i32>, aStr : vec4<i32>, bStr : vec4<i32>,';
  constructor(batch: number, M: number, N: number) {
    this.outputShape = [batch, M, N];
    // A 1 × 1 × 1… grid along y and z would make tfjs key the pipeline 'flatDispatch' (another
    // shader): such a product gets one idle row of workgroups instead (its loads are all out of
    // bounds and it writes nothing; no early return: tfjs copies workgroupId into a private
    // variable, which WGSL's uniformity analysis takes as non-uniform before a barrier).
    const rows = Math.ceil(M / TILE);
    this.dispatch = [Math.ceil(N / TILE), rows === 1 && batch === 1 ? 2 : rows, batch];
  }
  getUserCode(): string {
    return `
  const T : i32 = ${TILE};
  const T4 : i32 = ${TILE / 4};
  var<workgroup> As : array<vec4<f32>, ${(TILE * TILE) / 4}>; // [k][m / 4]
  var<workgroup> Bs : array<vec4<f32>, ${(TILE * TILE) / 4}>; // [k][n / 4]

  fn main() {
    let M = uniforms.dims.x; let N = uniforms.dims.y; let K = uniforms.dims.z;
    let batch = i32(workgroupId.z);
    let row0 = i32(workgroupId.y) * T;
    let col0 = i32(workgroupId.x) * T;
    let tx = i32(localId.x); let ty = i32(localId.y);
    let tid = ty * ${WG} + tx;
    let aBase = batch * uniforms.aStr.x;
    let bBase = batch * uniforms.bStr.x;
    // Which tile index neighbouring threads walk: the operand's unit-stride one (coalesced reads).
    let aAlongK = uniforms.aStr.z == 1;
    let bAlongK = uniforms.bStr.y == 1;
    var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
    for (var k0 = 0; k0 < K; k0 = k0 + T) {
      for (var i = 0; i < ${(TILE * TILE) / (WG * WG)}; i = i + 1) {
        let e = tid + i * ${WG * WG};
        let lo = e % T; let hi = e / T;
        let am = select(lo, hi, aAlongK); let ak = select(hi, lo, aAlongK);
        let gm = row0 + am; let gk = k0 + ak;
        var av = 0.0;
        if (gm < M && gk < K) { av = A[aBase + gm * uniforms.aStr.y + gk * uniforms.aStr.z]; }
        As[ak * T4 + am / 4][am % 4] = av;
        let bn = select(lo, hi, bAlongK); let bk = select(hi, lo, bAlongK);
        let gn = col0 + bn; let gk2 = k0 + bk;
        var bv = 0.0;
        if (gn < N && gk2 < K) { bv = B[bBase + gk2 * uniforms.bStr.y + gn * uniforms.bStr.z]; }
        Bs[bk * T4 + bn / 4][bn % 4] = bv;
      }
      workgroupBarrier();
      for (var k = 0; k < T; k = k + 1) {
        let a = As[k * T4 + ty];
        let b = Bs[k * T4 + tx];
        acc0 = fma(vec4<f32>(a.x), b, acc0);
        acc1 = fma(vec4<f32>(a.y), b, acc1);
        acc2 = fma(vec4<f32>(a.z), b, acc2);
        acc3 = fma(vec4<f32>(a.w), b, acc3);
      }
      workgroupBarrier();
    }
    let r = row0 + ty * 4;
    let c = col0 + tx * 4;
    let out0 = batch * M * N;
    var acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var i = 0; i < 4; i = i + 1) {
      if (r + i < M) {
        for (var j = 0; j < 4; j = j + 1) {
          if (c + j < N) { result[out0 + (r + i) * N + c + j] = acc[i][j]; }
        }
      }
    }
  }`;
  }
}

const K_GEMM = 'StudioGemm';

interface GemmAttrs {
  batch: number;
  M: number;
  N: number;
  K: number;
  aStr: number[];
  bStr: number[];
  // For the gradient: the operands' (batch, rows, cols) and transposes.
  aShape: [number, number, number];
  bShape: [number, number, number];
  transposeA: boolean;
  transposeB: boolean;
}

registerWebGPUKernel(K_GEMM, (backend, { A, B }, attrs) => {
  const { batch, M, N, K, aStr, bStr } = attrs as unknown as GemmAttrs;
  return backend.runWebGPUProgram(new GemmProgram(batch, M, N), [A, B], 'float32', [
    { type: 'int32', data: [M, N, K, 0] },
    { type: 'int32', data: [...aStr, 0] },
    { type: 'int32', data: [...bStr, 0] },
  ]);
});

/**
 * op(a) · op(b) for a (Ba, ra, ca), b (Bb, rb, cb), Ba and Bb equal or 1 (broadcast) → (max(Ba, Bb), M, N),
 * gradients through the kernel's registered gradient below.
 */
function gemm3(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const [Ba, ra, ca] = a.shape;
  const [Bb, rb, cb] = b.shape;
  const [M, Ka] = transposeA ? [ca, ra] : [ra, ca];
  const [Kb, N] = transposeB ? [cb, rb] : [rb, cb];
  if (Ka !== Kb) throw new Error(`matMulWebGPU: inner sizes differ (${Ka} and ${Kb})`);
  if (Ba !== Bb && Ba !== 1 && Bb !== 1) throw new Error(`matMulWebGPU: batch sizes ${Ba} and ${Bb} do not broadcast`);
  const attrs: GemmAttrs = {
    batch: Math.max(Ba, Bb),
    M,
    N,
    K: Ka,
    // op(A)(m, k) = A[b·sb + m·sm + k·sk]; op(B)(k, n) = B[b·sb + k·sk + n·sn].
    aStr: [Ba === 1 ? 0 : ra * ca, transposeA ? 1 : ca, transposeA ? ca : 1],
    bStr: [Bb === 1 ? 0 : rb * cb, transposeB ? 1 : cb, transposeB ? cb : 1],
    aShape: a.shape,
    bShape: b.shape,
    transposeA,
    transposeB,
  };
  return tf.tidy(() =>
    runKernel<tf.Tensor3D>(
      K_GEMM,
      { A: tf.reshape(a, [-1]), B: tf.reshape(b, [-1]) },
      attrs as unknown as tf.NamedAttrMap,
    ),
  );
}

/** A summed over its batch when the product broadcast it (batch 1 against the other's B). */
const unbroadcast = (g: tf.Tensor3D, batch: number): tf.Tensor3D =>
  batch === 1 && g.shape[0] !== 1 ? (tf.sum(g, 0, true) as tf.Tensor3D) : g;

// C = op(A)·op(B): d op(A) = dC·op(B)ᵀ, d op(B) = op(A)ᵀ·dC, a transposed operand taking its gradient
// transposed; the gradients are the same GEMM (the same pipeline). A registered gradient, not
// tf.customGrad: tfjs's tape calls only the closures of inputs it needs, so a frozen weight (LoRA's
// base) costs no dW product.
tf.registerGradient({
  kernelName: K_GEMM,
  inputsToSave: ['A', 'B'],
  gradFunc: (dy, saved, attrs) => {
    const { aShape, bShape, transposeA: tA, transposeB: tB } = attrs as unknown as GemmAttrs;
    const a = () => tf.reshape(saved[0], aShape) as tf.Tensor3D;
    const b = () => tf.reshape(saved[1], bShape) as tf.Tensor3D;
    const d = dy as tf.Tensor3D; // (batch, M, N)
    return {
      A: () => {
        const dA = tA ? gemm3(b(), d, tB, true) : gemm3(d, b(), false, !tB);
        return tf.reshape(unbroadcast(dA, aShape[0]), [-1]);
      },
      B: () => {
        const dB = tB ? gemm3(d, a(), true, tA) : gemm3(a(), d, !tA, false);
        return tf.reshape(unbroadcast(dB, bShape[0]), [-1]);
      },
    };
  },
});

/**
 * tf.matMul's contract on the webgpu backend through one pipeline: a (..., ra, ca), b (..., rb, cb)
 * with equal leading dimensions (or rank 2 on either side, broadcast) → (..., M, N), gradients to both.
 */
export function matMulWebGPU(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  assertWebGPU('matMulWebGPU');
  if (a.rank < 2 || b.rank < 2)
    throw new Error(`matMulWebGPU: operands must have rank ≥ 2, got ${a.rank} and ${b.rank}`);
  const lead = (t: tf.Tensor) => t.shape.slice(0, -2);
  const [la, lb] = [lead(a), lead(b)];
  if (la.length > 0 && lb.length > 0 && la.join() !== lb.join())
    throw new Error(`matMulWebGPU: batch dimensions [${la}] and [${lb}] must be equal`);
  const outLead = la.length > 0 ? la : lb;
  const to3 = (t: tf.Tensor) => tf.reshape(t, [-1, t.shape[t.rank - 2], t.shape[t.rank - 1]]) as tf.Tensor3D;
  return tf.tidy(() => {
    const out = gemm3(to3(a), to3(b), transposeA, transposeB);
    return tf.reshape(out, [...outLead, out.shape[1], out.shape[2]]);
  });
}
