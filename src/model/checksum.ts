// A cheap order-sensitive fingerprint of all weights, for "do these replicas/runs hold the same
// parameters?" checks shown in the UI and asserted in tests.
import type { Params } from './params';

export async function paramChecksum(params: Params): Promise<number> {
  let sum = 0;
  let i = 0;
  for (const t of params.values()) {
    const a = (await t.data()) as Float32Array;
    // Weighted by a slowly varying position factor so swapped values change the result.
    for (let j = 0; j < a.length; j++) sum += a[j] * (1 + (i++ % 1009) / 1009);
  }
  return sum;
}

/**
 * A base model's identity hash (BaseIdentity.hash): 64 bits as 16 hex digits, over the tensor names
 * in sorted order and each value's float32 bits, so the same weights hash alike whether they came
 * sharded or not, and any changed value, name or tensor changes it. Two FNV-1a lanes over 32-bit
 * words (not bytes: a 135M-parameter base hashes in well under a second).
 */
export function weightsHash(weights: ReadonlyMap<string, Float32Array>): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const word = (w: number) => {
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
  };
  const utf8 = new TextEncoder();
  for (const name of [...weights.keys()].sort()) {
    const v = weights.get(name)!;
    for (const byte of utf8.encode(name)) word(byte);
    word(v.length);
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < bits.length; i++) word(bits[i]);
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return hex(a) + hex(b);
}
