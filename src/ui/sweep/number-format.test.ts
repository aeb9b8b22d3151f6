import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../core/format';
import { formatNumber } from './number-format';

describe('formatting', () => {
  it('formats numbers and durations compactly', () => {
    expect(formatNumber(3.2e-5)).toBe('3.2e-5');
    expect(formatNumber(1e-6)).toBe('1e-6');
    expect(formatNumber(41.5678)).toBe('41.6');
    expect(formatNumber(0)).toBe('0');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(59_600)).toBe('1m 00s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
  });
});
