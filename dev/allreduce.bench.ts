// allReduceSum throughput for 16 MiB of float32 across 2 ranks in one process, per transport,
// against a plain memcpy of the same bytes. MiB/s = hz × 16 (one rank's payload per all-reduce).
// Both ranks share this thread here, so the SAB rows add both ranks' work and no parallelism;
// "registered" rows all-reduce each rank's sharedArray() in place (what training does), the
// others private Float32Arrays through the copy path.
// `npm run bench -- --sections allreduce` measures 2 workers in Chromium. Run:
//   npx vitest bench --run dev/allreduce.bench.ts
import { bench, describe } from 'vitest';
import { ChannelCollective } from '../src/collectives/channel-collective';
import type { Collective } from '../src/collectives/collective';
import { allReduceSumFp16 } from '../src/collectives/fp16';
import { createLocalGroup } from '../src/collectives/local-collective';
import { createSabGroup, SabCollective } from '../src/collectives/sab-collective';

const N = 4 << 20; // floats: 16 MiB
// Tiny starting values: repeated in-place sums double them each iteration; starting at ~1e-37
// they stay finite for >200 iterations (keeps the adds on ordinary numbers).
const make = (seed: number) =>
  Float32Array.from({ length: N }, (_, i) => ((((i * 2654435761 + seed) >>> 0) % 1000) - 500) * 1e-40);
const data = [make(1), make(2)];

const sabGroup = (chunkFloats: number, simd = true) => {
  const memory = createSabGroup(2, chunkFloats);
  return [0, 1].map((r) => new SabCollective(r, 2, memory, { simd }));
};
/** Each rank's registered array, filled with its data (the in-place sums then grow it, as `data`'s do). */
const registered = async (group: SabCollective[]) => {
  const arrays = await Promise.all(group.map((c) => c.sharedArray(N)));
  return arrays.map((a, r) => {
    if (!a) throw new Error('allreduce.bench: no room for the registered arrays');
    a.set(data[r]);
    return a;
  });
};
const sab4M = sabGroup(1 << 20); // 4 MiB slots (the studio's): 3 rounds of ≤ 6 MiB
const sab4MJs = sabGroup(1 << 20, false);
const sab1M = sabGroup(1 << 18); // 1 MiB slots: 11 rounds
const sabReg = sabGroup(1 << 20);
const sabRegJs = sabGroup(1 << 20, false);
const regArrays = await registered(sabReg);
const regArraysJs = await registered(sabRegJs);
const channel = await Promise.all(
  [0, 1].map((r) => ChannelCollective.connect(`allreduce-bench-${process.pid}`, r, 2, { timeoutMs: 120_000 })),
);
const local = createLocalGroup(2);
const dst = new Float32Array(N);

const allReduce = (group: Collective[]) => Promise.all(group.map((c) => c.allReduceSum(data[c.rank])));

describe('allReduceSum, 16 MiB float32, 2 ranks in one process', () => {
  bench('memcpy (Float32Array.set) of 16 MiB', () => {
    dst.set(data[0]);
  });
  bench('SabCollective, registered arrays (zero-copy)', () =>
    Promise.all(sabReg.map((c) => c.allReduceSum(regArrays[c.rank]))).then(() => undefined),
  );
  bench('SabCollective, registered arrays, plain-JS adds (no wasm SIMD)', () =>
    Promise.all(sabRegJs.map((c) => c.allReduceSum(regArraysJs[c.rank]))).then(() => undefined),
  );
  bench('SabCollective, 4 MiB chunks', () => allReduce(sab4M).then(() => undefined));
  bench('SabCollective, 4 MiB chunks, plain-JS adds (no wasm SIMD)', () => allReduce(sab4MJs).then(() => undefined));
  bench('SabCollective, 1 MiB chunks', () => allReduce(sab1M).then(() => undefined));
  bench('ChannelCollective (BroadcastChannel, 1 MiB messages)', () => allReduce(channel).then(() => undefined), {
    time: 3000,
  });
  bench('createLocalGroup (reference)', () => allReduce(local).then(() => undefined));
  bench('allReduceSumFp16 over SabCollective, 4 MiB chunks', () =>
    Promise.all(sab4M.map((c) => allReduceSumFp16(c, data[c.rank], 1))).then(() => undefined),
  );
});
