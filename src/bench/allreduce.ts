// All-reduce bandwidth between 2 workers with the studio's collectives, against memcpy
// (TypedArray.set of the same bytes) in the same worker.
// MiB/s = (iters × one rank's payload in MiB) / (wall time of `iters` back-to-back all-reduces on
// rank 0, after warm-up): the mean cost per all-reduce that a training step pays, waits for the
// peer included. memcpy MiB/s = payload / the fastest of up to 20 copies (its ceiling).
// The SAB transport is measured twice: on the registered array (sharedArray), which is what
// data-parallel training all-reduces and what the summary's target judges, and on a private
// Float32Array (the copy path other callers take), so the table shows both.
import { MIB } from '../core/format';
import { ChannelCollective } from '../collectives/channel-collective';
import type { Collective } from '../collectives/collective';
import { createSabGroup, SabCollective } from '../collectives/sab-collective';
import { bestOf, now } from './timing';
import type { AllreduceRecord, Transport } from './types';

/** Floats per shared-memory slot, as the studio's client uses (4 MiB). */
export const SAB_CHUNK_FLOATS = 1 << 20;
const WARMUP_SAB = 3;

export interface AllreduceJob {
  transport: Transport;
  rank: number;
  world: number;
  floats: number;
  iters: number;
  memory: WebAssembly.Memory | null; // the 'sab' transport's group memory; rank 0 creates it when null
  channel: string;
}

/** The group memory for a SAB all-reduce (made by rank 0, shared with the others by the page). */
export const makeGroupMemory = (world: number): WebAssembly.Memory => createSabGroup(world, SAB_CHUNK_FLOATS);

async function join(job: AllreduceJob): Promise<Collective> {
  if (job.transport === 'sab') {
    if (!job.memory) throw new Error('allreduce: the sab transport needs the group WebAssembly.Memory');
    return new SabCollective(job.rank, job.world, job.memory, { timeoutMs: 120_000 });
  }
  return ChannelCollective.connect(job.channel, job.rank, job.world, { timeoutMs: 120_000 });
}

/** Small values: the in-place sums double them every iteration, and they must stay ordinary (not subnormal, not infinite) so the adds run at normal speed. */
const valueAt = (i: number, rank: number) => Math.fround(((((i * 2654435761 + rank) >>> 0) % 1000) - 500) * 1e-30);
function fill(a: Float32Array, rank: number): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = valueAt(i, rank);
  return a;
}

/**
 * A figure for wrong sums would mean nothing: after k in-place all-reduces of the ranks' fill()
 * data every element is 2^(k-1) × their sum (doubling is exact at these magnitudes). Checks a
 * spread of elements.
 */
function checkSums(a: Float32Array, job: AllreduceJob, k: number): void {
  for (let i = 0; i < a.length; i += 4099) {
    let want = valueAt(i, 0);
    for (let r = 1; r < job.world; r++) want = Math.fround(want + valueAt(i, r));
    want *= 2 ** (k - 1);
    if (a[i] !== want)
      throw new Error(
        `allreduce: rank ${job.rank}'s registered array holds ${a[i]} at ${i} after ${k} all-reduces, expected ${want}`,
      );
  }
}

export async function measureAllreduce(job: AllreduceJob): Promise<AllreduceRecord[]> {
  const data = fill(new Float32Array(job.floats), job.rank);
  const dst = new Float32Array(job.floats);
  const bytes = job.floats * 4;
  const copy = await bestOf(async () => dst.set(data), 300, 20, 5);
  const memcpyMbPerSec = bytes / MIB / (copy.bestMs / 1000);
  const c = await join(job);
  // Warm-up: first touch of the shared pages, channel buffers and the sum kernels' scratch, and
  // time for the JIT and wasm tiers to optimise the hot loops, as they have a few steps into
  // training. (The BroadcastChannel transport is too slow to warm more than once.)
  const timed = async (arr: Float32Array, path: AllreduceRecord['path']): Promise<AllreduceRecord> => {
    for (let i = 0; i < (job.transport === 'sab' ? WARMUP_SAB : 1); i++) await c.allReduceSum(arr);
    await c.barrier();
    const t0 = now();
    for (let i = 0; i < job.iters; i++) await c.allReduceSum(arr);
    const ms = now() - t0;
    const mbPerSec = (job.iters * bytes) / MIB / (ms / 1000);
    return {
      transport: job.transport,
      path,
      world: job.world,
      floats: job.floats,
      iters: job.iters,
      mbPerSec,
      memcpyMbPerSec,
      ratio: mbPerSec / memcpyMbPerSec,
    };
  };
  try {
    if (job.transport !== 'sab') return [await timed(data, 'copy')];
    // As reduceGradients does: the registered array, filled before the timed loop.
    const shared = await c.sharedArray?.(job.floats);
    if (!shared)
      throw new Error(
        `allreduce: the group memory has no room for a registered array of ${job.floats} floats per rank`,
      );
    const registered = await timed(fill(shared, job.rank), 'registered');
    checkSums(shared, job, WARMUP_SAB + job.iters);
    return [registered, await timed(data, 'copy')];
  } finally {
    c.close();
  }
}
