import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from './oom';
import { findExecutableBatchSize } from './search';
import { fitsUpTo, oom } from './testdata/fake-probe';

describe('findExecutableBatchSize', () => {
  it('halves from the start after each out-of-memory failure: 64 ✗ 32 ✗ 16 ✗ 8 ✓', async () => {
    const seen: number[] = [];
    const r = await findExecutableBatchSize(64, fitsUpTo(12, seen));
    expect(r.batchSize).toBe(8);
    expect(seen).toEqual([64, 32, 16, 8]);
    expect(r.tried).toEqual([
      { batchSize: 64, ok: false, reason: 'out of memory' },
      { batchSize: 32, ok: false, reason: 'out of memory' },
      { batchSize: 16, ok: false, reason: 'out of memory' },
      { batchSize: 8, ok: true },
    ]);
  });

  it('keeps the start when it fits, and floors odd sizes (12 → 6 → 3)', async () => {
    expect((await findExecutableBatchSize(8, fitsUpTo(100))).tried).toEqual([{ batchSize: 8, ok: true }]);
    const seen: number[] = [];
    expect((await findExecutableBatchSize(12, fitsUpTo(3, seen))).batchSize).toBe(3);
    expect(seen).toEqual([12, 6, 3]);
  });

  it('records the peak bytes a probe reports', async () => {
    const r = await findExecutableBatchSize(4, async () => ({ peakBytes: 1234 }));
    expect(r.tried).toEqual([{ batchSize: 4, ok: true, peakBytes: 1234 }]);
  });

  it('rethrows any other error unchanged, without trying smaller sizes', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const seen: number[] = [];
    await expect(
      findExecutableBatchSize(64, async (b) => {
        seen.push(b);
        if (b === 32) throw bug;
        throw oom();
      }),
    ).rejects.toBe(bug);
    expect(seen).toEqual([64, 32]);
  });

  it('throws a clear error naming every size tried when even the minimum fails', async () => {
    const err = (await findExecutableBatchSize(8, fitsUpTo(0)).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.message).toMatch(/no batch size fits/);
    expect(err.message).toContain('8 ✗ out of memory, 4 ✗ out of memory, 2 ✗ out of memory, 1 ✗ out of memory');
    const seen: number[] = [];
    const withMin = (await findExecutableBatchSize(20, fitsUpTo(2, seen), { min: 3 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(seen).toEqual([20, 10, 5, 3]); // never below min
    expect(withMin.message).toMatch(/even 3 ran out of memory/);
  });

  it('rejects a start below the minimum', async () => {
    await expect(findExecutableBatchSize(0, fitsUpTo(1))).rejects.toThrow(/starting batch/);
    await expect(findExecutableBatchSize(2, fitsUpTo(1), { min: 4 })).rejects.toThrow(/starting batch/);
  });
});
