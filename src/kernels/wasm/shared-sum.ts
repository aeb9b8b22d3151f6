// The float32 add kernels of SabCollective's registered (zero-copy) all-reduce: WebAssembly SIMD
// instantiated ON the group's shared WebAssembly.Memory, so it adds the ranks' registered arrays
// where they lie, with no copy in or out (sum-kernel.ts, the copy path's kernel, can only add in
// a private scratch). A plain-JS kernel gives the same bits where wasm SIMD or a shared-memory
// import is unavailable, or when asked (tests).
//
// Same bits either way: f32x4.add rounds each lane to float32 exactly as a JS float32 store of
// `a[i] + b[i]` does (a double add of two floats rounded once to float32 is the correctly
// rounded float32 sum), so sums in rank order match createLocalGroup bit for bit (NaN payloads
// aside; no kernel promises those).
//
// Imports only sum-kernel.ts: the worker_threads test transpiles both beside sab-collective.ts.
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
// Two vectors per iteration, as sum-kernel.ts measured best in V8.
const get = (l: number) => [0x20, l];
const load = (o: number) => [0xfd, 0x00, 4, o]; // v128.load align=16 offset=o (alignment is a hint: unaligned is fine)
const store = (o: number) => [0xfd, 0x0b, 4, o];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const step = (l: number, by: number) => [0x20, l, 0x41, 32, by, 0x21, l]; // local l ±= 32 (i32.add 0x6a / i32.sub 0x6b)
const addLanes = (o: number) => [...get(0), ...get(0), ...load(o), ...get(1), ...load(o), ...F32X4_ADD, ...store(o)];
const sumLanes = (o: number) => [...get(0), ...load(o), ...get(1), ...load(o), ...F32X4_ADD, 0x21, 3, ...get(0), ...get(3), ...store(o), ...get(1), ...get(3), ...store(o)];
const loop = (body: number[]) => [0x02, 0x40, 0x03, 0x40, ...get(2), 0x45, 0x0d, 1, ...body, ...step(0, 0x6a), ...step(1, 0x6a), ...step(2, 0x6b), 0x0c, 0, 0x0b, 0x0b, 0x0b];
const ADD_BODY = [0, ...loop([...addLanes(0), ...addLanes(16)])]; // no locals
const SUM2_BODY = [1, 1, 0x7b, ...loop([...sumLanes(0), ...sumLanes(16)])]; // one v128 local ($v = local 3)
const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)]);
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const SHARED_WASM = new Uint8Array([
  ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
  ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // type 0: (i32, i32, i32) -> ()
  ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x03, 1, ...leb(65536)]), // import memory: flags 3 = has max + shared; min 1, max 65536 pages
  ...section(3, [2, 0, 0]), // two functions of type 0
  ...section(7, [2, ...name('add'), 0, 0, ...name('sum2'), 0, 1]),
  ...section(10, [2, ...leb(ADD_BODY.length), ...ADD_BODY, ...leb(SUM2_BODY.length), ...SUM2_BODY]),
]);
const WASM_FLOATS = 8; // floats per wasm loop iteration; a shorter tail is added in JS

const compiled = compileOnce(SHARED_WASM); // null without SIMD or wasm threads: the JS kernel below

function wasmKernel(add: (d: number, s: number, n: number) => void, sum2: (a: number, b: number, n: number) => void): SharedSumKernel {
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
      const e = new WebAssembly.Instance(module, { m: { mem: memory } }).exports as { add: (d: number, s: number, n: number) => void; sum2: (a: number, b: number, n: number) => void };
      return wasmKernel(e.add, e.sum2);
    } catch {
      // e.g. a Memory that is not shared (an import of shared memory rejects it): JS below
    }
  }
  return jsKernel;
}
