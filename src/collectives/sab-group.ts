// The shared memory of one SabCollective group: a shared WebAssembly.Memory (its .buffer is a
// SharedArrayBuffer), created once by the page and posted to every rank. A Memory rather than a
// bare SharedArrayBuffer because it can grow in place (registered arrays are laid out after the
// group is made) and because wasm code can be instantiated on it (the sum kernel adds straight
// from the ranks' registered arrays, no copy into a private wasm heap).
//
// Layout (byte offsets from 0):
//   Int32 header (headerInts): magic, world, chunkFloats, barrier arrival counter + generation,
//                 abort word + reason, the Memory's maximum pages, the registered length, per-rank
//                 barrier-arrival counts (to name missing ranks on timeout), and per-rank op
//                 descriptors (double-buffered by op parity, see sab-collective.ts)
//   (W + 1) × chunkFloats float32: the copy path's slots and result area (sab-copy-path.ts)
//   W registered regions (SabCollective.sharedArray), from regionBase: region r at
//                 regionBase + r · regionStride(floats) · 4, each 16-byte aligned. They exist only
//                 after a sharedArray call, which grows the Memory as needed.
// Regions lie after every slot and the result area, so copy-path ops and registered ops never
// touch each other's floats.
//
// Self-contained (no imports): the worker_threads test transpiles it beside sab-collective.ts.

export const MAGIC = 0x53414232; // 'SAB2': a WebAssembly.Memory group (SAB1 was a bare SharedArrayBuffer)
export const H_MAGIC = 0;
export const H_WORLD = 1;
export const H_CHUNK = 2;
export const H_COUNT = 3; // arrivals at the current barrier
export const H_GEN = 4; // barrier generation: waiters sleep on this word
export const H_ABORT = 5; // 0, or 1 + the rank that poisoned the group
export const H_REASON = 6; // why: an ABORT_* code of sab-collective.ts
export const H_MAX_PAGES = 7; // the Memory's maximum (JS cannot ask a Memory for it)
export const H_SHARED = 8; // floats per registered region, 0 when none: written by rank 0 inside sharedArray
export const H_FIXED = 9; // then W arrival counts, then 2·W descriptors
export const DESC_INTS = 5; // op, length, root, seq, flags

export const PAGE_BYTES = 65536;
/** The most a wasm32 memory can hold: 65536 pages = 4 GiB. */
export const MAX_PAGES = 65536;

export function headerInts(world: number): number {
  const n = H_FIXED + world + 2 * world * DESC_INTS;
  return Math.ceil(n / 4) * 4; // 16-byte aligned float region
}

/** Bytes the header, slots and result area need for `world` ranks and chunks of `chunkFloats` (registered regions come after). */
export function sabGroupBytes(world: number, chunkFloats: number): number {
  return headerInts(world) * 4 + (world + 1) * chunkFloats * 4;
}

/** Byte offset of registered region 0: after the result area, 16-byte aligned (so are the others: see regionStride). */
export function regionBase(world: number, chunkFloats: number): number {
  return Math.ceil(sabGroupBytes(world, chunkFloats) / 16) * 16;
}

/** Floats from one region's start to the next's: the length rounded up to 4 floats (16 bytes). */
export function regionStride(floats: number): number {
  return Math.ceil(floats / 4) * 4;
}

/** Byte end of the last region when each holds `floats`. */
export function regionsEnd(world: number, chunkFloats: number, floats: number): number {
  return regionBase(world, chunkFloats) + world * regionStride(floats) * 4;
}

/**
 * Rank 0's part of a sharedArray call: grows `memory` so that W regions of `floats` fit. Returns
 * `floats`, or 0 when they would pass maxPages or the engine cannot commit the pages.
 */
export function growForRegions(
  memory: WebAssembly.Memory,
  world: number,
  chunkFloats: number,
  floats: number,
  maxPages: number,
): number {
  const end = regionsEnd(world, chunkFloats, floats);
  if (end > maxPages * PAGE_BYTES) return 0;
  const have = memory.buffer.byteLength;
  if (end > have) {
    try {
      memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    } catch {
      return 0; // out of memory: callers fall back to private arrays
    }
  }
  return floats;
}

/** Every rank's region of `floats`, as views of the Memory's current buffer; or why they cannot be had. */
export async function regionViews(
  memory: WebAssembly.Memory,
  world: number,
  chunkFloats: number,
  floats: number,
): Promise<Float32Array[] | string> {
  const end = regionsEnd(world, chunkFloats, floats);
  let buf = memory.buffer;
  // An engine may show this thread another thread's grow only once it handles it (V8: on an
  // interrupt, at the latest by its next task): look again for a while before giving up.
  for (let i = 0; buf.byteLength < end && i < 200; i++) {
    await new Promise((r) => setTimeout(r, 5));
    buf = memory.buffer;
  }
  if (buf.byteLength < end)
    return `rank 0 grew the memory to ${end} bytes, but this thread still sees ${buf.byteLength}`;
  const base = regionBase(world, chunkFloats);
  const stride = regionStride(floats);
  return Array.from({ length: world }, (_, r) => new Float32Array(buf, base + r * stride * 4, floats));
}

/** [start, end) of part `part` of n elements cut into `parts` near-equal contiguous parts. */
export function rangeOf(n: number, part: number, parts: number): [number, number] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const start = part * base + Math.min(part, extra);
  return [start, start + base + (part < extra ? 1 : 0)];
}

export interface SabGroupOptions {
  /**
   * The Memory's maximum in 64 KiB pages: bounds the registered arrays (sharedArray returns null
   * past it). Default 65536 (4 GiB), reserved as address space, not memory. Tests pass a small one.
   */
  maximumPages?: number;
}

/**
 * Allocates and initialises the shared memory of one group. Create it once (e.g. on the page) and
 * hand the same Memory to every rank: postMessage shares a shared WebAssembly.Memory between
 * workers (cross-origin isolated pages; Node worker_threads), it does not copy it.
 */
export function createSabGroup(world: number, chunkFloats: number, options: SabGroupOptions = {}): WebAssembly.Memory {
  if (!Number.isInteger(world) || world < 1)
    throw new Error(`createSabGroup: world must be a positive integer, got ${world}`);
  if (!Number.isInteger(chunkFloats) || chunkFloats < 1)
    throw new Error(`createSabGroup: chunkFloats must be a positive integer, got ${chunkFloats}`);
  if (typeof SharedArrayBuffer === 'undefined')
    throw new Error('createSabGroup: SharedArrayBuffer is unavailable (the page must be cross-origin isolated)');
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Memory !== 'function')
    throw new Error(
      'createSabGroup: WebAssembly is unavailable (a page CSP without wasm-unsafe-eval does not block it; an engine without wasm does)',
    );
  const bytes = sabGroupBytes(world, chunkFloats);
  const pages = Math.ceil(bytes / PAGE_BYTES);
  const maximum = options.maximumPages ?? MAX_PAGES;
  if (!Number.isInteger(maximum) || maximum < pages || maximum > MAX_PAGES) {
    throw new Error(
      `createSabGroup: maximumPages must be an integer from ${pages} (the pages world ${world} × chunk ${chunkFloats} needs) to ${MAX_PAGES}, got ${maximum}`,
    );
  }
  let memory: WebAssembly.Memory;
  let max = maximum;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum, shared: true });
  } catch (first) {
    // A shared Memory reserves its maximum up front; where that much address space is not to be
    // had (32-bit engines), settle for a Memory that cannot grow: sharedArray then answers null
    // and callers keep private arrays on the copy path.
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      max = pages;
    } catch {
      throw new Error(
        `createSabGroup: cannot allocate a shared WebAssembly.Memory of ${pages} pages (${bytes} bytes for world ${world} × chunk ${chunkFloats}): ${(first as Error).message}`,
      );
    }
  }
  if (!(memory.buffer instanceof SharedArrayBuffer))
    throw new Error(
      'createSabGroup: this engine made a WebAssembly.Memory that is not shared (no wasm threads support)',
    );
  const h = new Int32Array(memory.buffer, 0, headerInts(world));
  h[H_WORLD] = world;
  h[H_CHUNK] = chunkFloats;
  h[H_MAX_PAGES] = max;
  Atomics.store(h, H_MAGIC, MAGIC);
  return memory;
}

/**
 * Checks that `memory` is a group made by createSabGroup for `world` ranks, and returns its header
 * view and chunk size. Errors name what is wrong (prefixed `SabCollective:`, its only caller).
 */
export function openSabGroup(
  memory: unknown,
  rank: number,
  world: number,
): { h: Int32Array; chunkFloats: number; maxPages: number } {
  if (typeof WebAssembly !== 'object' || !(memory instanceof WebAssembly.Memory)) {
    const got =
      typeof SharedArrayBuffer !== 'undefined' && memory instanceof SharedArrayBuffer
        ? 'a SharedArrayBuffer (pass the Memory itself, not its buffer)'
        : memory === null
          ? 'null'
          : typeof memory === 'object'
            ? (memory.constructor?.name ?? 'an object')
            : typeof memory;
    throw new Error(`SabCollective: expected the shared WebAssembly.Memory from createSabGroup, got ${got}`);
  }
  const buf = memory.buffer as ArrayBufferLike; // typed ArrayBuffer by the DOM lib, shared or not
  if (typeof SharedArrayBuffer === 'undefined' || !(buf instanceof SharedArrayBuffer))
    throw new Error(
      'SabCollective: the WebAssembly.Memory is not shared (make it with createSabGroup, which passes shared: true)',
    );
  if (buf.byteLength < H_FIXED * 4)
    throw new Error(`SabCollective: memory too small (${buf.byteLength} bytes) to hold a group header`);
  const fixed = new Int32Array(buf, 0, H_FIXED);
  if (Atomics.load(fixed, H_MAGIC) !== MAGIC)
    throw new Error('SabCollective: memory was not initialised by createSabGroup (bad magic)');
  const bufWorld = fixed[H_WORLD];
  const chunk = fixed[H_CHUNK];
  if (world !== bufWorld) throw new Error(`SabCollective: world ${world} does not match the group's world ${bufWorld}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= world)
    throw new Error(`SabCollective: rank ${rank} is outside 0..${world - 1}`);
  const need = sabGroupBytes(world, chunk);
  if (buf.byteLength < need)
    throw new Error(
      `SabCollective: memory too small: ${buf.byteLength} bytes, world ${world} × chunk ${chunk} needs ${need}`,
    );
  return { h: new Int32Array(buf, 0, headerInts(world)), chunkFloats: chunk, maxPages: fixed[H_MAX_PAGES] };
}
