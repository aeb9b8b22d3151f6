import { describe, expect, it } from 'vitest';
import type { Collective } from './collective';
import { createSabGroup, SabCollective, sabGroupBytes } from './sab-collective';
import { createSumKernel, SUM_BLOCK } from '../kernels/wasm/sum';
import {
  edgyData,
  expectBarrierOrdering,
  expectSameBits,
  mixedScript,
  randomData,
  referenceResults,
  rng,
  runGroup,
  type Step,
} from './testdata/conformance';
import { runInThreads, transpiledSab } from './testdata/threads';

const CHUNK = 64; // small, so every op crosses several chunks and slots get reused a lot

function sabGroup(world: number, chunk = CHUNK, timeoutMs?: number, simd = true): SabCollective[] {
  const memory = createSabGroup(world, chunk);
  return Array.from({ length: world }, (_, r) => new SabCollective(r, world, memory, { timeoutMs, simd }));
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('sum kernel', () => {
  it('uses WebAssembly SIMD where the engine has it (Node 20 does), unless told not to', () => {
    expect(createSumKernel().kind).toBe('wasm-simd');
    expect(createSumKernel(false).kind).toBe('js');
  });

  for (const simd of [true, false]) {
    it(`${simd ? 'wasm' : 'js'}: acc += src gives the bits of a float32 add, at every length and tail`, () => {
      const k = createSumKernel(simd);
      for (const m of [0, 1, 3, 7, 8, 9, 15, 16, 17, 1000, SUM_BLOCK - 1, SUM_BLOCK]) {
        const x = edgyData(m, m + 1);
        const y = edgyData(m, m + 99);
        const want = new Float32Array(m);
        for (let i = 0; i < m; i++) want[i] = Math.fround(x[i] + y[i]);
        k.acc.set(x);
        k.src.set(y);
        const beyond = k.acc[m] ?? 0;
        k.add(m);
        expect(bitsOf(k.acc.subarray(0, m)), `length ${m}`).toEqual(bitsOf(want));
        if (m < SUM_BLOCK) expect(k.acc[m], `length ${m}: element ${m} untouched`).toBe(beyond);
      }
    });
  }
});

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

  for (const world of [2, 3, 4]) {
    it(`world ${world}, plain-JS kernel: bit-identical to createLocalGroup on a mixed script`, async () => {
      const script = mixedScript(world, CHUNK, 200 + world);
      const group = sabGroup(world, CHUNK, undefined, false);
      expectSameBits(await runGroup(group, script), await referenceResults(world, script));
      closeAll(group);
    });
  }

  it('sums of every length around the round and chunk edges, with edge values, match bit for bit', async () => {
    // Lengths that cut rounds just under/over the chunk and the longest round (1.5 chunks at world
    // 2). Each sum is followed by every op that writes slots before its first barrier (a gather,
    // a broadcast from each root): those writes must not clobber the sum's last result, which
    // slower ranks are still reading.
    for (const world of [1, 2, 3, 4]) {
      const lengths = [1, 2, 5, 63, 64, 65, 95, 96, 97, 127, 128, 129, 150, 191, 192, 193, 257, 1000, 4099];
      const per = (n: number, seed: number) => Array.from({ length: world }, (_, r) => edgyData(n, seed + r));
      const script: Step[] = lengths.flatMap((n, j) =>
        [
          ...Array.from({ length: world }, (_, root): Step => ({ op: 'bcast', inputs: per(CHUNK, j), root })),
          { op: 'gather', inputs: per(CHUNK - 1, j) } as Step,
        ].flatMap((next, k): Step[] => [{ op: 'sum', inputs: per(n, 100 * j + 10 * k) }, next]),
      );
      const group = sabGroup(world);
      expectSameBits(await runGroup(group, script), await referenceResults(world, script));
      closeAll(group);
    }
  });

  it('reductions really depend on rank order (so the bit checks can fail)', async () => {
    const world = 4;
    const script: Step[] = [
      { op: 'sum', inputs: Array.from({ length: world }, (_, r) => randomData(500, rng(r + 7))) },
    ];
    const [want] = await referenceResults(world, script);
    const reversed = new Float32Array(500);
    for (let r = world - 1; r >= 0; r--)
      for (let i = 0; i < 500; i++) reversed[i] += (script[0] as { inputs: Float32Array[] }).inputs[r][i];
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
    const errors = await Promise.all(
      group.map((c) =>
        c.allReduceSum(new Float32Array(c.rank === 1 ? 10 : 12)).then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
    for (const m of errors)
      expect(m).toMatch(/allReduceSum: ranks passed arrays of different lengths.*rank 1: allReduceSum\(length 10\)/);
    const script = mixedScript(3, CHUNK, 5, 4);
    expectSameBits(await runGroup(group, script), await referenceResults(3, script));
    closeAll(group);
  });

  it('rejects ranks calling different collectives, or naming different roots', async () => {
    const group = sabGroup(2);
    const kinds = await Promise.all(
      group.map((c) =>
        (c.rank === 0 ? c.barrier() : c.allReduceSum(new Float32Array(4))).then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
    for (const m of kinds)
      expect(m).toMatch(/different collectives.*rank 0: barrier\(\); rank 1: allReduceSum\(length 4\)/);
    const roots = await Promise.all(
      group.map((c) =>
        c.broadcast(new Float32Array(4), c.rank).then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
    for (const m of roots) expect(m).toMatch(/different roots/);
    const bad = await Promise.all(
      group.map((c) =>
        c.broadcast(new Float32Array(4), 5).then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
    for (const m of bad) expect(m).toMatch(/root 5 is outside 0\.\.1/);
    closeAll(group);
  });

  it('validates the group: wrong world, too small, uninitialised, not a shared Memory, bad rank, bad sizes', () => {
    const memory = createSabGroup(2, 16);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(memory.buffer.byteLength).toBe(65536); // one page holds sabGroupBytes(2, 16)
    expect(sabGroupBytes(2, 16)).toBeLessThanOrEqual(65536);
    expect(() => new SabCollective(0, 3, memory)).toThrow(/world 3 does not match the group's world 2/);
    // A one-page Memory whose header claims chunks that need eight pages.
    const big = createSabGroup(2, 40_000);
    const small = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    new Int32Array(small.buffer).set(new Int32Array(big.buffer, 0, 64));
    expect(() => new SabCollective(0, 2, small)).toThrow(
      /memory too small: 65536 bytes, world 2 × chunk 40000 needs \d+/,
    );
    expect(() => new SabCollective(0, 2, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }))).toThrow(
      /not initialised by createSabGroup \(bad magic\)/,
    );
    expect(() => new SabCollective(0, 2, memory.buffer as unknown as WebAssembly.Memory)).toThrow(
      /expected the shared WebAssembly\.Memory from createSabGroup, got a SharedArrayBuffer \(pass the Memory itself/,
    );
    expect(() => new SabCollective(0, 2, new ArrayBuffer(8) as unknown as WebAssembly.Memory)).toThrow(
      /expected the shared WebAssembly\.Memory from createSabGroup, got ArrayBuffer/,
    );
    expect(() => new SabCollective(0, 2, null as unknown as WebAssembly.Memory)).toThrow(/got null/);
    expect(() => new SabCollective(0, 2, new WebAssembly.Memory({ initial: 1 }))).toThrow(
      /the WebAssembly\.Memory is not shared/,
    );
    expect(() => new SabCollective(2, 2, memory)).toThrow(/rank 2 is outside 0\.\.1/);
    expect(() => createSabGroup(0, 16)).toThrow(/world must be a positive integer/);
    expect(() => createSabGroup(2, 0)).toThrow(/chunkFloats must be a positive integer/);
    expect(() => createSabGroup(2, 40_000, { maximumPages: 2 })).toThrow(
      /maximumPages must be an integer from 8 \(the pages world 2 × chunk 40000 needs\) to 65536, got 2/,
    );
    expect(() => createSabGroup(2, 16, { maximumPages: 65537 })).toThrow(
      /maximumPages must be an integer from 1 .* got 65537/,
    );
  });

  it('times out naming the rank that never arrived, and poisons the group', async () => {
    const group = sabGroup(3, CHUNK, 200);
    const t0 = Date.now();
    const errors = await Promise.all(
      [group[0].barrier(), group[1].barrier()].map((p) =>
        p.then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
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
    const mod = transpiledSab();
    try {
      const world = 2;
      const chunk = 16; // many barriers per op: maximum chance to expose a race
      // Sums of many rounds back to back with broadcasts and gathers: the cross-op invariants
      // (a sum's last result is read after its last barrier) get real concurrency here.
      const alternating = Array.from({ length: 120 }, (_, j): Step[] => {
        const n = [1, 15, 16, 17, 23, 24, 25, 40, 100][j % 9];
        return [
          { op: 'sum', inputs: [randomData(n, rng(3 * j)), randomData(n, rng(3 * j + 1))] },
          j % 2
            ? { op: 'bcast', inputs: [randomData(chunk, rng(j)), randomData(chunk, rng(j + 1))], root: (j >> 1) % 2 }
            : { op: 'gather', inputs: [randomData(chunk, rng(j)), randomData(3, rng(j + 1))] },
        ];
      }).flat();
      const script = [
        ...mixedScript(world, chunk, 7, 300),
        ...alternating,
        { op: 'sum', inputs: [randomData(100_003, rng(1)), randomData(100_003, rng(2))] } as Step,
      ];
      const memory = createSabGroup(world, chunk);
      const got = await runInThreads({ transport: 'sab', moduleUrl: mod.url, world, memory, script });
      expectSameBits(got, await referenceResults(world, script));
    } finally {
      mod.cleanup();
    }
  });
});
