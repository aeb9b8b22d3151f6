// Rebuilds a sampler from its SamplerSpec (configuration + RNG position) for Study.fromJSON.
import type { Sampler, SamplerSpec } from './base';
import { GridSampler } from './grid';
import { RandomSampler } from './random';
import { TPESampler } from './tpe';

export function samplerFromJSON(spec: SamplerSpec): Sampler {
  switch (spec.kind) {
    case 'random':
      return new RandomSampler(spec.seed, spec.draws);
    case 'grid':
      return new GridSampler(spec.searchSpace, spec.seed, spec.draws);
    case 'tpe':
      if (spec.customFunctions) {
        throw new Error(
          'this TPESampler used custom gamma/weights functions, which JSON cannot carry; pass `sampler` to Study.fromJSON',
        );
      }
      return new TPESampler(
        {
          seed: spec.seed,
          nStartupTrials: spec.nStartupTrials,
          nEiCandidates: spec.nEiCandidates,
          priorWeight: spec.priorWeight,
          considerMagicClip: spec.considerMagicClip,
          considerEndpoints: spec.considerEndpoints,
          multivariate: spec.multivariate,
          constantLiar: spec.constantLiar,
        },
        { draws: spec.draws, randomDraws: spec.randomDraws },
      );
    default:
      throw new TypeError(`unknown sampler kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}
