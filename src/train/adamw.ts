// AdamW with decoupled weight decay, matching torch.optim.AdamW (what the seed's Trainer uses):
//   p ← p − lr·wd·p;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
// State is explicit (named moments + step) so it can be checkpointed and sharded later. The update of
// one tensor is kernels/ops.ts's adamwUpdate: one fused dispatch on webgpu, tfjs ops elsewhere.
import * as tf from '@tensorflow/tfjs-core';
import { adamwUpdate, GATE } from '../kernels/ops';
import type { FlatLayout } from './flat';
import { checkOptimizerState, type OptimizerState } from './optimizer-state';

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
    this.update(params, grads, lr, this.step);
  }

  /**
   * One update gated by `gate`, the step gate ops.stepGate made on the device (4: loss, norm, clip
   * coefficient, finite): every tensor's update is dispatched at once for step t = step + 1, scaled
   * by the coefficient, and leaves p, m, v untouched on the device when the step is not finite. Then
   * the gate is read back (the step's one read-back, after the update is queued) and the step count
   * advances only when the update was applied, so bias corrections count applied steps alone.
   * Returns the gate's values.
   */
  async applyGated(
    params: Map<string, tf.Variable>,
    grads: Map<string, tf.Tensor>,
    lr: number,
    gate: tf.Tensor1D,
  ): Promise<Float32Array> {
    this.update(params, grads, lr, this.step + 1, gate);
    const values = (await gate.data()) as Float32Array;
    if (values[GATE.finite] === 1) this.step += 1;
    return values;
  }

  private update(
    params: Map<string, tf.Variable>,
    grads: Map<string, tf.Tensor>,
    lr: number,
    step: number,
    gate?: tf.Tensor1D,
  ): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      if (!this.m.has(name)) {
        this.m.set(
          name,
          tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        );
        this.v.set(
          name,
          tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        );
      }
      const decay = this.opts.decays(name) ? weightDecay : 0;
      // One fused dispatch on webgpu, the plain ops elsewhere (kernels/ops.ts).
      adamwUpdate(
        p,
        g,
        this.m.get(name)!,
        this.v.get(name)!,
        { lr, beta1, beta2, eps, weightDecay: decay, step },
        gate,
      );
    }
  }

  /** The moments in flat layout order (zeros for a parameter not yet updated), copied off the backend. */
  async exportState(layout: FlatLayout): Promise<OptimizerState> {
    const m = new Float32Array(layout.total);
    const v = new Float32Array(layout.total);
    for (const e of layout.entries) {
      const mt = this.m.get(e.name);
      const vt = this.v.get(e.name);
      if (!mt || !vt) continue;
      if (mt.size !== e.size)
        throw new Error(`AdamW: moments of "${e.name}" hold ${mt.size} values, layout says ${e.size}`);
      m.set((await mt.data()) as Float32Array, e.offset);
      v.set((await vt.data()) as Float32Array, e.offset);
    }
    for (const name of this.m.keys())
      if (!layout.entries.some((e) => e.name === name))
        throw new Error(`AdamW: moments for "${name}", which the layout lacks`);
    return { step: this.step, m, v };
  }

  /** Replaces every moment and the step with a saved state (layout order); the next apply continues it. */
  restoreState(layout: FlatLayout, state: OptimizerState): void {
    checkOptimizerState(state, layout.total, 'AdamW.restoreState');
    this.dispose();
    for (const e of layout.entries) {
      // slice(): the cpu backend keeps the array it is given, so a view would alias the caller's state.
      const part = (a: Float32Array) =>
        tf.tidy(() => tf.variable(tf.tensor(a.slice(e.offset, e.offset + e.size), e.shape, 'float32'), false));
      this.m.set(e.name, part(state.m));
      this.v.set(e.name, part(state.v));
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
