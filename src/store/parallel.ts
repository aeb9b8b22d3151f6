// Pure read-outs for the data-parallel settings and the replicas table. Free of React and the DOM
// so the unit tests run them in plain Node.
import { formatBytesIn } from '../core/format';
import type { ReplicaInfo } from '../core/run-types';
import type { RunSpec } from '../train/spec';

/**
 * The effective batch (batch × replicas × accumulation) as the settings show it: "8 × 2 × 4 = 64",
 * or "8 × adapters × 4 = 32 × adapters" when the group is one replica per GPU adapter (replicas 0),
 * since the adapter count is only known when the run starts.
 */
export function effectiveBatchText(s: Pick<RunSpec, 'batchSize' | 'replicas' | 'gradientAccumulation'>): string {
  const { batchSize, replicas, gradientAccumulation } = s;
  if (replicas === 0) {
    return `${batchSize} × adapters × ${gradientAccumulation} = ${batchSize * gradientAccumulation} × adapters`;
  }
  return `${batchSize} × ${replicas} × ${gradientAccumulation} = ${batchSize * replicas * gradientAccumulation}`;
}

/** A replica's optimizer state as decimal megabytes with two decimals ("1.23 MB"); empty for null. */
export function formatMB(bytes: number | null): string {
  return bytes === null ? '' : formatBytesIn(bytes, 'MB', 2);
}

/**
 * Whether the replicas ended with the same parameters: 'agree' when every replica reported a
 * checksum and they are all identical (bit for bit, as Object.is compares), 'differ' when at least
 * two reported checksums differ, 'pending' otherwise (some have not reported yet, or there is one).
 */
export function checksumAgreement(replicas: readonly ReplicaInfo[]): 'agree' | 'differ' | 'pending' {
  const reported = replicas.filter((r) => r.checksum !== null);
  if (reported.some((r) => !Object.is(r.checksum, reported[0].checksum))) return 'differ';
  if (replicas.length < 2 || reported.length < replicas.length) return 'pending';
  return 'agree';
}
