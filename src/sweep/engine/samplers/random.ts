// RandomSampler: independent uniform sampling (Optuna's RandomSampler via _SearchSpaceTransform):
// log parameters uniform in log space; stepped parameters uniform on [low − step/2, high + step/2]
// then snapped to the grid (so every grid point, ends included, has equal mass); categorical
// uniform over choices.
import type { Distribution, ParamValue } from '../distributions';
import { randomSeed, roundHalfEven, SeededRng } from '../rng';
import type { RandomSamplerSpec, Sampler } from './base';

export class RandomSampler implements Sampler {
  readonly rng: SeededRng;

  constructor(seed?: number, draws = 0) {
    this.rng = new SeededRng(seed ?? randomSeed(), draws);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(_study: unknown, _trial: unknown, _name: string, distribution: Distribution): ParamValue {
    return sampleUniform(this.rng, distribution);
  }

  toJSON(): RandomSamplerSpec {
    return { kind: 'random', seed: this.rng.seed, draws: this.rng.draws };
  }
}

/** One uniform draw from a distribution (external representation). */
export function sampleUniform(rng: SeededRng, d: Distribution): ParamValue {
  if (d.kind === 'categorical') return d.choices[rng.int(d.choices.length)];
  if (d.step === null) {
    if (!d.log) return rng.uniform(d.low, d.high);
    return clamp(Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))), d.low, d.high);
  }
  const half = d.step / 2;
  const lo = d.low - half;
  const hi = d.high + half;
  const x = d.log ? Math.exp(rng.uniform(Math.log(lo), Math.log(hi))) : rng.uniform(lo, hi);
  return snapToStep(x, d.low, d.high, d.step);
}

export function snapToStep(x: number, low: number, high: number, step: number): number {
  return clamp(low + roundHalfEven((x - low) / step) * step, low, high);
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
