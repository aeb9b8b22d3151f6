import { describe, expect, it } from 'vitest';
import { configFor, PRESETS } from '../../model/config';
import { checkDeviceLimits, checkMemoryBudget } from './memory';
import { BatchTooLargeError, isOutOfMemory } from './oom';
import { findExecutableBatchSize } from './search';

describe('checkDeviceLimits', () => {
  const tiny = configFor(PRESETS.tiny, 512); // H = 4
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };

  it('rejects a batch whose attention scores exceed the binding limit, naming the tensor and the limit', () => {
    // 64 × 4 × 512 × 512 × 4 bytes = 268 MB > 128 MiB
    let err: unknown;
    try {
      checkDeviceLimits(tiny, 64, 512, limits, 64 * 32);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchTooLargeError);
    const e = err as BatchTooLargeError;
    expect(e.tensor).toMatch(/attention scores/);
    expect(e.limitName).toBe('maxStorageBufferBindingSize');
    expect(e.bytes).toBe(64 * 4 * 512 * 512 * 4);
    expect(e.message).toMatch(
      /batch 64 does not fit this device: attention scores .* 64×4×512×512 float32 is 268\.4 MB, over maxStorageBufferBindingSize \(134\.2 MB\)/,
    );
    expect(isOutOfMemory(e)).toBe(true); // so the search halves past it without allocating
  });

  it('accepts a small batch, and names the smaller of the two limits', () => {
    expect(() => checkDeviceLimits(tiny, 4, 160, limits)).not.toThrow();
    const e = (() => {
      try {
        checkDeviceLimits(tiny, 4, 160, { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 1e6 });
      } catch (x) {
        return x as BatchTooLargeError;
      }
    })();
    expect(e?.limitName).toBe('maxBufferSize');
  });

  it('names the logits when the vocabulary dominates', () => {
    const wide = configFor(PRESETS.tiny, 65536);
    expect(() => checkDeviceLimits(wide, 16, 64, limits, 16 * 64)).toThrow(/logits \(N·V\)/);
  });

  it('drives the search without allocating: 64 ✗ limit, 32 ✗ limit, 16 ✓', async () => {
    const r = await findExecutableBatchSize(64, async (b) =>
      checkDeviceLimits(tiny, b, 512, { maxStorageBufferBindingSize: 80e6, maxBufferSize: 80e6 }),
    );
    expect(r.batchSize).toBe(16);
    expect(r.tried.map((t) => [t.batchSize, t.ok, t.reason])).toEqual([
      [64, false, 'attention scores (B·H·T·T) over maxStorageBufferBindingSize'],
      [32, false, 'attention scores (B·H·T·T) over maxStorageBufferBindingSize'],
      [16, true, undefined],
    ]);
  });

  it('checkMemoryBudget rejects a batch whose activations alone exceed the budget', () => {
    expect(() => checkMemoryBudget(tiny, 1, 64, 1e9, 'heap')).not.toThrow();
    expect(() => checkMemoryBudget(tiny, 512, 512, 1e9, 'the WebAssembly heap left')).toThrow(BatchTooLargeError);
  });
});
