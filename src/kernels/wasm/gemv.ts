// A few rows times a matrix, as WebAssembly SIMD loops that run on tfjs-wasm's own heap, for
// generation's one-token steps (decode-step.ts):
// - xWt: y (R, N) = x (R, K) @ Wᵀ, W (N, K): the projections, weights in Hugging Face's (out, in)
//   layout; also attention scores q · Kᵀ over a cached key block;
// - xW:  y (R, N) = x (R, K) @ W,  W (K, N): attention's probabilities times the cached value block.
//
// Why not tf.matMul: tfjs-wasm gives a product to XNNPACK only with the weight explicitly transposed,
// so generation used to keep a transposed copy of every weight, plus fused q|k|v and gate|up copies
// (decode-weights.ts: ~24 MB more for the small preset, ~95 MB for base, and in proportion for an
// imported model), rebuilt and repacked by XNNPACK on every call. These loops read W where it lies,
// on the calling thread. In steady state a one-row step runs as fast as XNNPACK's on two threads
// (~1.1–1.5 ms for the small preset in Chromium here): one row streams the weights (16 MB per
// token) and both are bound by that.
//
// Rows of W are dotted four at a time with x (four f32x4 accumulators, one x load shared by four
// weight loads); with R rows the four weight rows stay in L1 while each x row passes over them, so
// W is read from memory once whatever R is. Dots sum in a different order than XNNPACK's, so results
// match tf.matMul to rounding (checked in wasm-gemv.test.ts), not bit for bit.
import * as tf from '@tensorflow/tfjs-core';

// Byte-level encoding: every opcode named, every section sized in LEB128.
const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const i32 = (v: number) => [0x41, ...sleb(v)];
const ADD = 0x6a;
const MUL = 0x6c;
const SHL = 0x74;
const LT_U = 0x49;
const GE_U = 0x4f;
const v128Load = [0xfd, 0x00, 4, 0]; // align 2^4, offset 0
const f32x4Add = [0xfd, 0xe4, 0x01];
const f32x4Mul = [0xfd, 0xe6, 0x01];
const lane = (i: number) => [0xfd, 0x1f, i]; // f32x4.extract_lane
const F32_ADD = 0x92;
const f32Load = [0x2a, 2, 0];
const f32x4Splat = [0xfd, 0x13];
const v128Store = [0xfd, 0x0b, 4, 0];
const f32Store = (offset: number) => [0x38, 2, ...leb(offset)];
const zero128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

// Locals: params w, x, y, n, k, rows, ystride (bytes); then i32 kb, w1, w2, w3, i, b, xp, yb, wEnd;
// then v128 a0..a3, xv.
const [W, X, Y, N, K, ROWS, YS] = [0, 1, 2, 3, 4, 5, 6];
const [KB, W1, W2, W3, I, B, XP, YB, WEND] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const [A0, XV] = [16, 20];
const wRows = [W, W1, W2, W3];

// a_j += W_j[i..i+4) · xv, for the four weight rows.
const fma4 = wRows.flatMap((wr, j) => [...get(A0 + j), ...get(wr), ...get(I), ADD, ...v128Load, ...get(XV), ...f32x4Mul, ...f32x4Add, ...set(A0 + j)]);
// y[yb + 4j] = (a_j[0] + a_j[1]) + (a_j[2] + a_j[3])
const stores = [0, 1, 2, 3].flatMap((j) => {
  const a = A0 + j;
  return [...get(YB), ...get(a), ...lane(0), ...get(a), ...lane(1), F32_ADD, ...get(a), ...lane(2), ...get(a), ...lane(3), F32_ADD, F32_ADD, ...f32Store(4 * j)];
});

// (func xWt (param w x y n k rows ystride)          ;; byte addresses; n % 4 = 0, k % 4 = 0, k > 0
//   kb = k << 2;  wEnd = w + n·kb
//   (loop $blocks  (br_if exit (w >= wEnd))          ;; four weight rows w, w1, w2, w3
//     w1 = w + kb; w2 = w1 + kb; w3 = w2 + kb; b = 0; xp = x; yb = y
//     (loop $rows  (br_if next (b >= rows))
//       a0..a3 = 0; i = 0
//       (loop $k  xv = load(xp + i); a_j += load(w_j + i) · xv; i += 16; (br_if $k (i < kb)))
//       store the four sums at yb; b += 1; xp += kb; yb += ystride; (br $rows))
//     w += 4·kb; y += 16; (br $blocks)))
const XWT_BODY = [
  ...[2, 9, 0x7f, 5, 0x7b], // local decls: 9 × i32, 5 × v128
  ...get(K), ...i32(2), SHL, ...set(KB),
  ...get(W), ...get(N), ...get(KB), MUL, ADD, ...set(WEND),
  0x02, 0x40, 0x03, 0x40, // block, loop $blocks
  ...get(W), ...get(WEND), GE_U, 0x0d, 1,
  ...get(W), ...get(KB), ADD, ...set(W1),
  ...get(W1), ...get(KB), ADD, ...set(W2),
  ...get(W2), ...get(KB), ADD, ...set(W3),
  ...i32(0), ...set(B), ...get(X), ...set(XP), ...get(Y), ...set(YB),
  0x02, 0x40, 0x03, 0x40, // block, loop $rows
  ...get(B), ...get(ROWS), GE_U, 0x0d, 1,
  ...[0, 1, 2, 3].flatMap((j) => [...zero128, ...set(A0 + j)]),
  ...i32(0), ...set(I),
  0x03, 0x40, // loop $k
  ...get(XP), ...get(I), ADD, ...v128Load, ...set(XV),
  ...fma4,
  ...get(I), ...i32(16), ADD, 0x22, I, // local.tee i
  ...get(KB), LT_U, 0x0d, 0, // br_if $k
  0x0b, // end $k
  ...stores,
  ...get(B), ...i32(1), ADD, ...set(B),
  ...get(XP), ...get(KB), ADD, ...set(XP),
  ...get(YB), ...get(YS), ADD, ...set(YB),
  0x0c, 0, 0x0b, 0x0b, // br $rows, end loop, end block
  ...get(W), ...get(KB), ...i32(2), SHL, ADD, ...set(W),
  ...get(Y), ...i32(16), ADD, ...set(Y),
  0x0c, 0, 0x0b, 0x0b, // br $blocks, end loop, end block
  0x0b,
];

// (func xW (param w x y n k rows ystride)           ;; byte addresses; n ≥ 4, k > 0
//   nb = n << 2 (w's row stride);  nbc = (n & ~3) << 2 (the columns done here);  kb = k << 2
//   (loop $rows  (br_if exit (r >= rows))
//     c = 0
//     (loop $cols                                    ;; four output columns at byte c
//       acc = 0; wp = w + c; xq = xp; xe = xp + kb
//       (loop $k  acc += splat(x[xq]) · load(wp); xq += 4; wp += nb; (br_if $k (xq < xe)))
//       store acc at yb + c; c += 16; (br_if $cols (c < nbc)))
//     xp += kb; yb += ystride; r += 1; (br $rows)))
const [NB, R, C, WP, XQ, XE] = [7, 8, 9, 10, 11, 12]; // + KB, XP, YB below
const [KB2, XP2, YB2, NBC, ACC] = [13, 14, 15, 16, 17];
const AND = 0x71;
const XW_BODY = [
  ...[2, 10, 0x7f, 1, 0x7b], // local decls: 10 × i32, 1 × v128
  ...get(N), ...i32(2), SHL, ...set(NB),
  ...get(N), ...i32(-4), AND, ...i32(2), SHL, ...set(NBC),
  ...get(K), ...i32(2), SHL, ...set(KB2),
  ...get(X), ...set(XP2), ...get(Y), ...set(YB2),
  0x02, 0x40, 0x03, 0x40, // block, loop $rows
  ...get(R), ...get(ROWS), GE_U, 0x0d, 1,
  ...i32(0), ...set(C),
  0x03, 0x40, // loop $cols
  ...zero128, ...set(ACC),
  ...get(W), ...get(C), ADD, ...set(WP),
  ...get(XP2), ...set(XQ),
  ...get(XP2), ...get(KB2), ADD, ...set(XE),
  0x03, 0x40, // loop $k
  ...get(ACC), ...get(XQ), ...f32Load, ...f32x4Splat, ...get(WP), ...v128Load, ...f32x4Mul, ...f32x4Add, ...set(ACC),
  ...get(WP), ...get(NB), ADD, ...set(WP),
  ...get(XQ), ...i32(4), ADD, 0x22, XQ, // local.tee xq
  ...get(XE), LT_U, 0x0d, 0, // br_if $k
  0x0b, // end $k
  ...get(YB2), ...get(C), ADD, ...get(ACC), ...v128Store,
  ...get(C), ...i32(16), ADD, 0x22, C,
  ...get(NBC), LT_U, 0x0d, 0, // br_if $cols
  0x0b, // end $cols
  ...get(XP2), ...get(KB2), ADD, ...set(XP2),
  ...get(YB2), ...get(YS), ADD, ...set(YB2),
  ...get(R), ...i32(1), ADD, ...set(R),
  0x0c, 0, 0x0b, 0x0b, // br $rows, end loop, end block
  0x0b,
];

const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** The module, importing "m" "mem": tfjs-wasm's memory, shared (threaded build, max 4 GiB) or not. */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const limits = shared ? [0x03, 1, ...leb(65536)] : [0x00, 1];
  return new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 7, ...new Array<number>(7).fill(0x7f), 0]), // type 0: (i32 × 7) → ()
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, ...limits]),
    ...section(3, [2, 0, 0]), // two functions of type 0
    ...section(7, [2, ...name('xWt'), 0, 0, ...name('xW'), 0, 1]),
    ...section(10, [2, ...leb(XWT_BODY.length), ...XWT_BODY, ...leb(XW_BODY.length), ...XW_BODY]),
  ]);
}

type KernelFn = (w: number, x: number, y: number, n: number, k: number, rows: number, ystride: number) => void;

/** The two loops, bound to one tfjs-wasm heap. */
export interface RowKernels {
  readonly xWt: KernelFn;
  readonly xW: KernelFn;
}

interface EmscriptenLike {
  wasmMemory?: WebAssembly.Memory; // the threaded build imports its memory and keeps it here
  asm?: { memory?: WebAssembly.Memory }; // the single-threaded build exports it
}

// One instance per tfjs-wasm module (per thread): the memory never changes once the backend is up.
const instances = new WeakMap<object, RowKernels | null>();

function kernelsFor(module: EmscriptenLike): RowKernels | null {
  if (instances.has(module)) return instances.get(module)!;
  let k: RowKernels | null = null;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (memory instanceof WebAssembly.Memory) {
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const m = new WebAssembly.Module(moduleBytes(shared)); // ~600 bytes: synchronous compile is fine
      const e = new WebAssembly.Instance(m, { m: { mem: memory } }).exports;
      k = { xWt: e.xWt as KernelFn, xW: e.xW as KernelFn };
    } catch {
      k = null; // no SIMD, or a CSP without 'wasm-unsafe-eval': callers keep tf.matMul and JS loops
    }
  }
  instances.set(module, k);
  return k;
}

/** The kernels on the current backend's heap, or null off wasm (or where they cannot be built). */
export function rowKernels(): RowKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const module = (tf.backend() as unknown as { wasm?: EmscriptenLike }).wasm;
  return module ? kernelsFor(module) : null;
}

/** Whether xWtInto can take a weight (N, K): K (the input width) a multiple of 4, any N. */
export const xWtFits = (n: number, k: number) => n > 0 && k > 0 && k % 4 === 0;

function checkOut(what: string, y: Float32Array, R: number, N: number, ys: number): void {
  if (y.length < (R - 1) * ys + N) throw new Error(`${what}: an output of ${y.length} floats cannot hold ${R} row(s) of ${N} at stride ${ys}`);
}

/**
 * y[r·ys + j] = Σ_k x[r·K + k] · w[j·K + k] for r < R, j < N: x (R, K) and w (N, K) are heap views
 * (from wasm-heap.ts's read), y a heap view of at least (R − 1)·ys + N floats written at column 0 of
 * each row (ys: y's row stride in floats, so several products can fill one fused row). The kernel
 * takes the weight rows four at a time; the last N mod 4 (a vocabulary of 32,001, say) are dotted
 * here in JavaScript.
 */
export function xWtInto(k: RowKernels, w: Float32Array, x: Float32Array, R: number, y: Float32Array, ys: number): void {
  const K = x.length / R;
  const N = w.length / K;
  if (!Number.isInteger(K) || !Number.isInteger(N) || !xWtFits(N, K)) throw new Error(`xWt: a weight of ${w.length} floats and ${R} row(s) of ${K} floats do not make a (N, K) matrix with K a multiple of 4`);
  checkOut('xWt', y, R, N, ys);
  const N4 = N - (N % 4);
  if (N4 > 0) k.xWt(w.byteOffset, x.byteOffset, y.byteOffset, N4, K, R, ys * 4);
  for (let r = 0; r < R; r++) {
    for (let j = N4; j < N; j++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += x[r * K + i] * w[j * K + i];
      y[r * ys + j] = s;
    }
  }
}

/**
 * y[r·ys + j] = Σ_k x[r·K + k] · w[k·N + j] for r < R, j < N: x (R, K), w (K, N) and y as for
 * xWtInto. Columns go four at a time; the last N mod 4 are summed here in JavaScript.
 */
export function xWInto(k: RowKernels, w: Float32Array, x: Float32Array, R: number, y: Float32Array, ys: number): void {
  const K = x.length / R;
  const N = w.length / K;
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(N) || N < 1) throw new Error(`xW: a matrix of ${w.length} floats and ${R} row(s) of ${K} floats do not make a (K, N) matrix`);
  checkOut('xW', y, R, N, ys);
  const N4 = N - (N % 4);
  if (N4 > 0) k.xW(w.byteOffset, x.byteOffset, y.byteOffset, N, K, R, ys * 4);
  for (let r = 0; r < R; r++) {
    for (let j = N4; j < N; j++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += x[r * K + i] * w[i * N + j];
      y[r * ys + j] = s;
    }
  }
}
