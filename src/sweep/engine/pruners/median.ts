// Optuna's MedianPruner: PercentilePruner(50) with the same defaults
// (n_startup_trials 5, n_warmup_steps 0, interval_steps 1, n_min_trials 1).
import type { PercentilePrunerSpec } from './base';
import { PercentilePruner, type PercentilePrunerOptions } from './percentile';

export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }

  override toJSON(): PercentilePrunerSpec {
    return { ...super.toJSON(), kind: 'median' };
  }
}
