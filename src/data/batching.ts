// Batches: seeded per-epoch order, dynamic padding into flat (B, T) arrays, and a train/validation split.
//
// Everything random here is a pure function of (seed, epoch), so a run resumed at epoch e sees the
// same order it would have seen uninterrupted, on any backend.
import { mulberry32 } from '../core/prng';
import { IGNORE_INDEX } from '../core/example';

// One PRNG for the whole project (model init, sampling, data order).
export { mulberry32 };

export interface Batch {
  ids: Int32Array; // (B, T) row-major, right-padded with padId
  labels: Int32Array; // (B, T) row-major, right-padded with IGNORE_INDEX; pre-shifted (see examples.ts)
  batchSize: number; // B
  seqLen: number; // T: the longest example in this batch
  tokens: number; // count of labels != IGNORE_INDEX: the loss's denominator
}

/**
 * Pads a batch to its longest example (right padding) — dynamic, so short batches cost less. Padding
 * carries IGNORE_INDEX labels; with causal attention, right padding never changes what a real token sees.
 */
export function collate(
  examples: readonly { inputIds: readonly number[]; labels: readonly number[] }[],
  padId: number,
): Batch {
  const B = examples.length;
  if (B === 0) throw new Error('collate: the batch is empty');
  let T = 0;
  examples.forEach((e, b) => {
    if (e.labels.length !== e.inputIds.length) {
      throw new Error(`collate: example ${b} has ${e.inputIds.length} input ids but ${e.labels.length} labels`);
    }
    if (e.inputIds.length === 0) throw new Error(`collate: example ${b} is empty`);
    T = Math.max(T, e.inputIds.length);
  });
  const ids = new Int32Array(B * T).fill(padId); // (B, T)
  const labels = new Int32Array(B * T).fill(IGNORE_INDEX); // (B, T)
  let tokens = 0;
  examples.forEach((e, b) => {
    ids.set(e.inputIds, b * T);
    labels.set(e.labels, b * T);
    for (const l of e.labels) if (l !== IGNORE_INDEX) tokens++;
  });
  return { ids, labels, batchSize: B, seqLen: T, tokens };
}

/** A well-mixed 32-bit seed from (seed, stream), so nearby seeds and epochs give unrelated streams. */
function mixSeed(seed: number, stream: number): number {
  let h = (seed >>> 0) ^ Math.imul((stream >>> 0) + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fisher–Yates shuffle of 0..n-1 driven by rng. */
function permutation(n: number, rng: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
}

/** 0..n-1 in a seeded order: the same for the same (seed, epoch), a fresh one each epoch. */
export function shuffledIndices(n: number, seed: number, epoch: number): number[] {
  checkCount('n', n, 0);
  checkCount('epoch', epoch, 0);
  return permutation(n, mulberry32(mixSeed(seed, epoch)));
}

/**
 * One epoch's batches of example indices, in shuffled order. The last batch may be short unless
 * dropLast, which drops it (and so returns nothing when n < batchSize).
 */
export function batchesForEpoch(
  n: number,
  batchSize: number,
  seed: number,
  epoch: number,
  dropLast = false,
): number[][] {
  checkCount('batchSize', batchSize, 1);
  const order = shuffledIndices(n, seed, epoch);
  const batches: number[][] = [];
  for (let start = 0; start < n; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    if (dropLast && batch.length < batchSize) break;
    batches.push(batch);
  }
  return batches;
}

/** Stream id for the split, apart from every epoch's (epochs are small non-negative integers). */
const SPLIT_STREAM = 0xfffffffe;

/**
 * Splits one file's rows into train and validation when the user gives no validation file.
 * round(n * validationFraction) rows go to validation — at least 1 when the fraction is > 0, and
 * always leaving at least 1 for training. Both parts keep the file's order.
 */
export function splitTrainValidation<T>(
  items: readonly T[],
  validationFraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new Error(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  const n = items.length;
  if (validationFraction === 0) return { train: items.slice(), validation: [] };
  if (n < 2) throw new Error(`cannot split ${n} pair(s) into train and validation: need at least 2`);
  const k = Math.min(n - 1, Math.max(1, Math.round(n * validationFraction)));
  const order = permutation(n, mulberry32(mixSeed(seed, SPLIT_STREAM)));
  const inValidation = new Uint8Array(n);
  for (let i = 0; i < k; i++) inValidation[order[i]] = 1;
  const train: T[] = [];
  const validation: T[] = [];
  items.forEach((item, i) => (inValidation[i] ? validation : train).push(item));
  return { train, validation };
}
