// Shared by the auto batch tests: a probe that fails the way an allocation does above a given size,
// so the search and the whole decision can be tested without a real device.
export const oom = () => new Error('Failed to allocate 1073741824 bytes: out of memory');
/** A fake device that fits batches up to `fits`. */
export const fitsUpTo =
  (fits: number, seen: number[] = []) =>
  async (b: number) => {
    seen.push(b);
    if (b > fits) throw oom();
  };
