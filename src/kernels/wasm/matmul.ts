// Matmuls phrased so tfjs-wasm hands every one to XNNPACK. Its BatchMatMul kernel takes XNNPACK's
// fully-connected operator only for a 2-D product with neither operand transposed (~20–35 GFLOP/s on
// one thread in Node); a transposed operand or a batch above 1 falls back to a scalar loop (~1–3
// GFLOP/s, measured with wasm-train.bench.ts). So: operands are transposed explicitly, gradients are
// written by hand with the same rule, and batched products run as a loop of 2-D products over slices.
// Transposes are done in JavaScript, reading and writing the wasm heap in place (heap.ts):
// tfjs-wasm's Transpose kernel took 28 ms for a (2048, 256) matrix (longer than the matmul it
// feeds), a cache-blocked JS loop ~6 ms.
// Each op here equals its plain-op twin (checked to 1e-4 in fast-path.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { produce, produceOne } from './heap';

type Grad = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[];
};

/** a (N, K) @ b (K, P), 2-D and untransposed: the XNNPACK case. */
function mm(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, b);
}

const BLOCK = 32; // 32×32 floats = 4 KiB per tile: source and destination tiles stay in L1

/**
 * dst[off2 + c·R + r] = src[off + r·C + c]: the (R, C) block at off, transposed, in 32×32 tiles.
 * Inside a tile, eight source rows go out together, so each destination write is a run of 8
 * adjacent floats rather than one float every R: with R = 2048 the one-at-a-time loop hit the same
 * cache sets on every write and moved ~560 MiB/s, this ~5 GiB/s (measured in Node).
 */
function transposeInto(src: Float32Array, off: number, R: number, C: number, dst: Float32Array, off2: number): void {
  for (let r0 = 0; r0 < R; r0 += BLOCK) {
    const r1 = Math.min(R, r0 + BLOCK);
    for (let c0 = 0; c0 < C; c0 += BLOCK) {
      const c1 = Math.min(C, c0 + BLOCK);
      let r = r0;
      for (; r + 8 <= r1; r += 8) {
        for (let c = c0; c < c1; c++) {
          const o = off2 + c * R + r;
          const s = off + r * C + c;
          dst[o] = src[s];
          dst[o + 1] = src[s + C];
          dst[o + 2] = src[s + 2 * C];
          dst[o + 3] = src[s + 3 * C];
          dst[o + 4] = src[s + 4 * C];
          dst[o + 5] = src[s + 5 * C];
          dst[o + 6] = src[s + 6 * C];
          dst[o + 7] = src[s + 7 * C];
        }
      }
      for (; r < r1; r++) {
        const o = off + r * C;
        for (let c = c0; c < c1; c++) dst[off2 + c * R + r] = src[o + c];
      }
    }
  }
}

/** x (R, C) → xᵀ (C, R), no gradient (used inside hand-written gradients). */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [R, C] = x.shape;
  return produceOne([C, R], (out, read) => transposeInto(read(x), 0, R, C, out, 0)) as tf.Tensor2D;
}

/** (A, B, C, D) → (A, C, B, D) by copying D-long runs (tfjs-wasm's Transpose is slow here too). */
function swapMiddleRaw(x: tf.Tensor4D): tf.Tensor4D {
  const [A, B, C, D] = x.shape;
  return produceOne([A, C, B, D], (dst, read) => {
    const src = read(x);
    for (let a = 0; a < A; a++)
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) {
          const from = ((a * B + b) * C + c) * D;
          dst.set(src.subarray(from, from + D), ((a * C + c) * B + b) * D);
        }
  }) as tf.Tensor4D;
}

/** tf.transpose(x, [0, 2, 1, 3]) with the same op as its own gradient: heads split and merge. */
export function swapMiddle(x: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad(((...args) => {
    const [xi] = args as [tf.Tensor4D];
    return { value: swapMiddleRaw(xi), gradFunc: (dy) => [swapMiddleRaw(dy as tf.Tensor4D)] };
  }) as Grad);
  return f(x) as tf.Tensor4D;
}

/**
 * x (N, in) @ Wᵀ with W in Hugging Face's (out, in) layout → (N, out).
 * Backward: dX = dY (N, out) · W (out, in); dW = dYᵀ (out, N) · X (N, in), or (Xᵀ · dY)ᵀ when X is
 * no wider than dY: Xᵀ is shared by every projection of the same input, and the outer transpose
 * is only (in, out).
 */
export function linearFast(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((...args) => {
    const [xi, wi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: tf.tidy(() => mm(xi, transpose2d(wi))),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        return tf.tidy(() => {
          const dx = mm(g, ws); // (N, in)
          const [out, inn] = ws.shape;
          const dw = inn <= out ? transpose2d(mm(transpose2d(xs), g)) : mm(transpose2d(g), xs); // (out, in)
          return [dx, dw];
        });
      },
    };
  }) as Grad);
  return f(x, w) as tf.Tensor2D;
}

/**
 * linearFast for a weight that takes no gradient (a frozen LoRA base): the same product, but w is
 * held by the closure instead of being an input, so the backward computes dX = dY · W only — not
 * the (out, in) dW that linearFast's gradFunc would compute and the tape would throw away.
 */
export function linearFrozenFast(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((...args) => {
    const [xi] = args as [tf.Tensor2D, tf.GradSaveFunc];
    return {
      value: tf.tidy(() => mm(xi, transpose2d(w))),
      gradFunc: (dy) => [mm(dy as tf.Tensor2D, w)], // (N, out) @ (out, in) → (N, in)
    };
  }) as Grad);
  return f(x) as tf.Tensor2D;
}

/**
 * x (N, K) @ M for a constant M (K, P) (no gradient for M): dX = dY · Mᵀ, with Mᵀ passed in
 * precomputed so both directions are untransposed 2-D products.
 */
export function matMulConst(x: tf.Tensor2D, m: tf.Tensor2D, mT: tf.Tensor2D): tf.Tensor2D {
  // mT rides along as an input so save() keeps it alive past the caller's tidy; its gradient is zero.
  const f = tf.customGrad(((...args) => {
    const [xi, , mTi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([mTi]);
    return {
      value: mm(xi, m),
      gradFunc: (dy, saved) => [
        mm(dy as tf.Tensor2D, saved[0] as tf.Tensor2D),
        tf.zerosLike(m),
        tf.zerosLike(saved[0]),
      ],
    };
  }) as Grad);
  return f(x, m, mT) as tf.Tensor2D;
}

/**
 * Slice-wise 2-D products, no gradient: out[i] = opA(a[i]) @ opB(b[⌊i/G⌋]) with G = na / nb, where
 * opX transposes the stored slice when tX is set. The slices are cut (and transposed) from one
 * download of each operand: tfjs-wasm's Slice kernel copies the whole input per call (readSync),
 * which for 32 heads cost more than the products themselves.
 */
function bmmSlices(a: tf.Tensor3D, b: tf.Tensor3D, tA: boolean, tB: boolean): tf.Tensor3D {
  const [na, a1, a2] = a.shape;
  const [nb, b1, b2] = b.shape;
  const [M, K] = tA ? [a2, a1] : [a1, a2];
  const [K2, P] = tB ? [b2, b1] : [b1, b2];
  if (K !== K2 || na % nb !== 0)
    throw new Error(
      `bmm: shapes [${a.shape}] and [${b.shape}] do not pair (inner sizes ${K} and ${K2} must match, batch ${na} must be a multiple of ${nb})`,
    );
  const G = na / nb;
  // Untransposed, the G slices of a that read b[j] are contiguous rows: one (G·M, K) product each.
  const aRows = tA ? M : G * M;
  const aCount = tA ? na : nb;
  return tf.tidy(() => {
    const shapes = [...Array.from({ length: nb }, () => [K, P]), ...Array.from({ length: aCount }, () => [aRows, K])];
    const parts = produce(shapes, (outs, read) => {
      const av = read(a);
      const bv = read(b);
      for (let j = 0; j < nb; j++) copySlice(bv, j, K, P, tB, outs[j]);
      for (let i = 0; i < aCount; i++) copySlice(av, i, aRows, K, tA, outs[nb + i]);
    }) as tf.Tensor2D[];
    const bs = parts.slice(0, nb);
    const as = parts.slice(nb);
    const outs = tA ? as.map((ai, i) => mm(ai, bs[Math.floor(i / G)])) : bs.map((bj, j) => mm(as[j], bj));
    return tf.reshape(tf.concat(outs, 0), [na, M, P]) as tf.Tensor3D;
  });
}

/** Slice i of v as a (rows, cols) matrix into out; with t, the slice is stored (cols, rows) and transposed. */
function copySlice(v: Float32Array, i: number, rows: number, cols: number, t: boolean, out: Float32Array): void {
  const n = rows * cols;
  if (t) transposeInto(v, i * n, cols, rows, out, 0);
  else out.set(v.subarray(i * n, (i + 1) * n));
}

/**
 * Batched product with grouped b: a (na, M, K) @ b (nb, K, P), or @ b(nb, P, K)ᵀ with transB →
 * (na, M, P), slice i reading b slice ⌊i / G⌋, G = na / nb. With slices ordered (batch, head) this
 * is grouped-query attention without materialising repeat_kv: query head h reads key/value head ⌊h/G⌋.
 * Backward, with A_j and dY_j the G contiguous slices that read b slice j stacked to (G·M, ·):
 *   plain:  dA[i] = dY[i] · B[⌊i/G⌋]ᵀ;  dB[j] = A_jᵀ (K, G·M) · dY_j (G·M, P)
 *   transB: dA[i] = dY[i] · B[⌊i/G⌋];   dB[j] = dY_jᵀ (P, G·M) · A_j (G·M, K)
 */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D, transB = false): tf.Tensor3D {
  const f = tf.customGrad(((...args) => {
    const [ai, bi, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([ai, bi]);
    return {
      value: bmmSlices(ai, bi, false, transB),
      gradFunc: (dy, saved) => {
        const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return tf.tidy(() => {
          const [na, M, K] = sa.shape;
          const nb = sb.shape[0];
          const P = g.shape[2];
          const G = na / nb;
          const da = bmmSlices(g, sb, false, !transB); // (na, M, K)
          const aj = tf.reshape(sa, [nb, G * M, K]) as tf.Tensor3D;
          const gj = tf.reshape(g, [nb, G * M, P]) as tf.Tensor3D;
          const db = transB ? bmmSlices(gj, aj, true, false) : bmmSlices(aj, gj, true, false); // (nb, P, K) or (nb, K, P)
          return [da, db];
        });
      },
    };
  }) as Grad);
  return f(a, b) as tf.Tensor3D;
}
