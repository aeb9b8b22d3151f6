// Shared by the transport tests: one script of collective calls, run on a transport and on the
// reference createLocalGroup, must give the same bits on every rank.
import { expect } from 'vitest';
import type { Collective } from '../collective';
import { createLocalGroup } from '../local-collective';
import { mulberry32 } from '../../core/prng';

export type Step =
  // shared: sum in the collective's registered array (sharedArray) where it has one, else a private copy
  | { op: 'sum'; inputs: Float32Array[]; shared?: boolean }
  | { op: 'gather'; inputs: Float32Array[] }
  | { op: 'bcast'; inputs: Float32Array[]; root: number }
  | { op: 'barrier' };

/** Deterministic PRNG (the project's mulberry32): tests reproduce exactly. */
export const rng = mulberry32;

/** Values over ~8 decades and both signs, so float32 addition order changes the bits. */
export function randomData(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() - 0.5) * 10 ** (rand() * 8 - 4);
  return a;
}

/** Values where a wrong rounding, a flushed subnormal or a lost sign would change the bits. */
export function edgyData(n: number, seed: number): Float32Array {
  const special = [
    0,
    -0,
    Infinity,
    -Infinity,
    1e-45,
    -1e-45,
    1.1754942e-38,
    3.4028235e38,
    -3.4028235e38,
    1 + 2 ** -23,
    2 ** 24,
    -(2 ** 24) - 2,
  ];
  const a = randomData(n, rng(seed));
  const pick = rng(seed + 1);
  for (let i = 0; i < n; i += 3) a[i] = special[Math.floor(pick() * special.length)];
  return a;
}

/** Runs `script` on one rank; one output per step (barrier → empty). */
export async function runRank(c: Collective, script: Step[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  let shared = null as Float32Array | null; // the registered array, reused while the length holds (as data-parallel.ts does)
  for (const s of script) {
    if (s.op === 'sum' && s.shared && s.inputs[c.rank].length > 0 && c.sharedArray) {
      const n = s.inputs[c.rank].length;
      if (shared?.length !== n) shared = (await c.sharedArray(n)) ?? new Float32Array(n);
      shared.set(s.inputs[c.rank]);
      await c.allReduceSum(shared);
      out.push(shared.slice());
    } else if (s.op === 'sum') {
      const d = s.inputs[c.rank].slice();
      await c.allReduceSum(d);
      out.push(d);
    } else if (s.op === 'gather') {
      out.push(await c.allGather(s.inputs[c.rank].slice()));
    } else if (s.op === 'bcast') {
      const d = s.inputs[c.rank].slice();
      await c.broadcast(d, s.root);
      out.push(d);
    } else {
      await c.barrier();
      out.push(new Float32Array(0));
    }
  }
  return out;
}

export function runGroup(group: Collective[], script: Step[]): Promise<Float32Array[][]> {
  return Promise.all(group.map((c) => runRank(c, script)));
}

export function referenceResults(world: number, script: Step[]): Promise<Float32Array[][]> {
  return runGroup(createLocalGroup(world), script);
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Every rank's every output has exactly the reference's bits. */
export function expectSameBits(got: Float32Array[][], want: Float32Array[][]): void {
  expect(got.length).toBe(want.length);
  for (let r = 0; r < want.length; r++) {
    for (let s = 0; s < want[r].length; s++) {
      const g = got[r][s];
      const w = want[r][s];
      expect(g.length, `rank ${r} step ${s} length`).toBe(w.length);
      // Compare as bit patterns: toEqual on floats would accept -0 for 0 and any NaN for NaN.
      const gb = bits(g);
      const wb = bits(w);
      if (gb.some((b, i) => b !== wb[i])) expect(gb, `rank ${r} step ${s} bits`).toEqual(wb);
    }
  }
}

/** A mixed script: sums (incl. lengths 0, 1, 7 and multi-chunk + remainder), unequal gathers, broadcasts from every root, barriers. */
export function mixedScript(world: number, chunk: number, seed: number, steps = 24): Step[] {
  const rand = rng(seed);
  const per = (len: (r: number) => number) => Array.from({ length: world }, (_, r) => randomData(len(r), rand));
  const fixed: Step[] = [
    { op: 'sum', inputs: per(() => 1) },
    { op: 'sum', inputs: per(() => 7) },
    { op: 'sum', inputs: per(() => 3 * chunk + 5) },
    { op: 'sum', inputs: per(() => 0) },
    { op: 'gather', inputs: per((r) => r * 3 + 1) },
    { op: 'gather', inputs: per((r) => (r === 0 ? 2 * chunk + 3 : r === 1 ? 0 : r)) },
    ...Array.from({ length: world }, (_, root): Step => ({ op: 'bcast', inputs: per(() => chunk + 9), root })),
    { op: 'barrier' },
  ];
  const random: Step[] = Array.from({ length: steps }, (): Step => {
    const k = Math.floor(rand() * 4);
    const n = Math.floor(rand() * 3 * chunk);
    if (k === 0) return { op: 'sum', inputs: per(() => n) };
    if (k === 1) return { op: 'gather', inputs: per(() => Math.floor(rand() * 2 * chunk)) };
    if (k === 2) return { op: 'bcast', inputs: per(() => n), root: Math.floor(rand() * world) };
    return { op: 'barrier' };
  });
  return [...fixed, ...random];
}

/** Every rank arrives at a barrier (after a random delay) before any rank leaves it, 3 rounds running. */
export async function expectBarrierOrdering(group: Collective[], seed: number): Promise<void> {
  const log: string[] = [];
  const rand = rng(seed);
  await Promise.all(
    group.map(async (c) => {
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, rand() * 10));
        log.push(`arrive ${round}`);
        await c.barrier();
        log.push(`leave ${round}`);
      }
    }),
  );
  for (let round = 0; round < 3; round++)
    expect(log.lastIndexOf(`arrive ${round}`)).toBeLessThan(log.indexOf(`leave ${round}`));
}
