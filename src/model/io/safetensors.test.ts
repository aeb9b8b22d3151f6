import { describe, expect, it } from 'vitest';
import { f16ToF32, f32ToBF16, f32ToF16, readSafetensors, roundToDtype, writeSafetensors } from './safetensors';

/** A file from a raw header object and buffer, for malformed cases the writer would never produce. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 exactly, with metadata, aligned data and space padding', () => {
    const a = new Float32Array([1.5, -2, 3e-8, Infinity, -0, 7]);
    const b = new Float32Array([0.1, 0.2, 0.3]);
    const bytes = writeSafetensors(
      new Map([
        ['b', { shape: [3], data: b }],
        ['a', { shape: [2, 3], data: a }],
      ]),
      { format: 'pt' },
    );
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + n) % 8).toBe(0);
    expect(bytes[8 + n - 1] === 0x20 || bytes[8 + n - 1] === 0x7d).toBe(true); // space pad or the closing brace
    const f = readSafetensors(bytes);
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(f.tensors.get('b')!.data).toEqual(b);
  });

  it('reads F32 data at an offset not divisible by 4', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(2, 42.25, true);
    new DataView(data.buffer).setFloat32(6, -1, true);
    const bytes = rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [2, 10] } }, data);
    expect(Array.from(readSafetensors(bytes).tensors.get('x')!.data)).toEqual([42.25, -1]);
  });

  it('converts F16 and BF16 exactly and rounds to nearest even when writing', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    // Every half value survives float32 and back.
    for (let h = 0; h < 0x10000; h++)
      if ((h & 0x7c00) !== 0x7c00 || !(h & 0x3ff)) expect(f32ToF16(f16ToF32(h))).toBe(h);
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(f32ToF16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(f32ToF16(1e6)).toBe(0x7c00);
    expect(f32ToBF16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBF16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    const x = new Float32Array([0.1, -3.14159, 1e-6, 123.456, 0]);
    for (const dtype of ['F16', 'BF16'] as const) {
      const f = readSafetensors(writeSafetensors(new Map([['x', { shape: [5], data: x }]]), undefined, dtype));
      expect(f.tensors.get('x')!.dtype).toBe(dtype);
      expect(f.tensors.get('x')!.data).toEqual(roundToDtype(x, dtype));
    }
    expect(roundToDtype(x, 'BF16')[0]).toBe(0.10009765625);
  });

  it('rejects a huge header length before decoding anything', () => {
    const bytes = new Uint8Array(64).fill(0xff); // whatever follows is not JSON
    new DataView(bytes.buffer).setUint32(0, 0, true);
    new DataView(bytes.buffer).setUint32(4, 256, true); // 2^40
    expect(() => readSafetensors(bytes)).toThrow(/header length 1099511627776 exceeds the limit of 100000000 bytes/);
    new DataView(bytes.buffer).setUint32(4, 0, true);
    new DataView(bytes.buffer).setUint32(0, 1000, true);
    expect(() => readSafetensors(bytes)).toThrow(/header length 1000 is larger than the file \(56 bytes/);
    expect(() => readSafetensors(bytes, { maxHeaderBytes: 10 })).toThrow(
      /header length 1000 exceeds the limit of 10 bytes/,
    );
  });

  it('rejects truncated files, bad JSON and non-object headers', () => {
    expect(() => readSafetensors(new Uint8Array(5))).toThrow(/file is 5 bytes, shorter than the 8-byte header length/);
    const good = writeSafetensors(new Map([['x', { shape: [4], data: new Float32Array(4) }]]));
    expect(() => readSafetensors(good.slice(0, good.length - 1))).toThrow(
      /tensor "x" data_offsets \[0, 16\] are out of range \(data buffer is 15 bytes\)/,
    );
    expect(() => readSafetensors(good.slice(0, 20))).toThrow(/header length \d+ is larger than the file/);
    const notJson = rawFile({}).slice();
    notJson.set(new TextEncoder().encode('{x'), 8);
    expect(() => readSafetensors(notJson)).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => readSafetensors(rawFile([1, 2]))).toThrow(/header is not a JSON object/);
  });

  it('rejects overlapping offsets, size mismatches and bad dtypes, naming the tensor', () => {
    const data = new Uint8Array(16);
    expect(() =>
      readSafetensors(
        rawFile(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          data,
        ),
      ),
    ).toThrow(/tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/);
    expect(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(
      /tensor "a" spans 8 bytes, but shape \[3\] of F32 needs 12/,
    );
    expect(() => readSafetensors(rawFile({ a: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, data))).toThrow(
      /tensor "a" has unknown dtype "Q4"/,
    );
    expect(() => readSafetensors(rawFile({ a: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data))).toThrow(
      /tensor "a" has dtype I64; only F32, F16 and BF16 are supported/,
    );
    expect(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, data))).toThrow(
      /tensor "a" has invalid shape/,
    );
    expect(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [8] } }, data))).toThrow(
      /tensor "a" has invalid data_offsets/,
    );
    expect(() => readSafetensors(rawFile({ __metadata__: { n: 1 } }, data))).toThrow(/metadata "n" is not a string/);
  });
});
