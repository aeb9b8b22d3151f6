// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
// of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the
// byte buffer the offsets index into. Files come from users, so every field is checked before use and
// the header length is bounded before any bytes are decoded (a hostile length must not allocate).

import { clipText } from '../../core/bounded-text';
import { shown } from './shown';

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL'
  | 'F8_E4M3'
  | 'F8_E5M2';

/** Bytes per element of every dtype the reference implementation knows (for offset checks). */
const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

export interface SafetensorsTensor {
  dtype: SafetensorsDtype; // as stored; data is always float32
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface ReadOptions {
  maxHeaderBytes?: number; // default 100 MB, the reference implementation's MAX_HEADER_SIZE
}

const DEFAULT_MAX_HEADER = 100_000_000;

// Float32Array views reinterpret bytes in host order; safetensors is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** IEEE half bits → float32, exact (every half value, subnormals, ±inf and NaN are representable). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal (or zero): frac × 2^-14 × 2^-10
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits, round to nearest even (what torch's .half() does); overflow → ±inf. */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: shift the implicit-1 mantissa right, rounding to nearest even.
    if (e < -10) return sign; // below half the smallest subnormal: rounds to ±0
    mant |= 0x800000;
    const shift = 14 - e; // 13 to drop float32's extra mantissa bits, plus 1 - e for the exponent
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r; // a carry into bit 10 correctly yields the smallest normal
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // a carry may round up to inf: correct
  return sign | r;
}

/** float32 → bfloat16 bits (the top 16), round to nearest even; NaN stays NaN. */
export function f32ToBF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The float32 values a tensor holds after a round trip through F16 or BF16 storage. */
export function roundToDtype(data: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Float32Array {
  if (dtype === 'F32') return data.slice();
  const out = new Float32Array(data.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F16') out[i] = f16ToF32(f32ToF16(data[i]));
    else bits[i] = f32ToBF16(data[i]) << 16;
  }
  return out;
}

function decode(bytes: Uint8Array, dtype: SafetensorsDtype, n: number): Float32Array {
  const out = new Float32Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    // Copy rather than view: the data may sit at an offset not divisible by 4.
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
    else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(2 * i, true));
  } else {
    // bfloat16 is the top half of a float32: widening is a shift, hence exact.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
  }
  return out;
}

/** A tensor name from the file, as a message quotes it (a header may hold names of any length). */
const quote = (name: string) => JSON.stringify(clipText(name, 80));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function readSafetensors(bytes: Uint8Array, opts: ReadOptions = {}): SafetensorsFile {
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  if (bytes.byteLength < 8)
    throw new Error(`safetensors: file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A u64 read as two u32 halves: exact for any length, and nothing is decoded yet.
  const headerLen = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  if (headerLen > maxHeader)
    throw new Error(`safetensors: header length ${headerLen} exceeds the limit of ${maxHeader} bytes`);
  if (headerLen > bytes.byteLength - 8)
    throw new Error(
      `safetensors: header length ${headerLen} is larger than the file (${bytes.byteLength - 8} bytes after the length field)`,
    );

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`safetensors: header is not valid UTF-8 JSON (${clipText((e as Error).message, 120)})`);
  }
  if (!isObject(header)) throw new Error('safetensors: header is not a JSON object');

  const buffer = bytes.subarray(8 + headerLen);
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(info)) throw new Error('safetensors: __metadata__ is not an object');
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw new Error(`safetensors: metadata ${quote(k)} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (!isObject(info)) throw new Error(`safetensors: tensor ${quote(name)} entry is not an object`);
    const { dtype, shape, data_offsets: offs } = info;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZE))
      throw new Error(`safetensors: tensor ${quote(name)} has unknown dtype ${shown(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isIndex))
      throw new Error(`safetensors: tensor ${quote(name)} has invalid shape ${shown(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isIndex))
      throw new Error(`safetensors: tensor ${quote(name)} has invalid data_offsets ${shown(offs)}`);
    const [begin, end] = offs as number[];
    if (begin > end || end > buffer.byteLength)
      throw new Error(
        `safetensors: tensor ${quote(name)} data_offsets [${begin}, ${end}] are out of range (data buffer is ${buffer.byteLength} bytes)`,
      );
    const want = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype as SafetensorsDtype];
    if (end - begin !== want)
      throw new Error(
        `safetensors: tensor ${quote(name)} spans ${end - begin} bytes, but shape ${clipText(`[${(shape as number[]).join(', ')}]`, 60)} of ${dtype} needs ${want}`,
      );
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  // Overlap check over the extents sorted by start; empty tensors occupy nothing and cannot overlap.
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const [p, q] = [sorted[i - 1], sorted[i]];
    if (q.begin < p.end)
      throw new Error(
        `safetensors: tensors ${quote(p.name)} [${p.begin}, ${p.end}] and ${quote(q.name)} [${q.begin}, ${q.end}] overlap`,
      );
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    if (e.dtype !== 'F32' && e.dtype !== 'F16' && e.dtype !== 'BF16')
      throw new Error(
        `safetensors: tensor ${quote(e.name)} has dtype ${e.dtype}; only F32, F16 and BF16 are supported`,
      );
    const n = (e.end - e.begin) / DTYPE_SIZE[e.dtype];
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(buffer.subarray(e.begin, e.end), e.dtype, n) });
  }
  return { tensors, metadata };
}

export function writeSafetensors(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
  dtype: 'F32' | 'F16' | 'BF16' = 'F32',
): Uint8Array {
  const size = DTYPE_SIZE[dtype];
  // The reference lays data out sorted by dtype alignment, then name; with one dtype that is by name.
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new Error(
        `safetensors: tensor ${quote(name)} has ${data.length} values, shape [${shape.join(', ')}] needs ${n}`,
      );
    header[name] = { dtype, shape, data_offsets: [offset, offset + n * size] };
    offset += n * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces (valid JSON whitespace) so the data starts 8-byte aligned, as the reference does.
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.byteLength, true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    if (dtype === 'F32' && LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    else
      for (let i = 0; i < data.length; i++) {
        if (dtype === 'F32') dv.setFloat32(pos + 4 * i, data[i], true);
        else dv.setUint16(pos + 2 * i, dtype === 'F16' ? f32ToF16(data[i]) : f32ToBF16(data[i]), true);
      }
    pos += data.length * size;
  }
  return out;
}
