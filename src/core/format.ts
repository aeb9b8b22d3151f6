// Bytes and durations as the studio prints them, in one place so every panel, log line and error
// message agrees. Bytes are binary and named so (1 KiB = 1024 B, 1 MiB = 1024 KiB); decimal 'MB'
// (10^6 B) is kept only for the messages whose exact text tests and users already know (storage
// quota errors, auto-batch limits, a replica's optimizer state).

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

const UNIT_BYTES = { B: 1, KiB: KIB, MiB: MIB, GiB: GIB, MB: 1e6 } as const;
export type ByteUnit = keyof typeof UNIT_BYTES;

const known = (x: number | null): x is number => x !== null && Number.isFinite(x);

/** Bytes in one given unit: formatBytesIn(1_234_567, 'MiB') = "1.2 MiB", (…, 'MB', 2) = "1.23 MB". */
export function formatBytesIn(bytes: number, unit: ByteUnit, digits = 1): string {
  return `${(bytes / UNIT_BYTES[unit]).toFixed(digits)} ${unit}`;
}

/** "512 B", "1.5 KiB", "3.2 MiB", "1.0 GiB": the largest binary unit the rounded number reaches; '—' when unknown. */
export function formatBytes(bytes: number | null, digits = 1): string {
  if (!known(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (Math.round(abs) < KIB) return `${Math.round(bytes)} B`;
  // Step up when rounding would print 1024.0 of the smaller unit.
  let unit: ByteUnit = 'KiB';
  if (Number((abs / KIB).toFixed(digits)) >= 1024) unit = 'MiB';
  if (unit === 'MiB' && Number((abs / MIB).toFixed(digits)) >= 1024) unit = 'GiB';
  return formatBytesIn(bytes, unit, digits);
}

/** "12.3s" under 10 s, then "3m 05s", "1h 02m"; '—' when unknown or negative. */
export function formatDuration(ms: number | null): string {
  if (!known(ms) || ms < 0) return '—';
  // 9.95 s would print "10.0s": from there on whole seconds.
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "4:05" / "1:02:03": a duration as a terminal line's clock shows it (whole seconds; negative is 0:00). */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A measured time, precise for short ones: "0.8 ms", "123 ms", "12.3 s". */
export function formatTiming(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
