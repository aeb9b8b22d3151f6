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
// This file is the JS side: it instantiates the loops (gemv-module.ts) on the running backend's
// heap, checks shapes, and computes in JavaScript the last N mod 4 columns the loops leave.
import * as tf from '@tensorflow/tfjs-core';
import { gemvModuleBytes } from './gemv-module';

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
      const m = new WebAssembly.Module(gemvModuleBytes(shared)); // ~600 bytes: synchronous compile is fine
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
