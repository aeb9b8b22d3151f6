// Forged messages on a run's BroadcastChannel (any same-origin page can post on one): each kind is
// posted while an all-reduce is in flight, and the all-reduce still ends with the right sum on every
// rank, every forgery dropped and counted (onDrop hears of each, never with the secret).
import { describe, expect, it, vi } from 'vitest';
import { ChannelCollective } from './channel-collective';
import { channelNameOf } from './channel-transport';

const PROTO = 'studio-collective/1';
let n = 0;
const SECRET = '0123456789abcdef0123456789abcdef';

function forgeries(group: string) {
  const env = { proto: PROTO, group, secret: SECRET };
  // Rank 1's part of op #0 as rank 1 would send it, but forged: a rank that took it would sum 1e6s.
  const data = (from: number) => ({
    ...env,
    kind: 'data',
    from,
    world: 2,
    seq: 0,
    op: 'allReduceSum',
    root: 0,
    length: 12,
    chunkFloats: 50,
    chunk: 0,
    payload: new Float32Array(12).fill(1e6),
  });
  return {
    'wrong secret': { ...data(1), secret: 'f'.repeat(32) },
    'no secret': { ...data(1), secret: undefined },
    'wrong group': { ...data(1), group: `${group}-other` },
    'wrong length (rank 1 to rank 0)': { ...data(1), length: 5, payload: new Float32Array(5).fill(1e6) },
    'wrong length (rank 0 to rank 1, buffered until it starts)': {
      ...data(0),
      length: 5,
      payload: new Float32Array(5).fill(1e6),
    },
    'wrong shape: payload a plain array': { ...data(1), payload: new Array(12).fill(1e6) },
    'wrong shape: payload shorter than its chunk': { ...data(1), payload: new Float32Array(3) },
    'wrong shape: chunk out of range': { ...data(1), chunk: 4 },
    'wrong shape: length not an integer': { ...data(1), length: 12.5 },
    'wrong op (rank 1 to rank 0)': { ...data(1), op: 'allGather' },
    'op far in the future': { ...data(1), seq: 1e9 },
    "a 'bye' without the secret": { proto: PROTO, group, secret: 'x', kind: 'bye', from: 1, world: 2 },
    "a 'hello' from another group": { proto: PROTO, group: 'other', secret: SECRET, kind: 'hello', from: 1, world: 2 },
    'not an object': 'allReduceSum',
    null: null,
  } as Record<string, unknown>;
}

describe('ChannelCollective: forged messages during an all-reduce', () => {
  it('every kind is dropped and counted; the all-reduce completes with the right sum on both ranks', async () => {
    const group = `studio-run-test-${process.pid}-${n++}`;
    const drops: { rank: number; count: number; why: string }[] = [];
    const [r0, r1] = await Promise.all(
      [0, 1].map((rank) =>
        ChannelCollective.connect(group, rank, 2, {
          secret: SECRET,
          timeoutMs: 10_000,
          onDrop: (count, why) => drops.push({ rank, count, why }),
        }),
      ),
    );
    const a = Float32Array.from({ length: 12 }, (_, i) => i + 0.25);
    const b = Float32Array.from({ length: 12 }, (_, i) => 100 - i * 0.5);
    const expected = new Float32Array(12);
    for (let i = 0; i < 12; i++) expected[i] = a[i] + b[i]; // float32 sum, rank order 0 + 1

    const d0 = a.slice();
    const pending0 = r0.allReduceSum(d0); // rank 0 waits for rank 1's part
    const forged = forgeries(group);
    const rogue = new BroadcastChannel(channelNameOf(group, SECRET)); // a page that knows the channel
    for (const m of Object.values(forged)) rogue.postMessage(m);
    const total = Object.keys(forged).length;
    // Rank 0 dropped them all while its all-reduce was in flight, and it is still in flight.
    await vi.waitFor(() => expect(r0.droppedMessages).toBe(total));
    const d1 = b.slice();
    await Promise.all([pending0, r1.allReduceSum(d1)]);
    expect(Array.from(d0)).toEqual(Array.from(expected));
    expect(Array.from(d1)).toEqual(Array.from(expected));
    expect(r1.droppedMessages).toBe(total);
    // onDrop heard each one, counted in order, and never repeats the secret.
    expect(drops.filter((d) => d.rank === 0).map((d) => d.count)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(drops.some((d) => d.why.includes(SECRET))).toBe(false);
    expect(drops.map((d) => d.why)).toEqual(
      expect.arrayContaining(["without this run's secret", "not this run's group"]),
    );
    // The group goes on working after them.
    const g = await Promise.all([r0.allGather(new Float32Array([1])), r1.allGather(new Float32Array([2]))]);
    expect(g.map((x) => Array.from(x))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    rogue.close();
    r0.close();
    r1.close();
  });

  it('a page that knows only the group id cannot even reach the group: the channel is named with the secret', async () => {
    const group = `studio-run-test-${process.pid}-${n++}`;
    const [r0, r1] = await Promise.all(
      [0, 1].map((rank) => ChannelCollective.connect(group, rank, 2, { secret: SECRET, timeoutMs: 10_000 })),
    );
    const guess = new BroadcastChannel(group);
    let overheard = 0;
    guess.onmessage = () => overheard++;
    guess.postMessage({ ...(forgeries(group)['wrong length (rank 1 to rank 0)'] as object) });
    const d0 = new Float32Array([1, 2]);
    const d1 = new Float32Array([3, 4]);
    await Promise.all([r0.allReduceSum(d0), r1.allReduceSum(d1)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(Array.from(d0)).toEqual([4, 6]);
    expect(r0.droppedMessages + r1.droppedMessages).toBe(0); // never delivered
    expect(overheard).toBe(0); // and nothing of the run was heard on the guessed name
    guess.close();
    r0.close();
    r1.close();
  });
});
