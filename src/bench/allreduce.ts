// All-reduce bandwidth between 2 workers with the studio's collectives, against memcpy
// (TypedArray.set of the same bytes) in the same worker.
// MiB/s = (iters × one rank's payload in MiB) / (wall time of `iters` back-to-back all-reduces on
// rank 0, after warm-up): the mean cost per all-reduce that a training step pays, waits for the
// peer included. memcpy MiB/s = payload / the fastest of up to 20 copies (its ceiling).
import { ChannelCollective } from '../dist/channel-collective';
import type { Collective } from '../dist/collective';
import { createSabGroupBuffer, SabCollective } from '../dist/sab-collective';
import { bestOf, now } from './timing';
import type { AllreduceRecord, Transport } from './types';

/** Floats per SharedArrayBuffer slot, as the studio's client uses (4 MiB). */
export const SAB_CHUNK_FLOATS = 1 << 20;
const MIB = 1 << 20;
const WARMUP_SAB = 3;

export interface AllreduceJob {
  transport: Transport;
  rank: number;
  world: number;
  floats: number;
  iters: number;
  sab: SharedArrayBuffer | null; // rank 0 of the 'sab' transport creates it when null
  channel: string;
}

/** The group buffer for a SAB all-reduce (made by rank 0, shared with the others by the page). */
export const makeGroupBuffer = (world: number): SharedArrayBuffer => createSabGroupBuffer(world, SAB_CHUNK_FLOATS);

async function join(job: AllreduceJob): Promise<Collective> {
  if (job.transport === 'sab') {
    if (!job.sab) throw new Error('allreduce: the sab transport needs the group SharedArrayBuffer');
    return new SabCollective(job.rank, job.world, job.sab, { timeoutMs: 120_000 });
  }
  return ChannelCollective.connect(job.channel, job.rank, job.world, { timeoutMs: 120_000 });
}

export async function measureAllreduce(job: AllreduceJob): Promise<AllreduceRecord> {
  // Small values: the in-place sums double them every iteration, and they must stay ordinary
  // (not subnormal, not infinite) so the adds run at normal speed.
  const data = Float32Array.from({ length: job.floats }, (_, i) => ((((i * 2654435761 + job.rank) >>> 0) % 1000) - 500) * 1e-30);
  const dst = new Float32Array(job.floats);
  const bytes = job.floats * 4;
  const copy = await bestOf(async () => dst.set(data), 300, 20, 5);
  const memcpyMbPerSec = bytes / MIB / (copy.bestMs / 1000);
  const c = await join(job);
  try {
    // Warm-up: first touch of the shared pages, channel buffers and the sum kernel's scratch, and
    // time for the JIT and wasm tiers to optimise the hot loops, as they have a few steps into
    // training. (The BroadcastChannel transport is too slow to warm more than once.)
    for (let i = 0; i < (job.transport === 'sab' ? WARMUP_SAB : 1); i++) await c.allReduceSum(data);
    await c.barrier();
    const t0 = now();
    for (let i = 0; i < job.iters; i++) await c.allReduceSum(data);
    const ms = now() - t0;
    const mbPerSec = (job.iters * bytes) / MIB / (ms / 1000);
    return { transport: job.transport, world: job.world, floats: job.floats, iters: job.iters, mbPerSec, memcpyMbPerSec, ratio: mbPerSec / memcpyMbPerSec };
  } finally {
    c.close();
  }
}
