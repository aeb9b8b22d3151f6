// The BroadcastChannel side of ChannelCollective (channel-collective.ts): group membership and
// moving each op's parts between ranks, kept apart from the collective operations that combine
// them. An op is numbered (every rank numbers its collective calls 0, 1, 2, …), each rank's part
// is cut into chunks small enough to clone, and the op completes once every rank it needs has
// delivered all its chunks; checks that the ranks called the same op alike live here too, since
// only the transport sees both sides' messages.
//
// BroadcastChannel only delivers to listeners that exist when a message is posted, so ranks first
// handshake (connect) and never send data to a rank they have not heard from. Messages for later
// ops arrive early (a fast rank runs ahead) and are buffered by op sequence number.
//
// Any same-origin page may open a BroadcastChannel of any name, so the group is closed to it: every
// message carries the run's group id and a per-run secret the page hands only to its own workers,
// and the channel itself is named after both (a page that does not know the secret cannot even
// listen). A message that fails any check — wrong secret or group, malformed, of the wrong length
// or op for the call it would join — is dropped and counted (onDrop hears of each), never fatal: a
// stranger's message cannot fail a replica. An op that then waits too long names the last
// disagreement it dropped, so a real mismatch between ranks is still explained.
//
// Imports nothing: the worker_threads test transpiles it beside channel-collective.ts.

const PROTO = 'studio-collective/1';
const OPS = ['allReduceSum', 'allGather', 'broadcast', 'barrier'] as const;
type OpName = (typeof OPS)[number];

export interface ChannelCollectiveOptions {
  /** Handshake limit, and the longest an op waits without progress before failing. Default 60 s. */
  timeoutMs?: number;
  /** Floats per message (payloads larger than this are split). Default 256K floats (1 MiB). */
  chunkFloats?: number;
  /** How often an unconnected rank repeats 'hello'. Default 20 ms. */
  helloIntervalMs?: number;
  /** The run's secret (the page makes it per run and gives it only to its workers); default ''. */
  secret?: string;
  /** Hears of every dropped message: the running count and why (never the secret). */
  onDrop?: (count: number, why: string) => void;
}

/** The BroadcastChannel a group uses: named by its group id and secret, so outsiders cannot find it. */
export function channelNameOf(group: string, secret = ''): string {
  return secret ? `${group}#${secret}` : group;
}

/** How far ahead of this rank a peer's op may be before its messages are taken for garbage. */
const MAX_OPS_AHEAD = 4096;

interface Envelope {
  proto: typeof PROTO;
  group: string; // the run's group id (the channel's name without the secret)
  secret: string; // the run's secret
}

interface ControlMsg extends Envelope {
  kind: 'hello' | 'ready' | 'bye';
  from: number;
  world: number;
}

interface DataMsg extends Envelope {
  kind: 'data';
  from: number;
  world: number;
  seq: number; // op sequence number: every rank numbers its collective calls 0, 1, 2, …
  op: OpName;
  root: number; // broadcast root (0 otherwise)
  length: number; // the sender's whole part, in floats
  chunkFloats: number; // sender's chunk size: chunk k covers [k·chunkFloats, …)
  chunk: number;
  payload: Float32Array;
}

interface Part {
  buf: Float32Array;
  got: Set<number>;
  chunks: number;
}

interface Pending {
  seq: number;
  op: OpName;
  length: number;
  root: number;
  expect: number[]; // ranks whose part this op needs
  parts: Map<number, Part>;
  complete: (parts: Map<number, Float32Array>) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  disagreed?: string; // the last message for this op dropped for disagreeing with it (named on a timeout)
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const chunksOf = (length: number, chunkFloats: number) => Math.max(1, Math.ceil(length / chunkFloats));

export class ChannelTransport {
  readonly rank: number;
  readonly world: number;
  readonly name: string;
  private readonly ch: BroadcastChannel;
  private readonly timeoutMs: number;
  private readonly chunkFloats: number;
  private readonly secret: string;
  private readonly onDrop: ((count: number, why: string) => void) | undefined;
  private readonly heard = new Set<number>();
  private readonly left = new Set<number>();
  private readonly pending = new Map<number, Pending>();
  private readonly early = new Map<number, DataMsg[]>();
  private nextSeq = 0;
  private connected = false;
  private closed = false;
  private broken: Error | null = null;
  private dropped = 0;
  private onHeard: (() => void) | null = null;

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
  ): Promise<ChannelTransport> {
    if (!Number.isInteger(world) || world < 1)
      throw new Error(`ChannelCollective: world must be a positive integer, got ${world}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= world)
      throw new Error(`ChannelCollective: rank ${rank} is outside 0..${world - 1}`);
    if (typeof BroadcastChannel === 'undefined')
      throw new Error('ChannelCollective: BroadcastChannel is unavailable in this context');
    const c = new ChannelTransport(name, rank, world, options);
    try {
      await c.handshake(options.helloIntervalMs ?? 20);
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  private constructor(name: string, rank: number, world: number, options: ChannelCollectiveOptions) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const chunkFloats = options.chunkFloats ?? 1 << 18;
    if (!(timeoutMs > 0)) throw new Error(`ChannelCollective: timeoutMs must be positive, got ${timeoutMs}`);
    if (!Number.isInteger(chunkFloats) || chunkFloats < 1)
      throw new Error(`ChannelCollective: chunkFloats must be a positive integer, got ${chunkFloats}`);
    this.name = name;
    this.rank = rank;
    this.world = world;
    this.timeoutMs = timeoutMs;
    this.chunkFloats = chunkFloats;
    this.secret = options.secret ?? '';
    this.onDrop = options.onDrop;
    this.ch = new BroadcastChannel(channelNameOf(name, this.secret));
    this.ch.onmessage = (ev: MessageEvent) => this.receive(ev.data);
    this.ch.onmessageerror = () => this.drop('a message could not be deserialized');
  }

  /** Messages ignored: without this run's group and secret, malformed, from this rank's number, disagreeing with the op, duplicates, or for an op already finished. */
  get droppedMessages(): number {
    return this.dropped;
  }

  /** Leaves the group: peers waiting on this rank fail at once (naming it) instead of timing out. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onHeard = null;
    try {
      this.post({ ...this.envelope(), kind: 'bye', from: this.rank, world: this.world });
    } catch {
      // channel already unusable: nothing to tell
    }
    this.ch.close();
    for (const p of [...this.pending.values()])
      this.fail(p, new Error(`ChannelCollective rank ${this.rank}: ${p.op} (op #${p.seq}) interrupted by close()`));
    this.early.clear();
  }

  /** Every rank but this one. */
  others(): number[] {
    return Array.from({ length: this.world }, (_, r) => r).filter((r) => r !== this.rank);
  }

  private envelope(): Envelope {
    return { proto: PROTO, group: this.name, secret: this.secret };
  }

  private post(m: ControlMsg | DataMsg): void {
    this.ch.postMessage(m);
  }

  private handshake(helloIntervalMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const hello = () => this.post({ ...this.envelope(), kind: 'hello', from: this.rank, world: this.world });
      const interval = setInterval(hello, helloIntervalMs);
      const cleanup = () => {
        clearInterval(interval);
        clearTimeout(timer);
        this.onHeard = null;
      };
      const timer = setTimeout(() => {
        cleanup();
        const missing = this.others().filter((r) => !this.heard.has(r));
        reject(
          new Error(
            `ChannelCollective rank ${this.rank} on "${this.name}": handshake timed out after ${this.timeoutMs} ms; never heard from rank(s) ${missing.join(', ')}`,
          ),
        );
      }, this.timeoutMs);
      this.onHeard = () => {
        if (this.heard.size < this.world - 1) return;
        cleanup();
        this.connected = true;
        // Peers that have not heard from us yet keep saying hello; we answer each (see receive).
        this.post({ ...this.envelope(), kind: 'ready', from: this.rank, world: this.world });
        resolve();
      };
      hello();
      this.onHeard();
    });
  }

  /**
   * Starts op number nextSeq: sends this rank's part (if any), then resolves once the parts of
   * `expect` have all arrived and `finish` has combined them.
   */
  start(
    op: OpName,
    send: Float32Array | null,
    root: number,
    expect: number[],
    finish: (parts: Map<number, Float32Array>) => void,
    length = send?.length ?? 0,
  ): Promise<void> {
    const seq = this.nextSeq++; // taken even when failing fast, so ranks stay numbered alike
    if (this.closed) return Promise.reject(new Error(`ChannelCollective rank ${this.rank}: used after close()`));
    if (this.broken) return Promise.reject(this.broken);
    const gone = expect.filter((r) => this.left.has(r));
    if (gone.length)
      return Promise.reject(
        new Error(
          `ChannelCollective rank ${this.rank}: ${op} (op #${seq}) needs rank(s) ${gone.join(', ')}, which closed`,
        ),
      );
    if (send && this.world > 1) {
      const C = this.chunkFloats;
      const chunks = chunksOf(send.length, C);
      for (let k = 0; k < chunks; k++) {
        // slice, not subarray: cloning a view would copy its whole underlying buffer.
        const payload = send.slice(k * C, Math.min((k + 1) * C, send.length));
        this.post({
          ...this.envelope(),
          kind: 'data',
          from: this.rank,
          world: this.world,
          seq,
          op,
          root,
          length: send.length,
          chunkFloats: C,
          chunk: k,
          payload,
        });
      }
    }
    return new Promise<void>((resolve, reject) => {
      const p: Pending = {
        seq,
        op,
        length,
        root,
        expect,
        parts: new Map(),
        timer: undefined,
        reject,
        complete: (parts) => {
          try {
            finish(parts);
            resolve();
          } catch (e) {
            reject(e as Error);
          }
        },
      };
      this.pending.set(seq, p);
      this.arm(p);
      const early = this.early.get(seq);
      this.early.delete(seq);
      for (const m of early ?? []) {
        if (this.pending.has(seq)) this.deliver(p, m);
        else this.drop(`data for op #${seq} from rank ${m.from}, after that op had finished or failed`);
      }
      this.maybeComplete(p);
    });
  }

  // Inactivity timer: restarted on every message that makes progress, so a long transfer is fine
  // but a rank that never shows up is named after timeoutMs.
  private arm(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      const missing = p.expect.filter((r) => !this.isComplete(p.parts.get(r)));
      const why = p.disagreed ? ` (dropped a message that disagreed: ${p.disagreed})` : '';
      const err = new Error(
        `ChannelCollective rank ${this.rank}: ${p.op} (op #${p.seq}) timed out after ${this.timeoutMs} ms waiting for rank(s) ${missing.join(', ')}${why}`,
      );
      this.broken = err; // peers may be ops apart now: later ops cannot be trusted
      this.fail(p, err);
    }, this.timeoutMs);
  }

  private fail(p: Pending, e: Error): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    this.pending.delete(p.seq);
    p.reject(e);
  }

  private isComplete(part: Part | undefined): boolean {
    return part !== undefined && part.got.size === part.chunks;
  }

  private maybeComplete(p: Pending): void {
    if (!this.pending.has(p.seq)) return;
    if (!p.expect.every((r) => this.isComplete(p.parts.get(r)))) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    this.pending.delete(p.seq);
    const parts = new Map<number, Float32Array>();
    for (const [r, part] of p.parts) parts.set(r, part.buf);
    p.complete(parts);
  }

  private receive(m: unknown): void {
    if (this.closed) return;
    const c = m as Partial<DataMsg>;
    if (typeof m !== 'object' || m === null || c.proto !== PROTO) return this.drop('not a message of this protocol');
    if (c.group !== this.name) return this.drop("not this run's group");
    if (c.secret !== this.secret) return this.drop("without this run's secret");
    if (c.world !== this.world || !isInt(c.from) || c.from < 0 || c.from >= this.world || c.from === this.rank) {
      return this.drop('world or sender rank wrong');
    }
    const from = c.from;
    switch (c.kind as string) {
      case 'hello':
        this.heard.add(from);
        if (this.connected) this.post({ ...this.envelope(), kind: 'ready', from: this.rank, world: this.world });
        this.onHeard?.();
        return;
      case 'ready':
        this.heard.add(from);
        this.onHeard?.();
        return;
      case 'bye':
        this.left.add(from);
        for (const p of [...this.pending.values()]) {
          if (p.expect.includes(from) && !this.isComplete(p.parts.get(from)))
            this.fail(
              p,
              new Error(
                `ChannelCollective rank ${this.rank}: ${p.op} (op #${p.seq}) cannot finish: rank ${from} closed`,
              ),
            );
        }
        return;
      case 'data':
        if (!isDataMsg(c)) return this.drop(`malformed data message from rank ${from}`);
        this.route(c);
        return;
      default:
        this.drop(`unknown message kind ${String(JSON.stringify(c.kind)).slice(0, 40)} from rank ${from}`);
    }
  }

  /** Counts a dropped message and says why on the console (the first few, then every 100th). */
  private drop(why: string): void {
    this.dropped += 1;
    try {
      this.onDrop?.(this.dropped, why);
    } catch {
      // a listener's failure is not the group's
    }
    if (this.dropped <= 5 || this.dropped % 100 === 0)
      console.warn(`ChannelCollective rank ${this.rank}: dropped message #${this.dropped}: ${why}`);
  }

  private route(m: DataMsg): void {
    const p = this.pending.get(m.seq);
    if (p) return this.deliver(p, m);
    if (m.seq < this.nextSeq) return this.drop(`data for op #${m.seq}, which this rank already finished or failed`);
    if (m.seq >= this.nextSeq + MAX_OPS_AHEAD)
      return this.drop(`data for op #${m.seq}, more than ${MAX_OPS_AHEAD} ops ahead of this rank`);
    let list = this.early.get(m.seq);
    if (!list) this.early.set(m.seq, (list = []));
    list.push(m);
  }

  private deliver(p: Pending, m: DataMsg): void {
    const desc = (op: OpName, len: number, root: number) =>
      op === 'barrier' ? 'barrier()' : `${op}(length ${len}${op === 'broadcast' ? `, root ${root}` : ''})`;
    // Dropped, not fatal (anyone may post); remembered so a timeout can say what disagreed.
    const mismatch = (what: string) => {
      p.disagreed = `${p.op}: ${what} at op #${p.seq}: rank ${this.rank} called ${desc(p.op, p.length, p.root)}, a message from rank ${m.from} says ${desc(m.op, m.length, m.root)}`;
      this.drop(p.disagreed);
    };
    if (m.op !== p.op) return mismatch('ranks called different collectives');
    if (p.op === 'broadcast' && m.root !== p.root) return mismatch('ranks named different roots');
    if ((p.op === 'allReduceSum' || p.op === 'broadcast') && m.length !== p.length)
      return mismatch('ranks passed arrays of different lengths');
    if (!p.expect.includes(m.from)) return this.drop(`rank ${m.from} is not part of op #${p.seq}`);
    let part = p.parts.get(m.from);
    const chunks = chunksOf(m.length, m.chunkFloats);
    if (!part) p.parts.set(m.from, (part = { buf: new Float32Array(m.length), got: new Set(), chunks }));
    if (part.buf.length !== m.length || part.chunks !== chunks || part.got.has(m.chunk)) {
      return this.drop(
        `chunk ${m.chunk} of op #${p.seq} from rank ${m.from} is a duplicate or disagrees with its earlier chunks`,
      );
    }
    part.buf.set(m.payload, m.chunk * m.chunkFloats);
    part.got.add(m.chunk);
    this.arm(p);
    this.maybeComplete(p);
  }
}

/** Shape check for a data message: types, ranges, and a payload exactly as long as its chunk. */
function isDataMsg(c: Partial<DataMsg>): c is DataMsg {
  if (!isInt(c.seq) || c.seq < 0 || !OPS.includes(c.op as OpName) || !isInt(c.root) || c.root < 0) return false;
  if (!isInt(c.length) || c.length < 0 || !isInt(c.chunkFloats) || c.chunkFloats < 1 || !isInt(c.chunk) || c.chunk < 0)
    return false;
  if (!(c.payload instanceof Float32Array)) return false;
  if (c.chunk >= chunksOf(c.length, c.chunkFloats)) return false;
  const expected = Math.max(0, Math.min(c.chunkFloats, c.length - c.chunk * c.chunkFloats));
  return c.payload.length === expected;
}
