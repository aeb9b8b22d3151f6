// A tiny seeded PRNG so bootstrap confidence intervals are reproducible run to run and across
// browsers/Node (Math.random cannot be seeded). mulberry32: 32-bit state, fast, and plenty
// random for resampling indices; not for anything cryptographic.

/** Returns a generator of floats in [0, 1) fully determined by `seed` (taken as a uint32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n) from a [0, 1) generator. */
export function randomIndex(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
