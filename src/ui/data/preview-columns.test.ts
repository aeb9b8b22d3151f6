import { describe, expect, it } from 'vitest';
import { previewColumns } from './preview-columns';

describe('previewColumns', () => {
  it('puts the mapped columns first, then the file order, at most 6', () => {
    const all = ['id', 'a', 'summary', 'b', 'document', 'c', 'd', 'e'];
    expect(previewColumns(all, { input: 'document', target: 'summary' })).toEqual([
      'document',
      'summary',
      'id',
      'a',
      'b',
      'c',
    ]);
  });

  it('leaves out mapped columns the file lacks, and shows a column mapped twice once', () => {
    expect(previewColumns(['x', 'y'], { input: 'document', target: 'summary' })).toEqual(['x', 'y']);
    expect(previewColumns(['x', 'y', 'z'], { input: 'z', target: 'z' })).toEqual(['z', 'x', 'y']);
  });

  it('takes well under the 50 ms a task may have for 200,000 columns', () => {
    const all = Array.from({ length: 200_000 }, (_, i) => `k${i}`);
    const t = performance.now();
    const got = previewColumns(all, { input: 'k199999', target: 'nope' });
    expect(performance.now() - t).toBeLessThan(50);
    expect(got).toEqual(['k199999', 'k0', 'k1', 'k2', 'k3', 'k4']);
  });
});
