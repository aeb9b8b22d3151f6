// AdamW with decoupled weight decay, matching torch.optim.AdamW (what the seed's Trainer uses):
//   p ← p − lr·wd·p;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
// State is explicit (named moments + step) so it can be checkpointed and sharded later.
import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Which parameters decay (the seed excludes norm weights). */
  decays: (name: string) => boolean;
}

export const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class AdamW {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(readonly opts: AdamWOptions) {}

  /** One update of every variable that has a gradient, at learning rate lr. */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      if (!this.m.has(name)) {
        this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
        this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      }
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const decay = this.opts.decays(name) ? weightDecay : 0;
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const decayed = decay > 0 ? tf.mul(p, 1 - lr * decay) : p;
        const denom = tf.add(tf.sqrt(tf.div(v1, bc2)), eps);
        const update = tf.mul(tf.div(m1, denom), lr / bc1);
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(decayed, update));
      });
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
