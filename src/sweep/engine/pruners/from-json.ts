// Rebuilds a pruner from its PrunerSpec for Study.fromJSON.
import type { Pruner, PrunerSpec } from './base';
import { MedianPruner } from './median';
import { NopPruner } from './nop';
import { PercentilePruner } from './percentile';
import { SuccessiveHalvingPruner } from './successive-halving';

export function prunerFromJSON(spec: PrunerSpec): Pruner {
  switch (spec.kind) {
    case 'nop':
      return new NopPruner();
    case 'median':
    case 'percentile': {
      const options = {
        nStartupTrials: spec.nStartupTrials,
        nWarmupSteps: spec.nWarmupSteps,
        intervalSteps: spec.intervalSteps,
        nMinTrials: spec.nMinTrials,
      };
      return spec.kind === 'median' ? new MedianPruner(options) : new PercentilePruner(spec.percentile, options);
    }
    case 'successive-halving':
      return new SuccessiveHalvingPruner(
        {
          minResource: spec.minResource,
          reductionFactor: spec.reductionFactor,
          minEarlyStoppingRate: spec.minEarlyStoppingRate,
          bootstrapCount: spec.bootstrapCount,
        },
        spec.estimatedMinResource,
      );
    default:
      throw new TypeError(`unknown pruner kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}
