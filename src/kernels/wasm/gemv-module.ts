// The WebAssembly of gemv.ts's two row-times-matrix loops, assembled here byte by byte (asm.ts) and
// apart from the JS entry points that bind and call them, because the instruction lists are long
// and only change with the loops themselves:
// - xWt: y (R, N) = x (R, K) @ Wᵀ, W (N, K);
// - xW:  y (R, N) = x (R, K) @ W,  W (K, N).
//
// Rows of W are dotted four at a time with x (four f32x4 accumulators, one x load shared by four
// weight loads); with R rows the four weight rows stay in L1 while each x row passes over them, so
// W is read from memory once whatever R is. Dots sum in a different order than XNNPACK's, so results
// match tf.matMul to rounding (checked in gemv.test.ts), not bit for bit.
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
export const gemvModuleBytes = (shared: boolean) =>
  kernelModule(7, shared, [
    { name: 'xWt', body: XWT_BODY },
    { name: 'xW', body: XW_BODY },
  ]);
