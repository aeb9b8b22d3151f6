import { describe, expect, it } from 'vitest';
import type { ReplicaInfo } from '../core/run-types';
import { checksumAgreement, effectiveBatchText, formatMB } from './parallel';

const replica = (rank: number, checksum: number | null): ReplicaInfo => ({
  rank,
  state: checksum === null ? 'running' : 'done',
  backend: 'webgpu',
  adapter: 'a',
  checksum,
  optimizerBytes: null,
});

describe('effectiveBatchText', () => {
  it('multiplies batch × replicas × accumulation', () => {
    expect(effectiveBatchText({ batchSize: 8, replicas: 2, gradientAccumulation: 4 })).toBe('8 × 2 × 4 = 64');
    expect(effectiveBatchText({ batchSize: 8, replicas: 1, gradientAccumulation: 1 })).toBe('8 × 1 × 1 = 8');
  });

  it('says "× adapters" when the group is one replica per adapter', () => {
    expect(effectiveBatchText({ batchSize: 8, replicas: 0, gradientAccumulation: 4 })).toBe(
      '8 × adapters × 4 = 32 × adapters',
    );
  });
});

describe('formatMB', () => {
  it('shows decimal megabytes with two decimals, empty for null', () => {
    expect(formatMB(1_234_567)).toBe('1.23 MB');
    expect(formatMB(0)).toBe('0.00 MB');
    expect(formatMB(null)).toBe('');
  });
});

describe('checksumAgreement', () => {
  it('agrees only when every replica reported the same checksum', () => {
    expect(checksumAgreement([replica(0, 1.5), replica(1, 1.5)])).toBe('agree');
    expect(checksumAgreement([replica(0, 1.5), replica(1, null)])).toBe('pending');
    expect(checksumAgreement([replica(0, 1.5)])).toBe('pending');
    expect(checksumAgreement([])).toBe('pending');
  });

  it('differs as soon as two reported checksums differ, even in the last bit', () => {
    expect(checksumAgreement([replica(0, 0.3), replica(1, 0.1 + 0.2), replica(2, null)])).toBe('differ');
  });
});
