// Byte-level WebAssembly for the hand-assembled kernels (gemv.ts, sum.ts, shared-sum.ts): LEB128,
// sections, the module frame they share, and the opcodes their loops use. Every kernel module has
// the same shape: it imports tfjs-wasm's (or a collective group's) memory as "m" "mem", declares one
// function type (i32 × n) → (), and exports one function per body.
//
// Self-contained (no imports): the worker_threads test transpiles it beside sum.ts and shared-sum.ts.

/** Unsigned LEB128. */
export const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};

/** Signed LEB128 (i32.const immediates). */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};

const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];

// Control flow and locals.
export const BLOCK = [0x02, 0x40]; // block with no result
export const LOOP = [0x03, 0x40];
export const END = 0x0b;
export const br = (depth: number) => [0x0c, depth];
export const brIf = (depth: number) => [0x0d, depth];
export const get = (l: number) => [0x20, l];
export const set = (l: number) => [0x21, l];
export const tee = (l: number) => [0x22, l];

// Scalar i32 and f32.
export const i32 = (v: number) => [0x41, ...sleb(v)];
export const I32_EQZ = 0x45;
export const I32_LT_U = 0x49;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_AND = 0x71;
export const I32_SHL = 0x74;
export const F32_ADD = 0x92;
export const f32Load = [0x2a, 2, 0]; // align 2^2, offset 0
export const f32Store = (offset: number) => [0x38, 2, ...leb(offset)];

// SIMD (0xfd prefix, LEB128 opcode). Loads and stores declare 16-byte alignment, a hint only:
// unaligned addresses are fine.
const simd = (op: number) => [0xfd, ...leb(op)];
export const v128Load = (offset = 0) => [...simd(0x00), 4, ...leb(offset)];
export const v128Store = (offset = 0) => [...simd(0x0b), 4, ...leb(offset)];
export const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)]; // v128.const 0
export const F32X4_SPLAT = simd(0x13);
export const f32x4Lane = (i: number) => [...simd(0x1f), i]; // f32x4.extract_lane
export const F32X4_ADD = simd(0xe4);
export const F32X4_MUL = simd(0xe6);

// Value types, for local declarations.
export const I32 = 0x7f;
export const V128 = 0x7b;

/** A function body: local declarations as [count, type] runs, then the code (ending in END). */
export const body = (locals: Array<[number, number]>, code: number[]) => [
  locals.length,
  ...locals.flatMap(([n, t]) => [n, t]),
  ...code,
];

/**
 * The module: imports "m" "mem" (1 page at least; shared: at most 65536 pages, as a shared memory
 * must declare), one type (i32 × params) → (), and one exported function per entry of `fns`.
 */
export function kernelModule(
  params: number,
  shared: boolean,
  fns: Array<{ name: string; body: number[] }>,
): Uint8Array<ArrayBuffer> {
  const limits = shared ? [0x03, 1, ...leb(65536)] : [0x00, 1]; // flags 3: has max, shared
  return new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
    ...section(1, [1, 0x60, params, ...new Array<number>(params).fill(I32), 0]), // type 0
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, ...limits]),
    ...section(3, [fns.length, ...fns.map(() => 0)]), // every function of type 0
    ...section(7, [fns.length, ...fns.flatMap((f, i) => [...name(f.name), 0, i])]),
    ...section(10, [fns.length, ...fns.flatMap((f) => [...leb(f.body.length), ...f.body])]),
  ]);
}
