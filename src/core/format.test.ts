import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesIn, formatClock, formatDuration, formatTiming, GIB, KIB, MIB } from './format';

describe('formatBytes', () => {
  it('uses binary units named as such', () => {
    expect([KIB, MIB, GIB]).toEqual([1024, 1024 ** 2, 1024 ** 3]);
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(MIB)).toBe('1.0 MiB');
    expect(formatBytes(1_234_567)).toBe('1.2 MiB');
    expect(formatBytes(GIB)).toBe('1.0 GiB');
    expect(formatBytes(5 * 1024 * GIB)).toBe('5120.0 GiB');
  });

  it('steps up a unit where rounding would print 1024 of the smaller one', () => {
    expect(formatBytes(1023.6)).toBe('1.0 KiB');
    expect(formatBytes(MIB - 1)).toBe('1.0 MiB');
    expect(formatBytes(MIB - 60)).toBe('1023.9 KiB');
    expect(formatBytes(GIB - 1)).toBe('1.0 GiB');
    expect(formatBytes(MIB - 60, 2)).toBe('1023.94 KiB');
  });

  it('says unknown with an em dash', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('formatBytesIn', () => {
  it('prints one fixed unit, decimal MB only when asked', () => {
    expect(formatBytesIn(1_234_567, 'MB', 2)).toBe('1.23 MB');
    expect(formatBytesIn(1_234_567, 'MiB')).toBe('1.2 MiB');
    expect(formatBytesIn(50 * MIB, 'MB')).toBe('52.4 MB');
    expect(formatBytesIn(0, 'MB', 2)).toBe('0.00 MB');
    expect(formatBytesIn(2048, 'KiB', 0)).toBe('2 KiB');
    expect(formatBytesIn(1.5 * GIB, 'GiB', 2)).toBe('1.50 GiB');
  });
});

describe('formatDuration', () => {
  it('gives tenths under 10 s, then whole seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('0.0s');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(9949)).toBe('9.9s');
    expect(formatDuration(9950)).toBe('10s');
    expect(formatDuration(59_499)).toBe('59s');
    expect(formatDuration(59_600)).toBe('1m 00s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_599_499)).toBe('59m 59s');
    expect(formatDuration(3_600_000)).toBe('1h 00m');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
    expect(formatDuration(30 * 3_600_000)).toBe('30h 00m');
  });

  it('says unknown with an em dash', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('formatClock', () => {
  it('prints m:ss, then h:mm:ss, rounding to whole seconds', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(42_000)).toBe('0:42');
    expect(formatClock(59_500)).toBe('1:00');
    expect(formatClock(65_000)).toBe('1:05');
    expect(formatClock(3_599_000)).toBe('59:59');
    expect(formatClock(3_600_000)).toBe('1:00:00');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatClock(-5000)).toBe('0:00');
  });
});

describe('formatTiming', () => {
  it('keeps a tenth of a millisecond below 100 ms and switches to seconds at 10 s', () => {
    expect(formatTiming(0.84)).toBe('0.8 ms');
    expect(formatTiming(99.94)).toBe('99.9 ms');
    expect(formatTiming(100)).toBe('100 ms');
    expect(formatTiming(9999.4)).toBe('9999 ms');
    expect(formatTiming(10_000)).toBe('10.0 s');
    expect(formatTiming(12_345)).toBe('12.3 s');
  });
});
