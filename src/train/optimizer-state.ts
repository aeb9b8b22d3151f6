// AdamW state in one portable shape: the moments of every parameter as flat arrays in flatLayout
// order (flat.ts), plus the bias-correction step. Every optimizer (AdamW's per-name maps,
// ReplicatedAdamW, ZeroAdamW's shards) exports and restores this shape, so a state saved by one
// kind resumes in another (e.g. saved on one device, resumed with two replicas under ZeRO-1).

import type { LossScalerState } from '../collectives/fp16';

export interface OptimizerState {
  step: number; // optimizer updates applied so far (t in the bias corrections 1 − βᵗ)
  m: Float32Array; // (P) first moments, layout order
  v: Float32Array; // (P) second moments, layout order
  // The fp16 exchange's dynamic loss scaler (collectives/fp16.ts), when the run uses one: without it a
  // resume would restart at 2^16 and skip or scale steps differently from the straight run.
  lossScale?: LossScalerState;
}

/** Throws naming what is wrong when state does not fit a layout of `total` values. */
export function checkOptimizerState(state: OptimizerState, total: number, what: string): void {
  if (!Number.isSafeInteger(state.step) || state.step < 0)
    throw new Error(`${what}: optimizer step must be a non-negative integer, got ${String(state.step)}`);
  for (const k of ['m', 'v'] as const) {
    const a = state[k];
    if (!(a instanceof Float32Array)) throw new Error(`${what}: optimizer ${k} must be a Float32Array`);
    if (a.length !== total)
      throw new Error(`${what}: optimizer ${k} has ${a.length} values, the model's layout needs ${total}`);
  }
  const ls = state.lossScale;
  if (ls !== undefined) {
    if (typeof ls !== 'object' || ls === null)
      throw new Error(`${what}: loss scale must be an object { scale, growthTracker }`);
    if (!(typeof ls.scale === 'number' && ls.scale > 0 && Number.isFinite(ls.scale)))
      throw new Error(`${what}: loss scale must be a positive finite number, got ${JSON.stringify(ls.scale)}`);
    if (!Number.isSafeInteger(ls.growthTracker) || ls.growthTracker < 0)
      throw new Error(
        `${what}: loss scale growthTracker must be a non-negative integer, got ${JSON.stringify(ls.growthTracker)}`,
      );
  }
}
