// The float32 add kernels of SabCollective's registered (zero-copy) all-reduce: WebAssembly SIMD
// instantiated ON the group's shared WebAssembly.Memory, so it adds the ranks' registered arrays
// where they lie, with no copy in or out (sum.ts, the copy path's kernel, can only add in
// a private scratch). A plain-JS kernel gives the same bits where wasm SIMD or a shared-memory
// import is unavailable, or when asked (tests).
//
// Same bits either way: f32x4.add rounds each lane to float32 exactly as a JS float32 store of
// `a[i] + b[i]` does (a double add of two floats rounded once to float32 is the correctly
// rounded float32 sum), so sums in rank order match createLocalGroup bit for bit (NaN payloads
// aside; no kernel promises those).
//
// Imports only sum.ts and asm.ts: the worker_threads test transpiles them beside sab-collective.ts.
import {
  BLOCK,
  END,
  F32X4_ADD,
  I32_ADD,
  I32_EQZ,
  I32_SUB,
  LOOP,
  V128,
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
import { compileOnce } from './sum';

export interface SharedSumKernel {
  readonly kind: 'wasm-simd' | 'js';
  /** dst[i] += src[i], one float32 rounding per element. Both must be views of the group memory, of equal length. */
  add(dst: Float32Array, src: Float32Array): void;
  /** a[i] = b[i] = a[i] + b[i] (world 2's whole reduction of a range), views of the group memory, of equal length. */
  sum2(a: Float32Array, b: Float32Array): void;
}

// (module (import "m" "mem" (memory 1 65536 shared))          ;; the group's Memory
//   ;; byte addresses; $n: bytes, a multiple of 32. Counting $n down (not comparing against an end
//   ;; address) keeps a region ending at exactly 4 GiB from wrapping to 0.
//   (func (export "add") (param $d i32) (param $s i32) (param $n i32)
//     (block (loop (br_if 1 (i32.eqz $n))
//       (v128.store offset=0  $d (f32x4.add (v128.load offset=0  $d) (v128.load offset=0  $s)))
//       (v128.store offset=16 $d (f32x4.add (v128.load offset=16 $d) (v128.load offset=16 $s)))
//       $d += 32, $s += 32, $n -= 32, (br 0))))
//   (func (export "sum2") (param $a i32) (param $b i32) (param $n i32) (local $v v128)
//     (block (loop (br_if 1 (i32.eqz $n))
//       $v = (f32x4.add (v128.load offset=0 $a) (v128.load offset=0 $b))
//       (v128.store offset=0 $a $v) (v128.store offset=0 $b $v)
//       ... the same at offset=16 ...
//       $a += 32, $b += 32, $n -= 32, (br 0)))))
// Two vectors per iteration, as sum.ts measured best in V8.
const step = (l: number, op: number) => [...get(l), ...i32(32), op, ...set(l)]; // local l ±= 32 (op: I32_ADD or I32_SUB)
const addLanes = (o: number) => [
  ...get(0),
  ...get(0),
  ...v128Load(o),
  ...get(1),
  ...v128Load(o),
  ...F32X4_ADD,
  ...v128Store(o),
];
const sumLanes = (o: number) => [
  ...get(0),
  ...v128Load(o),
  ...get(1),
  ...v128Load(o),
  ...F32X4_ADD,
  ...set(3),
  ...get(0),
  ...get(3),
  ...v128Store(o),
  ...get(1),
  ...get(3),
  ...v128Store(o),
];
const loop = (code: number[]) => [
  ...BLOCK,
  ...LOOP,
  ...get(2),
  I32_EQZ,
  ...brIf(1),
  ...code,
  ...step(0, I32_ADD),
  ...step(1, I32_ADD),
  ...step(2, I32_SUB),
  ...br(0),
  END,
  END,
  END,
];
const ADD_BODY = body([], loop([...addLanes(0), ...addLanes(16)]));
const SUM2_BODY = body([[1, V128]], loop([...sumLanes(0), ...sumLanes(16)])); // $v = local 3
const SHARED_WASM = kernelModule(3, true, [
  { name: 'add', body: ADD_BODY },
  { name: 'sum2', body: SUM2_BODY },
]);
const WASM_FLOATS = 8; // floats per wasm loop iteration; a shorter tail is added in JS

const compiled = compileOnce(SHARED_WASM); // null without SIMD or wasm threads: the JS kernel below

function wasmKernel(
  add: (d: number, s: number, n: number) => void,
  sum2: (a: number, b: number, n: number) => void,
): SharedSumKernel {
  // byteOffset is the wasm address: every SharedArrayBuffer of the Memory starts at address 0.
  return {
    kind: 'wasm-simd',
    add(dst, src) {
      const m = dst.length;
      const v = m - (m % WASM_FLOATS);
      if (v > 0) add(dst.byteOffset, src.byteOffset, v * 4);
      for (let i = v; i < m; i++) dst[i] += src[i];
    },
    sum2(a, b) {
      const m = a.length;
      const v = m - (m % WASM_FLOATS);
      if (v > 0) sum2(a.byteOffset, b.byteOffset, v * 4);
      for (let i = v; i < m; i++) {
        const s = Math.fround(a[i] + b[i]);
        a[i] = s;
        b[i] = s;
      }
    },
  };
}

const jsKernel: SharedSumKernel = {
  kind: 'js',
  add(dst, src) {
    const m = dst.length;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      dst[i] += src[i];
      dst[i + 1] += src[i + 1];
      dst[i + 2] += src[i + 2];
      dst[i + 3] += src[i + 3];
    }
    for (; i < m; i++) dst[i] += src[i];
  },
  sum2(a, b) {
    for (let i = 0; i < a.length; i++) {
      const s = Math.fround(a[i] + b[i]);
      a[i] = s;
      b[i] = s;
    }
  },
};

/** The kernel for one rank of a group: WebAssembly SIMD on `memory` when available and `simd` is not false, else JS. */
export function createSharedSumKernel(memory: WebAssembly.Memory, simd = true): SharedSumKernel {
  const module = simd ? compiled() : null;
  if (module) {
    try {
      const e = new WebAssembly.Instance(module, { m: { mem: memory } }).exports as {
        add: (d: number, s: number, n: number) => void;
        sum2: (a: number, b: number, n: number) => void;
      };
      return wasmKernel(e.add, e.sum2);
    } catch {
      // e.g. a Memory that is not shared (an import of shared memory rejects it): JS below
    }
  }
  return jsKernel;
}
