// Collective over one SharedArrayBuffer shared by W ranks (workers, or several ranks in one thread
// in tests). The fast path when the page is cross-origin isolated: tensors move by memcpy into
// shared memory instead of being structured-cloned through postMessage.
//
// Layout (createSabGroupBuffer):
//   Int32 header: magic, world, chunkFloats, barrier arrival counter + generation, abort word,
//                 per-rank barrier-arrival counts (to name missing ranks on timeout), and per-rank
//                 op descriptors (double-buffered by op parity, see below)
//   (W + 1) × chunkFloats float32, used two ways:
//   - allGather / broadcast: W slots of chunkFloats, one per rank (each rank writes only its own),
//     then the result area (chunkFloats), which they never touch;
//   - allReduceSum, in rounds of up to L = sumFloats floats (~(W+1)/W × chunkFloats, so fewer
//     rounds and barriers): rank q reduces rangeOf(len, q, W) of each round. W packed slots of
//     L - ⌊L/W⌋ floats from offset 0, rank r's holding only what the OTHER ranks reduce ([0, a_r)
//     then [b_r, len)), and the round's result in the LAST len floats of the region. The last
//     round is cut to ≤ chunkFloats, so its result lies inside the result area.
//
// Protocol invariants (why two barriers per round are enough, not three):
//   - before a round's first barrier a rank writes only its OWN slot and its OWN descriptor;
//   - slots are read only between a round's two barriers, so the next round's writes (after the
//     second barrier) never race a reader;
//   - a round's result is written only between its two barriers and read after the second; it
//     is next written only after the following round's first barrier, which every reader must
//     have reached (having finished reading). Slots and result never overlap (W·(L - ⌊L/W⌋) + L
//     ≤ (W + 1)·chunkFloats).
//   - across ops: the only reads after an op's last barrier are an all-reduce's last result,
//     inside the result area; every op's pre-barrier writes (own slot, packed slots) lie in the
//     first W × chunkFloats floats, so the next op cannot clobber it.
//   - descriptors are read right after an op's first barrier; a rank can only rewrite the same
//     parity two ops later, after passing the next op's first barrier, i.e. after everyone read.
// Reductions sum ranks 0..W-1 in rank order with a float32 rounding per add, exactly like
// createLocalGroup, so results are bit-identical to it.
//
// Self-contained but for sum-kernel.ts (itself import-free): the worker_threads test transpiles the two.
import type { Collective } from './collective';
import { createSumKernel, SUM_BLOCK, type SumKernel } from './sum-kernel';

const MAGIC = 0x53414231; // 'SAB1'
const H_MAGIC = 0;
const H_WORLD = 1;
const H_CHUNK = 2;
const H_COUNT = 3; // arrivals at the current barrier
const H_GEN = 4; // barrier generation: waiters sleep on this word
const H_ABORT = 5; // 0, or 1 + the rank that poisoned the group
const H_REASON = 6; // why: ABORT_CLOSED | ABORT_TIMEOUT
const H_FIXED = 8;
const ABORT_CLOSED = 1;
const ABORT_TIMEOUT = 2;
const DESC_INTS = 4; // op, length, root, seq
const OP_NAMES = ['', 'allReduceSum', 'allGather', 'broadcast', 'barrier'] as const;
const OP_SUM = 1;
const OP_GATHER = 2;
const OP_BCAST = 3;
const OP_BARRIER = 4;

function headerInts(world: number): number {
  const n = H_FIXED + world + 2 * world * DESC_INTS;
  return Math.ceil(n / 4) * 4; // 16-byte aligned float region
}

/** Bytes a group buffer needs for `world` ranks and chunks of `chunkFloats`. */
export function sabGroupBytes(world: number, chunkFloats: number): number {
  return headerInts(world) * 4 + (world + 1) * chunkFloats * 4;
}

/**
 * Allocates and initialises the shared buffer for one group. Create it once (e.g. on the page),
 * hand the same buffer to every rank (postMessage shares a SharedArrayBuffer, it does not copy).
 */
export function createSabGroupBuffer(world: number, chunkFloats: number): SharedArrayBuffer {
  if (!Number.isInteger(world) || world < 1) throw new Error(`createSabGroupBuffer: world must be a positive integer, got ${world}`);
  if (!Number.isInteger(chunkFloats) || chunkFloats < 1) throw new Error(`createSabGroupBuffer: chunkFloats must be a positive integer, got ${chunkFloats}`);
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('createSabGroupBuffer: SharedArrayBuffer is unavailable (the page must be cross-origin isolated)');
  const bytes = sabGroupBytes(world, chunkFloats);
  let sab: SharedArrayBuffer;
  try {
    sab = new SharedArrayBuffer(bytes);
  } catch (e) {
    throw new Error(`createSabGroupBuffer: cannot allocate ${bytes} bytes for world ${world} × chunk ${chunkFloats}: ${(e as Error).message}`);
  }
  const h = new Int32Array(sab, 0, headerInts(world));
  h[H_WORLD] = world;
  h[H_CHUNK] = chunkFloats;
  Atomics.store(h, H_MAGIC, MAGIC);
  return sab;
}

export interface SabCollectiveOptions {
  /** How long a rank waits at a barrier before failing, naming the ranks that never arrived. Default: no limit (ranks may legitimately spend minutes between collectives, e.g. compiling shaders). */
  timeoutMs?: number;
  /** Sum with WebAssembly SIMD where the engine allows it (default), or force the plain-JS loop (`false`; tests check both give the same bits). */
  simd?: boolean;
}

type WaitAsync = (a: Int32Array, index: number, value: number, timeout?: number) => { async: boolean; value: 'ok' | 'not-equal' | 'timed-out' | Promise<'ok' | 'timed-out'> };
// Typed by hand: the project's lib (ES2023) predates Atomics.waitAsync.
const waitAsync: WaitAsync | undefined = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync?.bind(Atomics);

function rangeOf(n: number, part: number, parts: number): [number, number] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const start = part * base + Math.min(part, extra);
  return [start, start + base + (part < extra ? 1 : 0)];
}

export class SabCollective implements Collective {
  readonly rank: number;
  readonly world: number;
  readonly chunkFloats: number;
  private readonly h: Int32Array;
  private readonly slots: Float32Array[];
  private readonly floats: Float32Array; // the whole float region: W slots + the result area
  private readonly sumFloats: number; // longest all-reduce round (see the layout)
  private readonly sumSlotFloats: number; // one packed all-reduce slot
  private readonly timeoutMs: number;
  private readonly kernel: SumKernel;
  private seq = 0;
  private arrivals = 0; // barriers this rank has entered (mirrored in the header for diagnostics)
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(rank: number, world: number, sab: SharedArrayBuffer, options: SabCollectiveOptions = {}) {
    if (typeof SharedArrayBuffer === 'undefined' || !(sab instanceof SharedArrayBuffer)) throw new Error('SabCollective: expected a SharedArrayBuffer from createSabGroupBuffer');
    if (sab.byteLength < H_FIXED * 4) throw new Error(`SabCollective: buffer too small (${sab.byteLength} bytes) to hold a group header`);
    const fixed = new Int32Array(sab, 0, H_FIXED);
    if (Atomics.load(fixed, H_MAGIC) !== MAGIC) throw new Error('SabCollective: buffer was not initialised by createSabGroupBuffer (bad magic)');
    const bufWorld = fixed[H_WORLD];
    const chunk = fixed[H_CHUNK];
    if (world !== bufWorld) throw new Error(`SabCollective: world ${world} does not match the buffer's world ${bufWorld}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= world) throw new Error(`SabCollective: rank ${rank} is outside 0..${world - 1}`);
    const need = sabGroupBytes(world, chunk);
    if (sab.byteLength < need) throw new Error(`SabCollective: buffer too small: ${sab.byteLength} bytes, world ${world} × chunk ${chunk} needs ${need}`);
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (!(timeoutMs > 0)) throw new Error(`SabCollective: timeoutMs must be positive, got ${timeoutMs}`);
    this.rank = rank;
    this.world = world;
    this.chunkFloats = chunk;
    this.timeoutMs = timeoutMs;
    this.h = new Int32Array(sab, 0, headerInts(world));
    const base = headerInts(world) * 4;
    this.slots = Array.from({ length: world }, (_, r) => new Float32Array(sab, base + r * chunk * 4, chunk));
    this.floats = new Float32Array(sab, base, (world + 1) * chunk);
    // The longest round L whose W packed slots (L minus the smallest range each) and result fit.
    const fits = (L: number) => world * (L - Math.floor(L / world)) + L <= (world + 1) * chunk;
    let L = Math.floor(((world + 1) * chunk - (world - 1)) / world);
    while (fits(L + 1)) L++;
    this.sumFloats = L;
    this.sumSlotFloats = L - Math.floor(L / world);
    this.arrivals = Atomics.load(this.h, H_FIXED + rank);
    this.kernel = createSumKernel(options.simd !== false);
  }

  allReduceSum(data: Float32Array): Promise<void> {
    checkArray('allReduceSum', data);
    return this.serial(async () => {
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
        if (k === 0) await this.openOp(OP_SUM, n, 0);
        else await this.barrier1();
        const res = this.floats.subarray(this.floats.length - len); // the round's result: the region's last len floats
        this.reduceRange(data, off, len, a, b, res);
        await this.barrier1();
        // All-gather: the others' reduced ranges (ours went straight into `data`).
        if (a > 0) data.set(res.subarray(0, a), off);
        if (b < len) data.set(res.subarray(b, len), off + b);
      }
    });
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
    const term = (r: number, i: number, m: number) => (r === this.rank ? data.subarray(off + i, off + i + m) : this.packed(r).subarray(i - shift[r], i - shift[r] + m));
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

  allGather(part: Float32Array): Promise<Float32Array> {
    checkArray('allGather', part);
    return this.serial(async () => {
      const C = this.chunkFloats;
      this.slots[this.rank].set(part.subarray(0, Math.min(C, part.length)));
      const descs = await this.openOp(OP_GATHER, part.length, 0);
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
          await this.barrier1();
        }
        for (let r = 0; r < this.world; r++) {
          const len = Math.max(0, Math.min(C, lengths[r] - k * C));
          if (len > 0) out.set(this.slots[r].subarray(0, len), offsets[r] + k * C);
        }
        await this.barrier1(); // everyone has read the slots: they may be rewritten
      }
      return out;
    });
  }

  broadcast(data: Float32Array, root: number): Promise<void> {
    checkArray('broadcast', data);
    return this.serial(async () => {
      const n = data.length;
      const C = this.chunkFloats;
      const isRoot = root === this.rank;
      const rounds = Math.max(1, Math.ceil(n / C));
      for (let k = 0; k < rounds; k++) {
        const off = k * C;
        const len = Math.min(C, n - off);
        if (isRoot) this.slots[this.rank].set(data.subarray(off, off + len));
        if (k === 0) await this.openOp(OP_BCAST, n, root);
        else await this.barrier1();
        if (!isRoot) data.set(this.slots[root].subarray(0, len), off);
        await this.barrier1();
      }
    });
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
    this.poison(ABORT_CLOSED);
  }

  // One op at a time per rank: the slots hold a single op's data, so overlapping calls queue.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(() => {
      if (this.closed) throw new Error(`SabCollective rank ${this.rank}: used after close()`);
      this.checkAbort();
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
  private async openOp(op: number, length: number, root: number): Promise<{ op: number; length: number; root: number }[]> {
    const seq = this.seq++;
    const d = this.descIndex(seq, this.rank);
    this.h[d] = op;
    this.h[d + 1] = length;
    this.h[d + 2] = root;
    this.h[d + 3] = seq | 0;
    await this.barrier1();
    const descs = Array.from({ length: this.world }, (_, r) => {
      const i = this.descIndex(seq, r);
      return { op: this.h[i], length: this.h[i + 1], root: this.h[i + 2], seq: this.h[i + 3] };
    });
    const show = (x: { op: number; length: number; root: number }, r: number) =>
      `rank ${r}: ${OP_NAMES[x.op] ?? `op ${x.op}`}(${x.op === OP_BARRIER ? '' : `length ${x.length}${x.op === OP_BCAST ? `, root ${x.root}` : ''}`})`;
    const all = () => descs.map(show).join('; ');
    if (descs.some((x) => x.op !== op || x.seq !== (seq | 0))) throw new Error(`SabCollective: ranks called different collectives at op #${seq} (${all()})`);
    if (op === OP_SUM && descs.some((x) => x.length !== length)) throw new Error(`allReduceSum: ranks passed arrays of different lengths (${all()})`);
    if (op === OP_BCAST) {
      if (!Number.isInteger(root) || root < 0 || root >= this.world) throw new Error(`broadcast: root ${root} is outside 0..${this.world - 1}`);
      if (descs.some((x) => x.root !== root)) throw new Error(`broadcast: ranks named different roots (${all()})`);
      if (descs.some((x) => x.length !== length)) throw new Error(`broadcast: ranks passed arrays of different lengths (${all()})`);
    }
    return descs;
  }

  private descIndex(seq: number, rank: number): number {
    return H_FIXED + this.world + ((seq & 1) * this.world + rank) * DESC_INTS;
  }

  /** Generation-counting barrier: the last arriver resets the counter and bumps the generation. */
  private async barrier1(): Promise<void> {
    const h = this.h;
    this.arrivals += 1;
    Atomics.store(h, H_FIXED + this.rank, this.arrivals);
    const gen = Atomics.load(h, H_GEN); // cannot advance before our own arrival below
    if (Atomics.add(h, H_COUNT, 1) + 1 === this.world) {
      Atomics.store(h, H_COUNT, 0); // before the bump: nobody re-arrives until they see it
      Atomics.add(h, H_GEN, 1);
      Atomics.notify(h, H_GEN);
      return;
    }
    const deadline = Date.now() + this.timeoutMs;
    // A pending Atomics.waitAsync does not keep a Node event loop alive: a worker_threads rank
    // whose only work is this wait would exit. A parked timer holds the loop open (no-op in browsers).
    const keepAlive = setTimeout(() => undefined, 0x7fffffff);
    try {
      while (Atomics.load(h, H_GEN) === gen) {
        this.checkAbort();
        const left = deadline - Date.now();
        if (left <= 0) this.timeOut();
        if (waitAsync) {
          const w = waitAsync(h, H_GEN, gen, Number.isFinite(left) ? left : undefined);
          if (w.async) await w.value;
        } else {
          // No waitAsync (older engines): poll, yielding so other ranks on this thread can run.
          await new Promise((r) => setTimeout(r, 0));
        }
      }
    } finally {
      clearTimeout(keepAlive);
    }
  }

  private timeOut(): never {
    const missing: number[] = [];
    for (let r = 0; r < this.world; r++) if (Atomics.load(this.h, H_FIXED + r) < this.arrivals) missing.push(r);
    this.poison(ABORT_TIMEOUT);
    throw new Error(`SabCollective rank ${this.rank}: timed out after ${this.timeoutMs} ms waiting at a barrier for rank(s) ${missing.join(', ')}`);
  }

  private poison(reason: number): void {
    if (Atomics.compareExchange(this.h, H_ABORT, 0, this.rank + 1) === 0) Atomics.store(this.h, H_REASON, reason);
    Atomics.notify(this.h, H_GEN);
  }

  private checkAbort(): void {
    const who = Atomics.load(this.h, H_ABORT);
    if (who === 0) return;
    const why = Atomics.load(this.h, H_REASON) === ABORT_TIMEOUT ? 'timed out waiting for a peer' : 'closed the group';
    throw new Error(`SabCollective rank ${this.rank}: group is unusable: rank ${who - 1} ${why}`);
  }
}

function checkArray(op: string, a: unknown): void {
  if (!(a instanceof Float32Array)) throw new TypeError(`${op}: expected a Float32Array`);
}
