// Collective over one shared WebAssembly.Memory (sab-group.ts: creation, layout, header) shared by
// W ranks (workers, or several ranks in one thread in tests). The fast path when the page is
// cross-origin isolated: tensors move through shared memory instead of being structured-cloned
// through postMessage. allReduceSum takes one of two paths:
//   - registered (zero-copy), here: `data` is exactly this rank's array from sharedArray(), i.e.
//     its region of the group memory, and every rank's is. Rank q sums rangeOf(n, q, W) over all
//     the regions and writes the sum into every region, with a wasm SIMD kernel instantiated on
//     the group memory (shared-sum.ts). Two barriers, no copies.
//   - copy path, for any other Float32Array: memcpy into shared slots, adds through a private
//     scratch, memcpy of the results back (sab-copy-path.ts, which also does allGather and
//     broadcast).
// This file keeps what the paths share: one op at a time per rank, the op descriptors every rank
// checks, barrier and close, and the registered arrays.
//
// Protocol invariants across ops and paths (the copy path's rounds: sab-copy-path.ts):
//   - across ops: the only reads after an op's last barrier are a copy-path all-reduce's last
//     result, inside the result area; every op's pre-barrier writes (own slot, packed slots, own
//     region) lie outside it, so the next op cannot clobber it.
//   - registered all-reduce: before its first barrier a rank writes only its OWN region (the
//     caller's data, written any time after its previous op resolved) and its descriptor; between
//     the two barriers rank q reads and writes only [a_q, b_q) of every region, and the ranges
//     are disjoint, so no rank reads what another writes; after the second barrier nobody touches
//     a region until the next registered all-reduce's first barrier, so the caller owns its array
//     again as soon as the call resolves (every peer's writes into it came before the barrier).
//   - regions lie after the slots and the result area (sab-group.ts): the two paths never touch
//     each other's floats, and their ops interleave freely.
//   - sharedArray: rank 0 grows the Memory and writes the layout word (H_SHARED) only between the
//     op's two barriers; every rank reads the word after the second, and it is next written after
//     the following sharedArray's first barrier, which every reader has then passed. A grow never
//     moves or detaches bytes: views taken before stay valid for their old length.
//   - descriptors are read right after an op's first barrier; a rank can only rewrite the same
//     parity two ops later, after passing the next op's first barrier, i.e. after everyone read.
// Reductions sum ranks 0..W-1 in rank order with a float32 rounding per add, exactly like
// createLocalGroup, so results are bit-identical to it on both paths.
//
// Imports only the group's own files (sab-copy-path, sab-group, sab-barrier, shared-sum, sum,
// asm; none imports anything else): the worker_threads test transpiles them (testdata/threads.ts).
import type { Collective } from './collective';
import { ABORT_CLOSED, ABORT_FAULT, GroupBarrier } from './sab-barrier';
import { DESC_INTS, growForRegions, H_FIXED, H_SHARED, openSabGroup, rangeOf, regionViews } from './sab-group';
import { SabCopyPath } from './sab-copy-path';
import { createSharedSumKernel, type SharedSumKernel } from '../kernels/wasm/shared-sum';
import { SUM_BLOCK, type SumKernel } from '../kernels/wasm/sum';

export { createSabGroup, sabGroupBytes, type SabGroupOptions } from './sab-group';

const OP_NAMES = ['', 'allReduceSum', 'allGather', 'broadcast', 'barrier', 'sharedArray'] as const;
const OP_SUM = 1;
const OP_GATHER = 2;
const OP_BCAST = 3;
const OP_BARRIER = 4;
const OP_SHARED = 5;
const FLAG_REGISTERED = 1; // descriptor flag of an all-reduce on the registered arrays

export interface SabCollectiveOptions {
  /** How long a rank waits at a barrier before failing, naming the ranks that never arrived. Default: no limit (ranks may legitimately spend minutes between collectives, e.g. compiling shaders). */
  timeoutMs?: number;
  /** Sum with WebAssembly SIMD where the engine allows it (default), or force the plain-JS loops (`false`; tests check both give the same bits). */
  simd?: boolean;
}

type Desc = { op: number; length: number; root: number; flags: number };

export class SabCollective implements Collective {
  readonly rank: number;
  readonly world: number;
  readonly chunkFloats: number;
  private readonly h: Int32Array;
  private readonly sync: GroupBarrier;
  private readonly memory: WebAssembly.Memory;
  private readonly maxPages: number;
  private readonly copy: SabCopyPath; // every op but the registered all-reduce and sharedArray
  private readonly shared: SharedSumKernel; // the registered path's adds, on the group memory
  private regions: Float32Array[] | null = null; // every rank's registered array (the last sharedArray's layout)
  private seq = 0;
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(rank: number, world: number, memory: WebAssembly.Memory, options: SabCollectiveOptions = {}) {
    const { h, chunkFloats: chunk, maxPages } = openSabGroup(memory, rank, world);
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (!(timeoutMs > 0)) throw new Error(`SabCollective: timeoutMs must be positive, got ${timeoutMs}`);
    this.rank = rank;
    this.world = world;
    this.chunkFloats = chunk;
    this.memory = memory;
    this.maxPages = maxPages;
    this.h = h;
    this.sync = new GroupBarrier(h, rank, world, timeoutMs);
    this.copy = new SabCopyPath(h, rank, world, chunk, this.sync, options.simd !== false);
    this.shared = createSharedSumKernel(memory, options.simd !== false);
  }

  /** Which add kernels this rank got (WebAssembly SIMD unless unavailable or `simd: false`). */
  get kernels(): { copy: SumKernel['kind']; registered: SharedSumKernel['kind'] } {
    return { copy: this.copy.kind, registered: this.shared.kind };
  }

  /**
   * This rank's registered array: `floats` floats of the group memory that allReduceSum reduces
   * in place with no copy (pass exactly this array, on every rank). Null when W such arrays do not
   * fit in the Memory's maximum (or the engine cannot commit the pages): use a private array then.
   * Collective: every rank calls it with the same length, in the same op order as the other
   * collectives. Rank 0 grows the Memory as needed. The contents start unspecified (whatever the
   * memory held). Another call, of any length, lays the arrays out anew: arrays returned before
   * must not be used after it (they may overlap a peer's new array).
   */
  sharedArray(floats: number): Promise<Float32Array | null> {
    const problem =
      Number.isInteger(floats) && floats > 0 && floats <= 0x7fffffff
        ? ''
        : `floats must be a positive integer below 2^31, got ${floats}`;
    return this.serial(async () => {
      // Publish -1 for a bad length so that every rank still meets at the barrier and throws.
      try {
        await this.openOp(OP_SHARED, problem ? -1 : floats, 0);
      } catch (e) {
        throw problem ? new Error(`sharedArray: ${problem}; ${(e as Error).message}`) : e;
      }
      if (problem) throw new Error(`sharedArray: ${problem}`);
      this.regions = null;
      if (this.rank === 0)
        Atomics.store(
          this.h,
          H_SHARED,
          growForRegions(this.memory, this.world, this.chunkFloats, floats, this.maxPages),
        );
      await this.sync.arrive();
      const n = Atomics.load(this.h, H_SHARED);
      if (n === 0) return null;
      const views = await regionViews(this.memory, this.world, this.chunkFloats, n);
      if (typeof views === 'string') {
        this.sync.poison(ABORT_FAULT); // peers would otherwise wait for this rank at the next op
        throw new Error(`SabCollective rank ${this.rank}: sharedArray: ${views}`);
      }
      this.regions = views;
      return views[this.rank];
    });
  }

  /** Whether `data` is this rank's registered array: the same bytes of the group memory. */
  private isRegistered(data: Float32Array): boolean {
    const mine = this.regions?.[this.rank];
    // The view sharedArray returned, or an equal one of the Memory's current buffer (each grow
    // makes a new SharedArrayBuffer object over the same memory).
    return (
      !!mine &&
      data.byteOffset === mine.byteOffset &&
      data.length === mine.length &&
      (data.buffer === mine.buffer || data.buffer === this.memory.buffer)
    );
  }

  allReduceSum(data: Float32Array): Promise<void> {
    checkArray('allReduceSum', data);
    return this.serial(() =>
      this.isRegistered(data)
        ? this.sumRegistered(data.length)
        : this.copy.allReduceSum(data, () => this.openOp(OP_SUM, data.length, 0)),
    );
  }

  /** The zero-copy all-reduce of the registered arrays (see the invariants). */
  private async sumRegistered(n: number): Promise<void> {
    await this.openOp(OP_SUM, n, 0, FLAG_REGISTERED);
    const [a, b] = rangeOf(n, this.rank, this.world);
    if (this.world > 1 && b > a) this.reduceRegions(a, b);
    await this.sync.arrive();
  }

  /** [a, b) of every region ← the rank-order sum over the regions. */
  private reduceRegions(a: number, b: number): void {
    const regs = this.regions!;
    const W = this.world;
    if (W === 2) {
      this.shared.sum2(regs[0].subarray(a, b), regs[1].subarray(a, b)); // read 2, write 2: the least traffic there is
      return;
    }
    // Summed into region 0, then copied to the others, block by block: the partial sum stays in
    // cache through the W - 1 adds and the W - 1 copies.
    for (let i = a; i < b; i += SUM_BLOCK) {
      const e = Math.min(b, i + SUM_BLOCK);
      const acc = regs[0].subarray(i, e);
      for (let r = 1; r < W; r++) this.shared.add(acc, regs[r].subarray(i, e));
      for (let r = 1; r < W; r++) regs[r].set(acc, i);
    }
  }

  allGather(part: Float32Array): Promise<Float32Array> {
    checkArray('allGather', part);
    return this.serial(() => this.copy.allGather(part, () => this.openOp(OP_GATHER, part.length, 0)));
  }

  broadcast(data: Float32Array, root: number): Promise<void> {
    checkArray('broadcast', data);
    return this.serial(() => this.copy.broadcast(data, root, () => this.openOp(OP_BCAST, data.length, root)));
  }

  barrier(): Promise<void> {
    return this.serial(async () => {
      await this.openOp(OP_BARRIER, 0, 0);
    });
  }

  /**
   * Stops this rank and poisons the group: peers blocked in (or later entering) a collective fail
   * with an error naming this rank instead of waiting forever for it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sync.poison(ABORT_CLOSED);
  }

  // One op at a time per rank: the slots hold a single op's data, so overlapping calls queue.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(() => {
      if (this.closed) throw new Error(`SabCollective rank ${this.rank}: used after close()`);
      this.sync.checkAbort();
      return fn();
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  /**
   * Publishes this rank's op descriptor, passes the op's first barrier, and checks every rank
   * called the same op with compatible arguments. All ranks read the same descriptors, so all
   * throw together (and stay in step for the next op) when they disagree.
   */
  private async openOp(op: number, length: number, root: number, flags = 0): Promise<Desc[]> {
    const seq = this.seq++;
    const d = this.descIndex(seq, this.rank);
    this.h[d] = op;
    this.h[d + 1] = length;
    this.h[d + 2] = root;
    this.h[d + 3] = seq | 0;
    this.h[d + 4] = flags;
    await this.sync.arrive();
    const descs = Array.from({ length: this.world }, (_, r) => {
      const i = this.descIndex(seq, r);
      return { op: this.h[i], length: this.h[i + 1], root: this.h[i + 2], seq: this.h[i + 3], flags: this.h[i + 4] };
    });
    const args = (x: Desc) => {
      if (x.op === OP_BARRIER) return '';
      if (x.op === OP_SHARED) return `floats ${x.length < 0 ? '(not a positive integer)' : x.length}`;
      return `length ${x.length}${x.op === OP_BCAST ? `, root ${x.root}` : ''}${x.op === OP_SUM && x.flags & FLAG_REGISTERED ? ', registered array' : ''}`;
    };
    const show = (x: Desc, r: number) => `rank ${r}: ${OP_NAMES[x.op] ?? `op ${x.op}`}(${args(x)})`;
    const all = () => descs.map(show).join('; ');
    if (descs.some((x) => x.op !== op || x.seq !== (seq | 0)))
      throw new Error(`SabCollective: ranks called different collectives at op #${seq} (${all()})`);
    if (op === OP_SUM && descs.some((x) => x.length !== length))
      throw new Error(`allReduceSum: ranks passed arrays of different lengths (${all()})`);
    if (op === OP_SUM && descs.some((x) => x.flags !== flags))
      throw new Error(
        `allReduceSum: some ranks passed their registered array (from sharedArray) and some a private one: all or none must (${all()})`,
      );
    if (op === OP_SHARED && descs.some((x) => x.length !== length))
      throw new Error(`sharedArray: ranks asked for different lengths (${all()})`);
    if (op === OP_BCAST) {
      if (!Number.isInteger(root) || root < 0 || root >= this.world)
        throw new Error(`broadcast: root ${root} is outside 0..${this.world - 1}`);
      if (descs.some((x) => x.root !== root)) throw new Error(`broadcast: ranks named different roots (${all()})`);
      if (descs.some((x) => x.length !== length))
        throw new Error(`broadcast: ranks passed arrays of different lengths (${all()})`);
    }
    return descs;
  }

  private descIndex(seq: number, rank: number): number {
    return H_FIXED + this.world + ((seq & 1) * this.world + rank) * DESC_INTS;
  }
}

function checkArray(op: string, a: unknown): void {
  if (!(a instanceof Float32Array)) throw new TypeError(`${op}: expected a Float32Array`);
}
