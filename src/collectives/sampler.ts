// How data-parallel ranks split work. Training: each global batch is cut into contiguous,
// disjoint shards, one per rank, sizes differing by at most 1 (the trainer divides summed losses
// by the GLOBAL token count, so a rank with one example fewer needs no correction). Evaluation:
// every validation example goes to exactly one rank — no padding with duplicates — so gathering
// the per-rank results in rank order gives exactly n results in the original order (what
// Accelerate's gather_for_metrics achieves by dropping its padding).

function checkRank(fn: string, rank: number, world: number): void {
  if (!Number.isInteger(world) || world < 1) throw new Error(`${fn}: world must be a positive integer, got ${world}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= world)
    throw new Error(`${fn}: rank ${rank} is outside 0..${world - 1}`);
}

/** [start, end) of rank's contiguous share of n items; the first n % world ranks get one extra. */
export function shardRange(n: number, rank: number, world: number): { start: number; end: number } {
  checkRank('shardRange', rank, world);
  if (!Number.isInteger(n) || n < 0) throw new Error(`shardRange: n must be a non-negative integer, got ${n}`);
  const base = Math.floor(n / world);
  const extra = n % world;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** Rank's contiguous part of a global batch (same split as src/train/accumulate.ts's shardOf). */
export function shardBatch(globalIndices: readonly number[], rank: number, world: number): number[] {
  const { start, end } = shardRange(globalIndices.length, rank, world);
  return globalIndices.slice(start, end);
}

/** Indices (into 0..n-1) of the validation examples rank evaluates: each example on exactly one rank. */
export function evalShards(n: number, rank: number, world: number): number[] {
  const { start, end } = shardRange(n, rank, world);
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/**
 * Per-rank results (parts[r] = results for evalShards(n, r, world), in that order) back in the
 * original example order: exactly n of them. Checks each part has the size its shard had, so a
 * rank that dropped or duplicated results is caught instead of silently shifting the rest.
 */
export function gatherInOrder<T>(parts: readonly (readonly T[])[], world: number): T[] {
  if (!Number.isInteger(world) || world < 1)
    throw new Error(`gatherInOrder: world must be a positive integer, got ${world}`);
  if (parts.length !== world) throw new Error(`gatherInOrder: expected ${world} parts, got ${parts.length}`);
  const n = parts.reduce((s, p) => s + p.length, 0);
  parts.forEach((p, r) => {
    const { start, end } = shardRange(n, r, world);
    if (p.length !== end - start)
      throw new Error(`gatherInOrder: rank ${r} returned ${p.length} results, its shard of ${n} has ${end - start}`);
  });
  return parts.flatMap((p) => [...p]);
}
