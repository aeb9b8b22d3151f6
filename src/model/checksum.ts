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
