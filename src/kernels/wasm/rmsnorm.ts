// RMSNorm with a hand-written gradient, for the wasm fast path. tfjs's gradient of mean() builds
// ones(x.shape) in a fresh JavaScript array on every call (Mean_grad), which with 9 norms over
// (2048, 256) rows was ~3% of a reference train step on wasm, nearly all of it page faults.
// Same math as plain.ts's rmsNorm (checked against it in fast-path.test.ts):
//   r = rsqrt(mean(x²) + ε) (N, 1);  y = x · r · w
//   dw = Σ_rows dy · x · r (C);  g = dy · w;  dx = r · g − x · r³ · mean(g · x) (N, C)
import * as tf from '@tensorflow/tfjs-core';

type Grad = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[];
};

/** x (N, C), w (C) → (N, C). */
export function rmsNormFast(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = tf.customGrad(((...args) => {
    const [xi, wi, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xi), -1, true), eps)); // (N, 1)
    save([xi, wi, r]);
    return {
      value: tf.mul(tf.mul(xi, r), wi),
      gradFunc: (dy, saved) => {
        const [xs, ws, rs] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        return tf.tidy(() => {
          const xr = tf.mul(xs, rs); // (N, C) the normalised input
          const dw = tf.sum(tf.mul(d, xr), 0); // (C)
          const g = tf.mul(d, ws); // (N, C)
          const m = tf.mean(tf.mul(g, xs), -1, true); // (N, 1)
          const dx = tf.sub(tf.mul(g, rs), tf.mul(xr, tf.mul(tf.square(rs), m))); // r·g − x·r³·m
          return [dx, dw];
        });
      },
    };
  }) as Grad);
  return f(x, w) as tf.Tensor2D;
}
