// NopPruner: never prunes (Optuna's NopPruner), for sweeps that should run every trial in full.
import type { NopPrunerSpec, Pruner } from './base';

export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }

  toJSON(): NopPrunerSpec {
    return { kind: 'nop' };
  }
}
