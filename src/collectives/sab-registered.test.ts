// SabCollective's registered (zero-copy) all-reduce: sharedArray, the shared-memory sum kernel,
// and the path's bits against createLocalGroup, alone and interleaved with copy-path ops.
import { describe, expect, it } from 'vitest';
import type { Collective } from './collective';
import { createSabGroup, SabCollective } from './sab-collective';
import { createSharedSumKernel } from '../kernels/wasm/shared-sum';
import {
  edgyData,
  expectSameBits,
  mixedScript,
  randomData,
  referenceResults,
  rng,
  runGroup,
  type Step,
} from './testdata/conformance';
import { runInThreads, transpiledSab } from './testdata/threads';

const CHUNK = 64; // one 64 KiB page holds the header and slots: every registered array past ~16K floats grows the Memory

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const closeAll = (g: Collective[]) => g.forEach((c) => c.close());
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: Error) => e.message,
  );

function group(
  world: number,
  opts: { simd?: boolean; maximumPages?: number; chunk?: number } = {},
): { memory: WebAssembly.Memory; ranks: SabCollective[] } {
  const memory = createSabGroup(world, opts.chunk ?? CHUNK, { maximumPages: opts.maximumPages });
  return {
    memory,
    ranks: Array.from({ length: world }, (_, r) => new SabCollective(r, world, memory, { simd: opts.simd })),
  };
}

const per = (world: number, n: number, seed: number) =>
  Array.from({ length: world }, (_, r) => edgyData(n, seed + 17 * r));

describe('shared-memory sum kernel', () => {
  it('is WebAssembly SIMD on a shared Memory (Node 20 has both), JS when told or when the Memory is not shared', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    expect(createSharedSumKernel(shared).kind).toBe('wasm-simd');
    expect(createSharedSumKernel(shared, false).kind).toBe('js');
    expect(createSharedSumKernel(new WebAssembly.Memory({ initial: 1 })).kind).toBe('js');
    expect(group(2).ranks[0].kernels).toEqual({ copy: 'wasm-simd', registered: 'wasm-simd' });
    expect(group(2, { simd: false }).ranks[0].kernels).toEqual({ copy: 'js', registered: 'js' });
  });

  for (const simd of [true, false]) {
    it(`${simd ? 'wasm' : 'js'}: add and sum2 give the bits of a float32 add at every tail, on unaligned views, and touch nothing past the end`, () => {
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 8, shared: true });
      const k = createSharedSumKernel(memory, simd);
      for (const m of [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099]) {
        // Byte offsets 4 and 64 KiB + 8: not 16-byte aligned, in different pages.
        const a = new Float32Array(memory.buffer, 4, m + 1);
        const b = new Float32Array(memory.buffer, 65536 + 8, m + 1);
        const x = edgyData(m + 1, m + 1);
        const y = edgyData(m + 1, m + 99);
        const want = Float32Array.from({ length: m }, (_, i) => x[i] + y[i]);
        a.set(x);
        b.set(y);
        k.add(a.subarray(0, m), b.subarray(0, m));
        expect(bitsOf(a.subarray(0, m)), `add, length ${m}`).toEqual(bitsOf(want));
        expect(bitsOf(b), `add, length ${m}: src untouched`).toEqual(bitsOf(y));
        expect(a[m], `add, length ${m}: element ${m} untouched`).toBe(x[m]);
        a.set(x);
        k.sum2(a.subarray(0, m), b.subarray(0, m));
        expect(bitsOf(a.subarray(0, m)), `sum2, length ${m}: a`).toEqual(bitsOf(want));
        expect(bitsOf(b.subarray(0, m)), `sum2, length ${m}: b`).toEqual(bitsOf(want));
        expect([a[m], b[m]], `sum2, length ${m}: element ${m} untouched`).toEqual([x[m], y[m]]);
      }
    });
  }

  it('adds at addresses past 2 GiB (which JS hands to wasm as negative i32s)', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    memory.grow(32768 + 1); // 2 GiB + 128 KiB, reserved, only the touched pages get memory
    const k = createSharedSumKernel(memory);
    const a = new Float32Array(memory.buffer, 2 ** 31 + 16, 1001);
    const b = new Float32Array(memory.buffer, 2 ** 31 + 65536, 1001);
    const x = randomData(1001, rng(1));
    const y = randomData(1001, rng(2));
    a.set(x);
    b.set(y);
    k.sum2(a, b);
    const want = Float32Array.from(x, (v, i) => v + y[i]);
    expect(bitsOf(a)).toEqual(bitsOf(want));
    expect(bitsOf(b)).toEqual(bitsOf(want));
  });
});

describe('SabCollective registered arrays', () => {
  // Lengths: 1, every tail of the 8-float wasm step, odd sizes, sizes around the chunk, and two
  // that make rank 0 grow the Memory (~100K floats × W). Each twice in a row: the second reuses
  // the array (runRank keeps it while the length holds), the first lays the arrays out anew.
  const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 63, 64, 65, 97, 1000, 4099, 100_003, 7, 250_001];
  for (const world of [1, 2, 3, 4]) {
    for (const simd of [true, false]) {
      it(`world ${world}, ${simd ? 'wasm' : 'js'} kernel: bit-identical to createLocalGroup at every length, with edge values`, async () => {
        const script: Step[] = lengths.flatMap((n, j): Step[] => [
          { op: 'sum', inputs: per(world, n, 100 * j), shared: true },
          { op: 'sum', inputs: per(world, n, 100 * j + 50), shared: true },
        ]);
        const { memory, ranks } = group(world, { simd });
        const got = await runGroup(ranks, script);
        expectSameBits(got, await referenceResults(world, script));
        expect(memory.buffer.byteLength, 'the Memory grew for the long arrays').toBeGreaterThan(250_001 * 4 * world);
        closeAll(ranks);
      });
    }
  }

  it('the registered path really runs: a rank passing its array while another passes a private one throws on every rank, naming both', async () => {
    const { ranks } = group(3);
    const arrays = await Promise.all(ranks.map((c) => c.sharedArray(10)));
    const errors = await Promise.all(
      ranks.map((c) => errorOf(c.allReduceSum(c.rank === 1 ? new Float32Array(10) : arrays[c.rank]!))),
    );
    for (const m of errors) {
      expect(m).toMatch(
        /allReduceSum: some ranks passed their registered array \(from sharedArray\) and some a private one: all or none must/,
      );
      expect(m).toMatch(
        /rank 0: allReduceSum\(length 10, registered array\); rank 1: allReduceSum\(length 10\); rank 2: allReduceSum\(length 10, registered array\)/,
      );
    }
    // Still in step afterwards, on both paths.
    const script: Step[] = [{ op: 'sum', inputs: per(3, 10, 1), shared: true }, ...mixedScript(3, CHUNK, 9, 6)];
    expectSameBits(await runGroup(ranks, script), await referenceResults(3, script));
    closeAll(ranks);
  });

  it("an equal view of the Memory's current buffer counts as the registered array; a part of it does not", async () => {
    const { memory, ranks } = group(2);
    const arrays = (await Promise.all(ranks.map((c) => c.sharedArray(50_000)))) as Float32Array[];
    const again = new Float32Array(memory.buffer, arrays[0].byteOffset, arrays[0].length);
    const x = per(2, 50_000, 3);
    again.set(x[0]);
    arrays[1].set(x[1]);
    await Promise.all([ranks[0].allReduceSum(again), ranks[1].allReduceSum(arrays[1])]);
    const [want] = await referenceResults(2, [{ op: 'sum', inputs: x }]);
    expect(bitsOf(arrays[0])).toEqual(bitsOf(want[0]));
    const errors = await Promise.all([
      errorOf(ranks[0].allReduceSum(arrays[0].subarray(1))),
      errorOf(ranks[1].allReduceSum(arrays[1].subarray(1))),
    ]);
    expect(errors).toEqual([null, null]); // both on the copy path: no mixed-mode error
    closeAll(ranks);
  });

  it('rejects different lengths, and lengths that are not positive integers, on every rank; then keeps working', async () => {
    const { ranks } = group(2);
    const diff = await Promise.all(ranks.map((c) => errorOf(c.sharedArray(c.rank === 0 ? 10 : 12))));
    for (const m of diff)
      expect(m).toMatch(
        /^sharedArray: ranks asked for different lengths \(rank 0: sharedArray\(floats 10\); rank 1: sharedArray\(floats 12\)\)$/,
      );
    const oneBad = await Promise.all(ranks.map((c) => errorOf(c.sharedArray(c.rank === 0 ? 10 : 0))));
    expect(oneBad[1]).toMatch(
      /^sharedArray: floats must be a positive integer below 2\^31, got 0; sharedArray: ranks asked for different lengths/,
    );
    expect(oneBad[0]).toMatch(
      /^sharedArray: ranks asked for different lengths \(rank 0: sharedArray\(floats 10\); rank 1: sharedArray\(floats \(not a positive integer\)\)\)$/,
    );
    for (const bad of [1.5, -3, Number.NaN, 2 ** 31]) {
      const both = await Promise.all(ranks.map((c) => errorOf(c.sharedArray(bad))));
      for (const m of both) expect(m).toBe(`sharedArray: floats must be a positive integer below 2^31, got ${bad}`);
    }
    const script: Step[] = [{ op: 'sum', inputs: per(2, 10, 5), shared: true }, ...mixedScript(2, CHUNK, 4, 6)];
    expectSameBits(await runGroup(ranks, script), await referenceResults(2, script));
    closeAll(ranks);
  });

  it("answers null on every rank when the arrays would pass the Memory's maximum; private arrays still work", async () => {
    const { memory, ranks } = group(2, { maximumPages: 2 }); // 128 KiB: ~1 page left for arrays
    const tooBig = await Promise.all(ranks.map((c) => c.sharedArray(10_000))); // 2 × 40 KB fits...
    expect(tooBig.every((a) => a instanceof Float32Array)).toBe(true);
    expect(await Promise.all(ranks.map((c) => c.sharedArray(20_000)))).toEqual([null, null]); // ...2 × 80 KB does not
    expect(memory.buffer.byteLength).toBe(2 * 65536);
    const script: Step[] = [
      { op: 'sum', inputs: per(2, 20_000, 8), shared: true },
      { op: 'sum', inputs: per(2, 300, 9) },
    ];
    expectSameBits(await runGroup(ranks, script), await referenceResults(2, script)); // shared: true fell back to a private array
    closeAll(ranks);
  });

  it('laying out the same length again gives the same place; a registered sum leaves copy-path ops alone and vice versa', async () => {
    for (const world of [2, 3]) {
      const { ranks } = group(world);
      const n = 40_000; // regions past the first page: the layout grows the Memory
      const first = (await Promise.all(ranks.map((c) => c.sharedArray(n)))) as Float32Array[];
      const arrays = (await Promise.all(ranks.map((c) => c.sharedArray(n)))) as Float32Array[];
      expect(arrays.map((a) => a.byteOffset)).toEqual(first.map((a) => a.byteOffset));
      const x = per(world, n, 11);
      arrays.forEach((a, r) => a.set(x[r]));
      await Promise.all(ranks.map((c) => c.allReduceSum(arrays[c.rank])));
      // Copy-path ops, each writing slots before its first barrier and the result area after:
      // the registered arrays must come out untouched, and these ops' own bits right.
      const copyOps: Step[] = [
        { op: 'sum', inputs: per(world, 3 * CHUNK + 5, 12) },
        { op: 'gather', inputs: per(world, CHUNK + 3, 13) },
        ...Array.from({ length: world }, (_, root): Step => ({
          op: 'bcast',
          inputs: per(world, 2 * CHUNK, 14 + root),
          root,
        })),
        { op: 'barrier' },
      ];
      const copyOut = await runGroup(ranks, copyOps);
      const [[sum1]] = await referenceResults(world, [{ op: 'sum', inputs: x }]);
      for (const a of arrays) expect(bitsOf(a)).toEqual(bitsOf(sum1));
      expectSameBits(copyOut, await referenceResults(world, copyOps));
      // And the other way: the sum of sums, in place, after the copy-path ops.
      await Promise.all(ranks.map((c) => c.allReduceSum(arrays[c.rank])));
      const [[sum2]] = await referenceResults(world, [
        { op: 'sum', inputs: Array.from({ length: world }, () => sum1) },
      ]);
      for (const a of arrays) expect(bitsOf(a)).toEqual(bitsOf(sum2));
      closeAll(ranks);
    }
  });

  it('a mixed script of registered sums (with re-layouts) and every copy-path op matches createLocalGroup', async () => {
    for (const world of [2, 3, 4]) {
      const base = mixedScript(world, CHUNK, 300 + world, 40);
      // Every other sum on the registered arrays, at lengths that re-lay them out and grow the Memory.
      let k = 0;
      const script = base.flatMap((s, j): Step[] =>
        s.op === 'sum' && k++ % 2 === 0
          ? [
              { ...s, shared: true },
              { op: 'sum', inputs: per(world, [5, 20_000, 5, 70_001][j % 4], j), shared: true },
            ]
          : [s],
      );
      const { ranks } = group(world);
      expectSameBits(await runGroup(ranks, script), await referenceResults(world, script));
      closeAll(ranks);
    }
  });
});

describe('SabCollective registered arrays across worker_threads', () => {
  for (const world of [2, 3]) {
    it(`${world} threads: registered sums (growing the Memory) interleaved with copy-path ops give createLocalGroup's bits`, async () => {
      const mod = transpiledSab();
      try {
        const chunk = 16;
        const steps = Array.from({ length: 80 }, (_, j): Step[] => {
          const n = [1, 7, 9, 16, 17, 100, 4099, 30_001][j % 8];
          const rand = rng(j);
          const inputs = Array.from({ length: world }, () => randomData(n, rand));
          return [
            { op: 'sum', inputs, shared: true },
            { op: 'sum', inputs: Array.from({ length: world }, () => randomData(40, rand)) },
            j % 2
              ? {
                  op: 'bcast',
                  inputs: Array.from({ length: world }, () => randomData(chunk + 1, rand)),
                  root: j % world,
                }
              : { op: 'gather', inputs: Array.from({ length: world }, (_, r) => randomData(r + 3, rand)) },
          ];
        }).flat();
        const script: Step[] = [...steps, { op: 'sum', inputs: per(world, 300_007, 1), shared: true }];
        const memory = createSabGroup(world, chunk);
        const got = await runInThreads({ transport: 'sab', moduleUrl: mod.url, world, memory, script });
        expectSameBits(got, await referenceResults(world, script));
        expect(memory.buffer.byteLength, 'the threads grew the Memory for the long arrays').toBeGreaterThan(
          300_007 * 4 * world,
        );
      } finally {
        mod.cleanup();
      }
    });
  }
});
