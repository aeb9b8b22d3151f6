// The copy path of SabCollective (sab-collective.ts): allReduceSum of any Float32Array that is
// not the rank's registered array, allGather and broadcast, all moving data through fixed slots
// of the group memory. Apart from the registered (zero-copy) all-reduce because it has its own
// layout and round protocol; SabCollective still owns the op order, the descriptors (passed in as
// `open`) and the barrier.
//
// The float area, (W + 1) × chunkFloats float32 after the header, used two ways:
//   - allGather / broadcast: W slots of chunkFloats, one per rank (each rank writes only its own),
//     then the result area (chunkFloats), which they never touch;
//   - allReduceSum, in rounds of up to L = sumFloats floats (~(W+1)/W × chunkFloats, so fewer
//     rounds and barriers): rank q reduces rangeOf(len, q, W) of each round. W packed slots of
//     L - ⌊L/W⌋ floats from offset 0, rank r's holding only what the OTHER ranks reduce ([0, a_r)
//     then [b_r, len)), and the round's result in the LAST len floats of the area. The last
//     round is cut to ≤ chunkFloats, so its result lies inside the result area.
// Adds go through a private scratch (sum.ts) in cache-sized blocks, memcpy in and out.
//
// Why two barriers per round are enough, not three:
//   - before a round's first barrier a rank writes only its OWN slot and its OWN descriptor;
//   - slots are read only between a round's two barriers, so the next round's writes (after the
//     second barrier) never race a reader;
//   - a round's result is written only between its two barriers and read after the second; it
//     is next written only after the following round's first barrier, which every reader must
//     have reached (having finished reading). Slots and result never overlap (W·(L - ⌊L/W⌋) + L
//     ≤ (W + 1)·chunkFloats).
// The invariants across ops and paths are in sab-collective.ts.
//
// Imports only sab-group.ts and sum.ts (which imports asm.ts), plus a type: the worker_threads test
// transpiles it beside sab-collective.ts (testdata/threads.ts).
import type { GroupBarrier } from './sab-barrier';
import { rangeOf } from './sab-group';
import { createSumKernel, SUM_BLOCK, type SumKernel } from '../kernels/wasm/sum';

/**
 * Publishes this rank's op descriptor and passes the op's first barrier, checking that every rank
 * called the same op alike (SabCollective's openOp); resolves to every rank's descriptor.
 */
export type OpenOp = () => Promise<readonly { length: number }[]>;

export class SabCopyPath {
  readonly chunkFloats: number;
  private readonly rank: number;
  private readonly world: number;
  private readonly slots: Float32Array[];
  private readonly floats: Float32Array; // the float area: W slots + the result area
  private readonly sumFloats: number; // longest all-reduce round (see the layout)
  private readonly sumSlotFloats: number; // one packed all-reduce slot
  private readonly sync: GroupBarrier;
  private readonly kernel: SumKernel; // the adds, in a private scratch

  /** Over the float area right after the header `h` (the group's, from openSabGroup). */
  constructor(h: Int32Array, rank: number, world: number, chunk: number, sync: GroupBarrier, simd: boolean) {
    this.rank = rank;
    this.world = world;
    this.chunkFloats = chunk;
    const sab = h.buffer; // the memory's buffer as it is now: views of it stay valid after a grow
    const base = h.byteLength;
    this.slots = Array.from({ length: world }, (_, r) => new Float32Array(sab, base + r * chunk * 4, chunk));
    this.floats = new Float32Array(sab, base, (world + 1) * chunk);
    // The longest round L whose W packed slots (L minus the smallest range each) and result fit.
    const fits = (L: number) => world * (L - Math.floor(L / world)) + L <= (world + 1) * chunk;
    let L = Math.floor(((world + 1) * chunk - (world - 1)) / world);
    while (fits(L + 1)) L++;
    this.sumFloats = L;
    this.sumSlotFloats = L - Math.floor(L / world);
    this.sync = sync;
    this.kernel = createSumKernel(simd);
  }

  /** Which add kernel this rank got (WebAssembly SIMD unless unavailable or `simd: false`). */
  get kind(): SumKernel['kind'] {
    return this.kernel.kind;
  }

  /** allReduceSum of any array: rounds through the packed slots (see the float area above). */
  async allReduceSum(data: Float32Array, open: OpenOp): Promise<void> {
    const n = data.length;
    const W = this.world;
    const { rounds, head } = this.sumRounds(n);
    for (let k = 0; k < rounds; k++) {
      const [off, end] = k < rounds - 1 ? rangeOf(head, k, rounds - 1) : [head, n];
      const len = end - off;
      // Reduce-scatter: this rank reduces [a, b) of the round, rank q reduces rangeOf(len, q, W).
      // Publish only what the others reduce, packed: [0, a) then [b, len).
      const [a, b] = rangeOf(len, this.rank, W);
      const mine = this.packed(this.rank);
      if (a > 0) mine.set(data.subarray(off, off + a));
      if (b < len) mine.set(data.subarray(off + b, off + len), a);
      if (k === 0) await open();
      else await this.sync.arrive();
      const res = this.floats.subarray(this.floats.length - len); // the round's result: the float area's last len floats
      this.reduceRange(data, off, len, a, b, res);
      await this.sync.arrive();
      // All-gather: the others' reduced ranges (ours went straight into `data`).
      if (a > 0) data.set(res.subarray(0, a), off);
      if (b < len) data.set(res.subarray(b, len), off + b);
    }
  }

  /**
   * How an n-float all-reduce is cut into rounds: the first `head` floats in rounds - 1 even
   * rounds of ≤ sumFloats, the rest (≤ chunkFloats) in the last, so that the last round's result
   * lies in the classic result area (see the layout).
   */
  private sumRounds(n: number): { rounds: number; head: number } {
    const C = this.chunkFloats;
    if (n <= C) return { rounds: 1, head: 0 };
    const rounds = 1 + Math.ceil((n - C) / this.sumFloats);
    return { rounds, head: n - Math.min(C, Math.ceil(n / rounds)) };
  }

  /** Rank r's packed all-reduce slot: what it publishes for the other ranks' ranges. */
  private packed(r: number): Float32Array {
    return this.floats.subarray(r * this.sumSlotFloats, (r + 1) * this.sumSlotFloats);
  }

  /**
   * Sums [a, b) of the current round over ranks 0..W-1 in rank order (this rank's terms straight
   * from `data`, the others' from their packed slots) into `data` and `res`, in cache-sized
   * blocks through the kernel's scratch so the adds run on fast memory.
   */
  private reduceRange(data: Float32Array, off: number, len: number, a: number, b: number, res: Float32Array): void {
    const W = this.world;
    if (W === 1) return; // the sum of one term is the term itself: already in `data`
    const { acc, src } = this.kernel;
    // Where rank r's packed slot holds element i of our range: ranks before us packed their own
    // range out ahead of it, ranks after us did not reach it yet.
    const shift = Array.from({ length: W }, (_, r) => {
      const [ra, rb] = rangeOf(len, r, W);
      return r < this.rank ? rb - ra : 0;
    });
    const term = (r: number, i: number, m: number) =>
      r === this.rank ? data.subarray(off + i, off + i + m) : this.packed(r).subarray(i - shift[r], i - shift[r] + m);
    for (let i = a; i < b; i += SUM_BLOCK) {
      const m = Math.min(SUM_BLOCK, b - i);
      acc.set(term(0, i, m));
      for (let r = 1; r < W; r++) {
        src.set(term(r, i, m));
        this.kernel.add(m);
      }
      const sum = acc.subarray(0, m);
      data.set(sum, off + i);
      res.set(sum, i);
    }
  }

  /** allGather through the W slots, chunkFloats per rank per round. */
  async allGather(part: Float32Array, open: OpenOp): Promise<Float32Array> {
    const C = this.chunkFloats;
    this.slots[this.rank].set(part.subarray(0, Math.min(C, part.length)));
    const descs = await open();
    const lengths = descs.map((d) => d.length);
    const offsets: number[] = [];
    let total = 0;
    for (const l of lengths) {
      offsets.push(total);
      total += l;
    }
    const out = new Float32Array(total);
    const rounds = Math.max(1, Math.ceil(Math.max(...lengths) / C));
    for (let k = 0; k < rounds; k++) {
      if (k > 0) {
        const off = k * C;
        if (off < part.length) this.slots[this.rank].set(part.subarray(off, Math.min(off + C, part.length)));
        await this.sync.arrive();
      }
      for (let r = 0; r < this.world; r++) {
        const len = Math.max(0, Math.min(C, lengths[r] - k * C));
        if (len > 0) out.set(this.slots[r].subarray(0, len), offsets[r] + k * C);
      }
      await this.sync.arrive(); // everyone has read the slots: they may be rewritten
    }
    return out;
  }

  /** broadcast through the root's slot, chunkFloats per round. */
  async broadcast(data: Float32Array, root: number, open: OpenOp): Promise<void> {
    const n = data.length;
    const C = this.chunkFloats;
    const isRoot = root === this.rank;
    const rounds = Math.max(1, Math.ceil(n / C));
    for (let k = 0; k < rounds; k++) {
      const off = k * C;
      const len = Math.min(C, n - off);
      if (isRoot) this.slots[this.rank].set(data.subarray(off, off + len));
      if (k === 0) await open();
      else await this.sync.arrive();
      if (!isRoot) data.set(this.slots[root].subarray(0, len), off);
      await this.sync.arrive();
    }
  }
}
