import { describe, expect, it, vi } from 'vitest';
import { ChannelCollective, type ChannelCollectiveOptions } from './channel-collective';
import type { Collective } from './collective';
import {
  expectBarrierOrdering,
  expectSameBits,
  mixedScript,
  randomData,
  referenceResults,
  rng,
  runGroup,
  runRank,
  type Step,
} from './testdata/conformance';
import { runInThreads, transpiledFiles } from './testdata/threads';

const CHUNK = 50; // small, so payloads are split over several messages
let groupId = 0;
const uniqueName = () => `dist-test-${process.pid}-${groupId++}`;

function connectAll(
  world: number,
  options: ChannelCollectiveOptions = {},
  name = uniqueName(),
): Promise<ChannelCollective[]> {
  return Promise.all(
    Array.from({ length: world }, (_, r) =>
      ChannelCollective.connect(name, r, world, { chunkFloats: CHUNK, timeoutMs: 10_000, ...options }),
    ),
  );
}

const closeAll = (g: Collective[]) => g.forEach((c) => c.close());
const message = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: Error) => e.message,
  );

describe('ChannelCollective (ranks in one process)', () => {
  for (const world of [1, 2, 3, 4]) {
    it(`world ${world}: bit-identical to createLocalGroup on a mixed script`, async () => {
      const script = mixedScript(world, CHUNK, 200 + world);
      const group = await connectAll(world);
      expectSameBits(await runGroup(group, script), await referenceResults(world, script));
      for (const c of group) expect(c.droppedMessages).toBe(0);
      closeAll(group);
    });

    it(`world ${world}: barrier orders every arrival before any departure`, async () => {
      const group = await connectAll(world);
      await expectBarrierOrdering(group, world);
      closeAll(group);
    });
  }

  it('ops issued back-to-back without awaiting (a rank running ahead) are buffered by sequence number', async () => {
    const world = 3;
    const script = mixedScript(world, CHUNK, 9, 10).filter((s) => s.op === 'sum' || s.op === 'gather');
    const group = await connectAll(world);
    // Rank 0 fires every op at once; the others go one at a time with delays.
    const got = await Promise.all(
      group.map(async (c) => {
        if (c.rank === 0) {
          return Promise.all(
            script.map((s) => {
              const d = (s as { inputs: Float32Array[] }).inputs[0].slice();
              return s.op === 'sum' ? c.allReduceSum(d).then(() => d) : c.allGather(d);
            }),
          );
        }
        await new Promise((r) => setTimeout(r, 30));
        return runRank(c, script);
      }),
    );
    expectSameBits(got, await referenceResults(world, script));
    closeAll(group);
  });

  it('handshakes with a rank that joins late', async () => {
    const name = uniqueName();
    const early = [0, 1].map((r) => ChannelCollective.connect(name, r, 3, { chunkFloats: CHUNK, timeoutMs: 5000 }));
    await new Promise((r) => setTimeout(r, 250)); // ranks 0 and 1 have been saying hello to nobody
    const late = ChannelCollective.connect(name, 2, 3, { chunkFloats: CHUNK, timeoutMs: 5000 });
    const group = await Promise.all([...early, late]);
    const script: Step[] = [{ op: 'sum', inputs: [0, 1, 2].map((r) => randomData(333, rng(r))) }];
    expectSameBits(await runGroup(group, script), await referenceResults(3, script));
    closeAll(group);
  });

  it('a handshake timeout names the rank never heard from', async () => {
    const name = uniqueName();
    const errors = await Promise.all(
      [0, 1].map((r) => message(ChannelCollective.connect(name, r, 3, { timeoutMs: 300 }))),
    );
    for (const m of errors) expect(m).toMatch(/handshake timed out after 300 ms; never heard from rank\(s\) 2$/);
  });

  it('an op timeout names the rank that never contributed, and the group refuses further ops', async () => {
    const group = await connectAll(3, { timeoutMs: 300 });
    const errors = await Promise.all([group[0], group[1]].map((c) => message(c.allReduceSum(new Float32Array(10)))));
    for (const m of errors) expect(m).toMatch(/allReduceSum \(op #0\) timed out after 300 ms waiting for rank\(s\) 2$/);
    await expect(group[0].barrier()).rejects.toThrow(/timed out/);
    closeAll(group);
  });

  it('a peer closing fails the ops waiting on it at once, naming it', async () => {
    const group = await connectAll(2, { timeoutMs: 10_000 });
    const t0 = Date.now();
    const waiting = group[0].allReduceSum(new Float32Array(10));
    setTimeout(() => group[1].close(), 20);
    await expect(waiting).rejects.toThrow(/rank 1 closed/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(group[0].barrier()).rejects.toThrow(/needs rank\(s\) 1, which closed/);
    group[0].close();
  });

  it('a real mismatch between ranks (lengths, collectives) is dropped, and the timeout names it', async () => {
    // Anyone may post on a channel, so a disagreeing message is never fatal by itself; ranks that
    // really called differently wait, and the timeout says what disagreed.
    const group = await connectAll(3, { timeoutMs: 300 });
    const lengths = await Promise.all(
      group.map((c) => message(c.allReduceSum(new Float32Array(c.rank === 1 ? 10 : 12)))),
    );
    for (const m of lengths)
      expect(m).toMatch(
        /timed out after 300 ms .*disagreed: allReduceSum: ranks passed arrays of different lengths at op #0/,
      );
    await expect(group[0].barrier()).rejects.toThrow(/timed out/);
    closeAll(group);
    const pair = await connectAll(2, { timeoutMs: 300 });
    const kinds = await Promise.all(
      pair.map((c) => message(c.rank === 0 ? c.barrier() : c.allGather(new Float32Array(3)))),
    );
    for (const m of kinds) expect(m).toMatch(/disagreed: .*different collectives at op #0/);
    closeAll(pair);
  });

  it('drops and counts malformed messages without disturbing the ops', async () => {
    const name = uniqueName();
    const group = await connectAll(2, {}, name);
    const rogue = new BroadcastChannel(name);
    const proto = 'studio-collective/1';
    const env = { proto, group: name, secret: '' };
    const data = {
      ...env,
      kind: 'data',
      from: 1,
      world: 2,
      seq: 0,
      op: 'allReduceSum',
      root: 0,
      length: 4,
      chunkFloats: 50,
      chunk: 0,
      payload: new Float32Array(4),
    };
    const garbage: unknown[] = [
      null,
      'hello',
      42,
      { ...env, proto: 'something-else', kind: 'hello', from: 0, world: 2 },
      { ...env, kind: 'hello', from: 0, world: 5 }, // another world size
      { ...env, kind: 'hello', from: 7, world: 2 }, // no such rank
      { ...env, kind: 'shout', from: 1, world: 2 },
      { ...data, payload: [0, 0, 0, 0] }, // not a Float32Array
      { ...data, payload: new Float32Array(3) }, // wrong chunk length
      { ...data, chunk: 1 }, // chunk out of range
      { ...data, op: 'allReduceMax' },
      { ...data, seq: -1 },
      { ...data, length: 2.5 },
    ];
    for (const g of garbage) rogue.postMessage(g);
    // None is usable by either rank. (The well-formed-looking data messages fail one check each.)
    await vi.waitFor(() => {
      for (const c of group) expect(c.droppedMessages).toBe(garbage.length);
    });
    const script: Step[] = [{ op: 'sum', inputs: [randomData(120, rng(1)), randomData(120, rng(2))] }];
    expectSameBits(await runGroup(group, script), await referenceResults(2, script));
    // A duplicate of a finished op's chunk is stale: dropped too.
    rogue.postMessage({ ...data, length: 120, payload: new Float32Array(50) });
    await vi.waitFor(() => expect(group[0].droppedMessages).toBe(garbage.length + 1));
    rogue.close();
    closeAll(group);
  });

  it('validates arguments', async () => {
    await expect(ChannelCollective.connect('x', 2, 2)).rejects.toThrow(/rank 2 is outside 0\.\.1/);
    await expect(ChannelCollective.connect('x', 0, 0)).rejects.toThrow(/world must be a positive integer/);
    await expect(ChannelCollective.connect('x', 0, 1, { chunkFloats: 0 })).rejects.toThrow(
      /chunkFloats must be a positive integer/,
    );
    const [c] = await connectAll(1);
    await expect(c.broadcast(new Float32Array(2), 1)).rejects.toThrow(/root 1 is outside 0\.\.0/);
    c.close();
    await expect(c.barrier()).rejects.toThrow(/used after close/);
  });
});

describe('ChannelCollective across worker_threads', () => {
  it('3 threads: a mixed script gives the same bits as createLocalGroup', async () => {
    const mod = transpiledFiles(
      ['./channel-collective.ts', './channel-transport.ts'].map((p) => new URL(p, import.meta.url)),
    );
    try {
      const world = 3;
      const script = mixedScript(world, CHUNK, 21, 60);
      const got = await runInThreads({
        transport: 'channel',
        moduleUrl: mod.url,
        world,
        name: uniqueName(),
        chunkFloats: CHUNK,
        script,
      });
      expectSameBits(got, await referenceResults(world, script));
    } finally {
      mod.cleanup();
    }
  });
});
