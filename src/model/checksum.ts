// A cheap order-sensitive fingerprint of all weights, for "do these replicas/runs hold the same
// parameters?" checks shown in the UI and asserted in tests; and weightsHash, the exact content hash
// that names a LoRA adapter's base.
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
 * A content hash of named weights (a pretrained base's identity in LoRA checkpoints and adapters):
 * two independent 32-bit FNV-1a-style mixes over every tensor's name, length and float32 bits, in
 * name order, as 16 hex digits. Any changed bit, name or shape changes it; map order does not.
 */
export function weightsHash(weights: Map<string, Float32Array>): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const mix = (x: number) => {
    h1 = Math.imul(h1 ^ x, 0x01000193);
    h2 = Math.imul(h2 ^ x, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  };
  for (const name of [...weights.keys()].sort()) {
    const a = weights.get(name)!;
    for (let i = 0; i < name.length; i++) mix(name.charCodeAt(i));
    mix(a.length);
    const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < bits.length; i++) mix(bits[i]);
  }
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');
  return hex(h1) + hex(h2);
}
