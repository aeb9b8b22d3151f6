// The collective operations data-parallel replicas use, independent of how bytes move
// (a shared WebAssembly.Memory + Atomics, chunked BroadcastChannel, or in-process for tests).
// Every rank calls the same operations in the same order; each call resolves when the rank
// holds the result. Reductions sum in rank order 0..W-1 whatever the arrival order, so every rank
// ends with bit-identical results.

export interface Collective {
  readonly rank: number; // 0..world-1
  readonly world: number;
  /** Element-wise sum over ranks, in place; every rank gets the same bits. */
  allReduceSum(data: Float32Array): Promise<void>;
  /**
   * Optional, collective (every rank calls it with the same length, in the same op order as the
   * other operations): this rank's array of `floats` floats in memory the group shares, which
   * allReduceSum reduces in place without copies when every rank passes its own. Null when it
   * does not fit: use a private Float32Array then. A later call (any length) invalidates the
   * arrays returned before. Transports without shared memory leave it out.
   */
  sharedArray?(floats: number): Promise<Float32Array | null>;
  /** Concatenation of every rank's part, in rank order (parts may differ in length). */
  allGather(part: Float32Array): Promise<Float32Array>;
  /** Rank `root`'s data copied to every rank, in place. */
  broadcast(data: Float32Array, root: number): Promise<void>;
  /** Resolves when every rank has reached the same barrier. */
  barrier(): Promise<void>;
  close(): void;
}
