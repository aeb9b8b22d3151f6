// Seeded randomness for samplers. Every sampler draws through a SeededRng so that
//   (1) the same seed gives the same suggestions, and
//   (2) the stream position can be saved in StudyData and restored exactly: mulberry32 keeps its
//       state in a closure, so we count draws and fast-forward on restore (a few thousand calls
//       at most for a sweep; far cheaper than re-deriving the generator).
import { mulberry32 } from '../../core/prng';

export class SeededRng {
  readonly seed: number;
  private readonly nextFloat: () => number;
  private count = 0;

  constructor(seed: number, draws = 0) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    if (!Number.isInteger(draws) || draws < 0)
      throw new RangeError(`draws must be a non-negative integer, got ${draws}`);
    this.seed = seed >>> 0;
    this.nextFloat = mulberry32(this.seed);
    for (let i = 0; i < draws; i++) this.nextFloat();
    this.count = draws;
  }

  /** How many uniforms have been drawn (the stream position saved in StudyData). */
  get draws(): number {
    return this.count;
  }

  /** Uniform in [0, 1). */
  random(): number {
    this.count++;
    return this.nextFloat();
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.random() * n));
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    const u = this.random() * total;
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (u < acc) return i;
    }
    // Rounding can leave u == total; fall back to the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle in place (seeded, so the grid order is reproducible). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** A fresh unsigned 32-bit seed, for samplers created without one (Optuna's seed=None). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

/** numpy's np.round: round half to even, so grid snapping matches Optuna on exact ties. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
