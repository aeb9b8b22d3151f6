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
import {
  BLOCK,
  END,
  F32_ADD,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_SPLAT,
  I32,
  I32_ADD as ADD,
  I32_AND as AND,
  I32_GE_U as GE_U,
  I32_LT_U as LT_U,
  I32_MUL as MUL,
  I32_SHL as SHL,
  LOOP,
  V128,
  V128_ZERO,
  body,
  br,
  brIf,
  f32Load,
  f32Store,
  f32x4Lane as lane,
  get,
  i32,
  kernelModule,
  set,
  tee,
  v128Load,
  v128Store,
} from './asm';

// Locals: params w, x, y, n, k, rows, ystride (bytes); then i32 kb, w1, w2, w3, i, b, xp, yb, wEnd;
// then v128 a0..a3, xv.
const [W, X, Y, N, K, ROWS, YS] = [0, 1, 2, 3, 4, 5, 6];
const [KB, W1, W2, W3, I, B, XP, YB, WEND] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const [A0, XV] = [16, 20];
const wRows = [W, W1, W2, W3];

// a_j += W_j[i..i+4) · xv, for the four weight rows.
const fma4 = wRows.flatMap((wr, j) => [
  ...get(A0 + j),
  ...get(wr),
  ...get(I),
  ADD,
  ...v128Load(),
  ...get(XV),
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...set(A0 + j),
]);
// y[yb + 4j] = (a_j[0] + a_j[1]) + (a_j[2] + a_j[3])
const stores = [0, 1, 2, 3].flatMap((j) => {
  const a = A0 + j;
  return [
    ...get(YB),
    ...get(a),
    ...lane(0),
    ...get(a),
    ...lane(1),
    F32_ADD,
    ...get(a),
    ...lane(2),
    ...get(a),
    ...lane(3),
    F32_ADD,
    F32_ADD,
    ...f32Store(4 * j),
  ];
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
const XWT_BODY = body(
  [
    [9, I32],
    [5, V128],
  ],
  [
    ...get(K),
    ...i32(2),
    SHL,
    ...set(KB),
    ...get(W),
    ...get(N),
    ...get(KB),
    MUL,
    ADD,
    ...set(WEND),
    ...BLOCK,
    ...LOOP, // $blocks
    ...get(W),
    ...get(WEND),
    GE_U,
    ...brIf(1),
    ...get(W),
    ...get(KB),
    ADD,
    ...set(W1),
    ...get(W1),
    ...get(KB),
    ADD,
    ...set(W2),
    ...get(W2),
    ...get(KB),
    ADD,
    ...set(W3),
    ...i32(0),
    ...set(B),
    ...get(X),
    ...set(XP),
    ...get(Y),
    ...set(YB),
    ...BLOCK,
    ...LOOP, // $rows
    ...get(B),
    ...get(ROWS),
    GE_U,
    ...brIf(1),
    ...[0, 1, 2, 3].flatMap((j) => [...V128_ZERO, ...set(A0 + j)]),
    ...i32(0),
    ...set(I),
    ...LOOP, // $k
    ...get(XP),
    ...get(I),
    ADD,
    ...v128Load(),
    ...set(XV),
    ...fma4,
    ...get(I),
    ...i32(16),
    ADD,
    ...tee(I),
    ...get(KB),
    LT_U,
    ...brIf(0), // $k
    END, // $k
    ...stores,
    ...get(B),
    ...i32(1),
    ADD,
    ...set(B),
    ...get(XP),
    ...get(KB),
    ADD,
    ...set(XP),
    ...get(YB),
    ...get(YS),
    ADD,
    ...set(YB),
    ...br(0),
    END,
    END, // $rows
    ...get(W),
    ...get(KB),
    ...i32(2),
    SHL,
    ADD,
    ...set(W),
    ...get(Y),
    ...i32(16),
    ADD,
    ...set(Y),
    ...br(0),
    END,
    END, // $blocks
    END,
  ],
);

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
const XW_BODY = body(
  [
    [10, I32],
    [1, V128],
  ],
  [
    ...get(N),
    ...i32(2),
    SHL,
    ...set(NB),
    ...get(N),
    ...i32(-4),
    AND,
    ...i32(2),
    SHL,
    ...set(NBC),
    ...get(K),
    ...i32(2),
    SHL,
    ...set(KB2),
    ...get(X),
    ...set(XP2),
    ...get(Y),
    ...set(YB2),
    ...BLOCK,
    ...LOOP, // $rows
    ...get(R),
    ...get(ROWS),
    GE_U,
    ...brIf(1),
    ...i32(0),
    ...set(C),
    ...LOOP, // $cols
    ...V128_ZERO,
    ...set(ACC),
    ...get(W),
    ...get(C),
    ADD,
    ...set(WP),
    ...get(XP2),
    ...set(XQ),
    ...get(XP2),
    ...get(KB2),
    ADD,
    ...set(XE),
    ...LOOP, // $k
    ...get(ACC),
    ...get(XQ),
    ...f32Load,
    ...F32X4_SPLAT,
    ...get(WP),
    ...v128Load(),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(ACC),
    ...get(WP),
    ...get(NB),
    ADD,
    ...set(WP),
    ...get(XQ),
    ...i32(4),
    ADD,
    ...tee(XQ),
    ...get(XE),
    LT_U,
    ...brIf(0), // $k
    END, // $k
    ...get(YB2),
    ...get(C),
    ADD,
    ...get(ACC),
    ...v128Store(),
    ...get(C),
    ...i32(16),
    ADD,
    ...tee(C),
    ...get(NBC),
    LT_U,
    ...brIf(0), // $cols
    END, // $cols
    ...get(XP2),
    ...get(KB2),
    ADD,
    ...set(XP2),
    ...get(YB2),
    ...get(YS),
    ADD,
    ...set(YB2),
    ...get(R),
    ...i32(1),
    ADD,
    ...set(R),
    ...br(0),
    END,
    END, // $rows
    END,
  ],
);

/** The module, importing "m" "mem": tfjs-wasm's memory, shared (threaded build) or not. */
const moduleBytes = (shared: boolean) =>
  kernelModule(7, shared, [
    { name: 'xWt', body: XWT_BODY },
    { name: 'xW', body: XW_BODY },
  ]);

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
  if (y.length < (R - 1) * ys + N)
    throw new Error(`${what}: an output of ${y.length} floats cannot hold ${R} row(s) of ${N} at stride ${ys}`);
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
  if (!Number.isInteger(K) || !Number.isInteger(N) || !xWtFits(N, K))
    throw new Error(
      `xWt: a weight of ${w.length} floats and ${R} row(s) of ${K} floats do not make a (N, K) matrix with K a multiple of 4`,
    );
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
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(N) || N < 1)
    throw new Error(`xW: a matrix of ${w.length} floats and ${R} row(s) of ${K} floats do not make a (K, N) matrix`);
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
