// The sampler contract, in Optuna's shape (BaseSampler): a joint ("relative") sample over an
// inferred search space at the start of a trial, and an independent sample per parameter for
// anything the joint sample does not cover.
import type { CategoricalChoice, Distribution, ParamValue } from '../distributions';
import type { Study } from '../study';
import type { Trial, TrialState } from '../trial';

export interface Sampler {
  inferRelativeSearchSpace(study: Study, trial: Trial): Record<string, Distribution>;
  sampleRelative(study: Study, trial: Trial, searchSpace: Record<string, Distribution>): Record<string, ParamValue>;
  sampleIndependent(study: Study, trial: Trial, name: string, distribution: Distribution): ParamValue;
  /** Called by Study.ask once the trial exists (GridSampler assigns its grid point here). */
  beforeTrial?(study: Study, trial: Trial): void;
  /** Called by Study.tell before the state is stored (the trial is still 'running' here). */
  afterTrial?(study: Study, trial: Trial, state: Exclude<TrialState, 'running'>, value: number | null): void;
  /** Configuration plus RNG position, so a restored study continues the same stream. */
  toJSON(): SamplerSpec;
}

export interface RandomSamplerSpec {
  kind: 'random';
  seed: number;
  draws: number;
}

export interface GridSamplerSpec {
  kind: 'grid';
  searchSpace: Record<string, CategoricalChoice[]>;
  seed: number;
  draws: number;
}

export interface TPESamplerSpec {
  kind: 'tpe';
  seed: number;
  draws: number;
  randomDraws: number;
  nStartupTrials: number;
  nEiCandidates: number;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  multivariate: boolean;
  constantLiar: boolean;
  /** True when gamma/weights were custom functions, which JSON cannot carry. */
  customFunctions: boolean;
}

export type SamplerSpec = RandomSamplerSpec | GridSamplerSpec | TPESamplerSpec;
