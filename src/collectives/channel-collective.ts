// Collective over a BroadcastChannel: the fallback when the page is not cross-origin isolated
// (no SharedArrayBuffer). Every message is structured-cloned to every other rank, so every rank
// receives every part and reduces locally in rank order 0..W-1 — identical bits everywhere
// without a second (broadcast) phase. Costs W-1 copies per rank; fine for the handful of GPU
// adapters one machine has.
//
// This file is the operations: what each rank sends, whose parts it waits for, and how it combines
// them. Handshake, chunking, op numbering and failure reporting are the transport's
// (channel-transport.ts).
//
// Imports only channel-transport.ts (itself import-free; type-only imports are erased): the
// worker_threads test transpiles the two.
import type { Collective } from './collective';
import { ChannelTransport, type ChannelCollectiveOptions } from './channel-transport';

export type { ChannelCollectiveOptions } from './channel-transport';

export class ChannelCollective implements Collective {
  readonly rank: number;
  readonly world: number;
  readonly name: string;
  private readonly t: ChannelTransport;

  /**
   * Joins the group on channel `name` and resolves once this rank has heard from every other rank
   * (so anything it posts from now on reaches them all). Rejects after timeoutMs naming the ranks
   * never heard from.
   */
  static async connect(
    name: string,
    rank: number,
    world: number,
    options: ChannelCollectiveOptions = {},
  ): Promise<ChannelCollective> {
    return new ChannelCollective(await ChannelTransport.connect(name, rank, world, options));
  }

  private constructor(t: ChannelTransport) {
    this.t = t;
    this.rank = t.rank;
    this.world = t.world;
    this.name = t.name;
  }

  /** Messages ignored: malformed, from another group (world mismatch) or this rank's number, duplicates, or for an op already finished. */
  get droppedMessages(): number {
    return this.t.droppedMessages;
  }

  allReduceSum(data: Float32Array): Promise<void> {
    checkArray('allReduceSum', data);
    // Rank 0's part is the first term, so rank 0 may sum into `data` directly; others need their own part after overwriting data with part 0.
    const own = this.rank === 0 ? data : data.slice();
    return this.t.start('allReduceSum', data, 0, this.t.others(), (parts) => {
      parts.set(this.rank, own);
      data.set(parts.get(0)!);
      for (let r = 1; r < this.world; r++) {
        const p = parts.get(r)!;
        for (let i = 0; i < data.length; i++) data[i] += p[i];
      }
    });
  }

  allGather(part: Float32Array): Promise<Float32Array> {
    checkArray('allGather', part);
    const own = part.slice();
    let out: Float32Array | undefined;
    return this.t
      .start('allGather', part, 0, this.t.others(), (parts) => {
        parts.set(this.rank, own);
        let total = 0;
        for (let r = 0; r < this.world; r++) total += parts.get(r)!.length;
        out = new Float32Array(total);
        let off = 0;
        for (let r = 0; r < this.world; r++) {
          out.set(parts.get(r)!, off);
          off += parts.get(r)!.length;
        }
      })
      .then(() => out!);
  }

  broadcast(data: Float32Array, root: number): Promise<void> {
    checkArray('broadcast', data);
    if (!Number.isInteger(root) || root < 0 || root >= this.world)
      return Promise.reject(new Error(`broadcast: root ${root} is outside 0..${this.world - 1}`));
    const isRoot = root === this.rank;
    return this.t.start(
      'broadcast',
      isRoot ? data : null,
      root,
      isRoot ? [] : [root],
      (parts) => {
        if (!isRoot) data.set(parts.get(root)!);
      },
      data.length,
    );
  }

  barrier(): Promise<void> {
    return this.t.start('barrier', new Float32Array(0), 0, this.t.others(), () => undefined);
  }

  /** Leaves the group: peers waiting on this rank fail at once (naming it) instead of timing out. */
  close(): void {
    this.t.close();
  }
}

function checkArray(op: string, a: unknown): void {
  if (!(a instanceof Float32Array)) throw new TypeError(`${op}: expected a Float32Array`);
}
