import { describe, expect, it } from 'vitest';
import type { Collective } from './collective';
import { createSabGroupBuffer, SabCollective, sabGroupBytes } from './sab-collective';
import { expectBarrierOrdering, expectSameBits, mixedScript, randomData, referenceResults, rng, runGroup, type Step } from './testdata/conformance';
import { runInThreads, transpiled } from './testdata/threads';

const CHUNK = 64; // small, so every op crosses several chunks and slots get reused a lot

function sabGroup(world: number, chunk = CHUNK, timeoutMs?: number): SabCollective[] {
  const sab = createSabGroupBuffer(world, chunk);
  return Array.from({ length: world }, (_, r) => new SabCollective(r, world, sab, { timeoutMs }));
}

const closeAll = (g: Collective[]) => g.forEach((c) => c.close());

describe('SabCollective (ranks in one thread)', () => {
  for (const world of [1, 2, 3, 4]) {
    it(`world ${world}: bit-identical to createLocalGroup on a mixed script`, async () => {
      const script = mixedScript(world, CHUNK, 100 + world);
      const group = sabGroup(world);
      expectSameBits(await runGroup(group, script), await referenceResults(world, script));
      closeAll(group);
    });

    it(`world ${world}: barrier orders every arrival before any departure`, async () => {
      const group = sabGroup(world);
      await expectBarrierOrdering(group, world);
      closeAll(group);
    });
  }

  it('reductions really depend on rank order (so the bit checks can fail)', async () => {
    const world = 4;
    const script: Step[] = [{ op: 'sum', inputs: Array.from({ length: world }, (_, r) => randomData(500, rng(r + 7))) }];
    const [want] = await referenceResults(world, script);
    const reversed = new Float32Array(500);
    for (let r = world - 1; r >= 0; r--) for (let i = 0; i < 500; i++) reversed[i] += (script[0] as { inputs: Float32Array[] }).inputs[r][i];
    expect(Array.from(reversed)).not.toEqual(Array.from(want[0]));
  });

  it('queues overlapping calls from one rank instead of corrupting the shared slots', async () => {
    const group = sabGroup(2);
    const inputs = [randomData(300, rng(1)), randomData(300, rng(2))];
    const seconds = [randomData(300, rng(3)), randomData(300, rng(4))];
    const results = await Promise.all(
      group.map((c) => {
        const a = inputs[c.rank].slice();
        const b = seconds[c.rank].slice();
        return Promise.all([c.allReduceSum(a), c.allReduceSum(b)]).then(() => [a, b]);
      }),
    );
    const want = await referenceResults(2, [
      { op: 'sum', inputs },
      { op: 'sum', inputs: seconds },
    ]);
    expectSameBits(results, want);
    closeAll(group);
  });

  it('rejects mismatched lengths on every rank, then keeps working', async () => {
    const group = sabGroup(3);
    const errors = await Promise.all(group.map((c) => c.allReduceSum(new Float32Array(c.rank === 1 ? 10 : 12)).then(() => null, (e: Error) => e.message)));
    for (const m of errors) expect(m).toMatch(/allReduceSum: ranks passed arrays of different lengths.*rank 1: allReduceSum\(length 10\)/);
    const script = mixedScript(3, CHUNK, 5, 4);
    expectSameBits(await runGroup(group, script), await referenceResults(3, script));
    closeAll(group);
  });

  it('rejects ranks calling different collectives, or naming different roots', async () => {
    const group = sabGroup(2);
    const kinds = await Promise.all(group.map((c) => (c.rank === 0 ? c.barrier() : c.allReduceSum(new Float32Array(4))).then(() => null, (e: Error) => e.message)));
    for (const m of kinds) expect(m).toMatch(/different collectives.*rank 0: barrier\(\); rank 1: allReduceSum\(length 4\)/);
    const roots = await Promise.all(group.map((c) => c.broadcast(new Float32Array(4), c.rank).then(() => null, (e: Error) => e.message)));
    for (const m of roots) expect(m).toMatch(/different roots/);
    const bad = await Promise.all(group.map((c) => c.broadcast(new Float32Array(4), 5).then(() => null, (e: Error) => e.message)));
    for (const m of bad) expect(m).toMatch(/root 5 is outside 0\.\.1/);
    closeAll(group);
  });

  it('validates the buffer: wrong world, too small, uninitialised, not shared, bad rank', () => {
    const sab = createSabGroupBuffer(2, 16);
    expect(sab.byteLength).toBe(sabGroupBytes(2, 16));
    expect(() => new SabCollective(0, 3, sab)).toThrow(/world 3 does not match the buffer's world 2/);
    expect(() => new SabCollective(0, 2, sab.slice(0, sab.byteLength - 4))).toThrow(/buffer too small: \d+ bytes, world 2 × chunk 16 needs \d+/);
    expect(() => new SabCollective(0, 2, new SharedArrayBuffer(1024))).toThrow(/not initialised by createSabGroupBuffer/);
    expect(() => new SabCollective(0, 2, new ArrayBuffer(1024) as unknown as SharedArrayBuffer)).toThrow(/expected a SharedArrayBuffer/);
    expect(() => new SabCollective(2, 2, sab)).toThrow(/rank 2 is outside 0\.\.1/);
    expect(() => createSabGroupBuffer(0, 16)).toThrow(/world must be a positive integer/);
    expect(() => createSabGroupBuffer(2, 0)).toThrow(/chunkFloats must be a positive integer/);
  });

  it('times out naming the rank that never arrived, and poisons the group', async () => {
    const group = sabGroup(3, CHUNK, 200);
    const t0 = Date.now();
    const errors = await Promise.all([group[0].barrier(), group[1].barrier()].map((p) => p.then(() => null, (e: Error) => e.message)));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(errors.some((m) => /timed out after 200 ms waiting at a barrier for rank\(s\) 2$/.test(m ?? ''))).toBe(true);
    for (const m of errors) expect(m).toMatch(/timed out|group is unusable/);
    await expect(group[2].barrier()).rejects.toThrow(/group is unusable/);
  });

  it('close() wakes peers blocked on the closed rank with an error naming it', async () => {
    const group = sabGroup(2);
    const waiting = group[0].allReduceSum(new Float32Array(8));
    setTimeout(() => group[1].close(), 20);
    await expect(waiting).rejects.toThrow(/rank 1 closed the group/);
    await expect(group[1].barrier()).rejects.toThrow(/used after close/);
  });
});

describe('SabCollective across worker_threads', () => {
  it('2 threads: a long mixed script gives the same bits as createLocalGroup', async () => {
    const mod = transpiled(new URL('./sab-collective.ts', import.meta.url));
    try {
      const world = 2;
      const chunk = 16; // many barriers per op: maximum chance to expose a race
      const script = [...mixedScript(world, chunk, 7, 300), { op: 'sum', inputs: [randomData(100_003, rng(1)), randomData(100_003, rng(2))] } as Step];
      const sab = createSabGroupBuffer(world, chunk);
      const got = await runInThreads({ transport: 'sab', moduleUrl: mod.url, world, sab, script });
      expectSameBits(got, await referenceResults(world, script));
    } finally {
      mod.cleanup();
    }
  });
});
