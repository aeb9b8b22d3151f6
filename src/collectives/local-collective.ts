// The reference collective: ranks in one thread, exchanging through shared JS memory. Simple
// enough to be obviously right; tests check the fast transports and the data-parallel trainer
// against it.
import type { Collective } from './collective';

interface Round {
  parts: (Float32Array | null)[];
  arrived: number;
  waiters: (() => void)[];
}

/** W connected ranks in this thread. Every rank must call the same operations in the same order. */
export function createLocalGroup(world: number): Collective[] {
  if (!Number.isInteger(world) || world < 1)
    throw new Error(`local collective: world must be a positive integer, got ${world}`);
  const rounds = new Map<number, Round>();
  const seq = new Array<number>(world).fill(0);

  // Deposit this rank's part for its next round; resolve with every rank's part once all arrived.
  const exchange = (rank: number, part: Float32Array | null): Promise<(Float32Array | null)[]> => {
    const id = seq[rank]++;
    let r = rounds.get(id);
    if (!r) rounds.set(id, (r = { parts: new Array(world).fill(null), arrived: 0, waiters: [] }));
    const round = r;
    round.parts[rank] = part ? part.slice() : null;
    round.arrived += 1;
    return new Promise((resolve) => {
      round.waiters.push(() => resolve(round.parts));
      if (round.arrived === world) {
        rounds.delete(id);
        for (const w of round.waiters) w();
      }
    });
  };

  return Array.from({ length: world }, (_, rank): Collective => ({
    rank,
    world,
    async allReduceSum(data) {
      const parts = await exchange(rank, data);
      if (parts.some((p) => p!.length !== data.length))
        throw new Error('allReduceSum: ranks passed arrays of different lengths');
      // Sum in rank order so every rank computes the same bits.
      data.set(parts[0]!);
      for (let r = 1; r < world; r++) {
        const p = parts[r]!;
        for (let i = 0; i < data.length; i++) data[i] += p[i];
      }
    },
    async allGather(part) {
      const parts = (await exchange(rank, part)) as Float32Array[];
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) {
        out.set(p, off);
        off += p.length;
      }
      return out;
    },
    async broadcast(data, root) {
      const parts = await exchange(rank, rank === root ? data : null);
      data.set(parts[root]!);
    },
    async barrier() {
      await exchange(rank, null);
    },
    close() {},
  }));
}
