// The float32 add kernel behind SabCollective's copy-path reductions (arrays that are not
// registered): acc[i] += src[i] over a small private scratch, in WebAssembly SIMD where the engine
// allows it, else in plain JS. (Registered arrays are added where they lie in the group memory,
// by shared-sum.ts.)
//
// Why: a JS loop over Float32Arrays adds about one element per ns, so summing 16 MiB costs several
// times a memcpy of it. f32x4.add runs ~10× faster, but wasm can only address its own memory, and
// a caller's private array is not in it; so callers copy terms block by block (TypedArray.set,
// memcpy speed) into `acc` / `src`, call add(), and copy `acc` out. Blocks are small enough to stay
// in cache between the copies and the adds.
//
// Same bits either way: f32x4.add rounds each lane to float32 exactly as `acc[i] += src[i]` does
// in JS (a double add of two floats rounded once to float32 is the correctly rounded float32 sum),
// so both kernels match createLocalGroup's rank-order loop bit for bit (NaN payloads aside; no
// kernel promises those).
//
// Imports only asm.ts: the worker_threads test transpiles both beside sab-collective.ts and
// shared-sum.ts (which takes compileOnce from here).
import {
  BLOCK,
  END,
  F32X4_ADD,
  I32_ADD,
  I32_GE_U,
  LOOP,
  body,
  br,
  brIf,
  get,
  i32,
  kernelModule,
  set,
  v128Load,
  v128Store,
} from './asm';

/** Floats per scratch array: acc + src = 128 KiB, resident in L2 between the copies and the adds. */
export const SUM_BLOCK = 1 << 14;

export interface SumKernel {
  readonly kind: 'wasm-simd' | 'js';
  readonly acc: Float32Array; // SUM_BLOCK floats
  readonly src: Float32Array; // SUM_BLOCK floats
  /** acc[0..m) += src[0..m), one float32 rounding per element; m ≤ SUM_BLOCK. */
  add(m: number): void;
}

// (module (import "m" "mem" (memory 1))
//   (func (export "add") (param $dst i32) (param $src i32) (param $end i32)   ;; byte addresses
//     (block (loop (br_if 1 (i32.ge_u $dst $end))
//       (v128.store offset=0  $dst (f32x4.add (v128.load offset=0  $dst) (v128.load offset=0  $src)))
//       (v128.store offset=16 $dst (f32x4.add (v128.load offset=16 $dst) (v128.load offset=16 $src)))
//       $dst += 32, $src += 32, (br 0)))))
// Two vectors per iteration measured ~1.7× faster than one in V8; four gained nothing more.
const addLanes = (o: number) => [
  ...get(0),
  ...get(0),
  ...v128Load(o),
  ...get(1),
  ...v128Load(o),
  ...F32X4_ADD,
  ...v128Store(o),
];
const bump = (local: number) => [...get(local), ...i32(32), I32_ADD, ...set(local)]; // local += 32
const ADD_BODY = body(
  [],
  [
    ...BLOCK,
    ...LOOP,
    ...get(0),
    ...get(2),
    I32_GE_U,
    ...brIf(1),
    ...addLanes(0),
    ...addLanes(16),
    ...bump(0),
    ...bump(1),
    ...br(0),
    END,
    END,
    END,
  ],
);
const ADD_WASM = kernelModule(3, false, [{ name: 'add', body: ADD_BODY }]);
const WASM_FLOATS = 8; // floats per wasm loop iteration; a shorter tail is added in JS

/**
 * A thunk that compiles `bytes` on its first call (once per thread) and keeps the module; null
 * where the engine refuses it: no SIMD (or threads, for a shared-memory import), or a page CSP
 * without 'wasm-unsafe-eval'. Callers then use their JS kernels. The modules here are ~100–200
 * bytes, far below any engine's limit on synchronous compiles.
 */
export function compileOnce(bytes: Uint8Array<ArrayBuffer>): () => WebAssembly.Module | null {
  let module: WebAssembly.Module | null | undefined;
  return () => {
    if (module === undefined) {
      try {
        module = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
      } catch {
        module = null;
      }
    }
    return module;
  };
}

const compiled = compileOnce(ADD_WASM);

function wasmKernel(module: WebAssembly.Module): SumKernel {
  const bytes = SUM_BLOCK * 4;
  const mem = new WebAssembly.Memory({ initial: Math.ceil((2 * bytes) / 65536) });
  const wasmAdd = new WebAssembly.Instance(module, { m: { mem } }).exports.add as (
    dst: number,
    src: number,
    end: number,
  ) => void;
  const acc = new Float32Array(mem.buffer, 0, SUM_BLOCK);
  const src = new Float32Array(mem.buffer, bytes, SUM_BLOCK);
  return {
    kind: 'wasm-simd',
    acc,
    src,
    add(m) {
      const v = m - (m % WASM_FLOATS);
      if (v > 0) wasmAdd(0, bytes, v * 4);
      for (let i = v; i < m; i++) acc[i] += src[i];
    },
  };
}

function jsKernel(): SumKernel {
  const acc = new Float32Array(SUM_BLOCK);
  const src = new Float32Array(SUM_BLOCK);
  return {
    kind: 'js',
    acc,
    src,
    add(m) {
      let i = 0;
      // Unrolled by four: V8 ran it ~1.5× faster than the one-element loop.
      for (; i + 4 <= m; i += 4) {
        acc[i] += src[i];
        acc[i + 1] += src[i + 1];
        acc[i + 2] += src[i + 2];
        acc[i + 3] += src[i + 3];
      }
      for (; i < m; i++) acc[i] += src[i];
    },
  };
}

/** A fresh kernel with its own scratch: WebAssembly SIMD when available and `simd` is not false, else JS. */
export function createSumKernel(simd = true): SumKernel {
  const module = simd ? compiled() : null;
  return module ? wasmKernel(module) : jsKernel();
}
