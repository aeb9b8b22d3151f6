import { describe, expect, it } from 'vitest';
import { summarizeTokenLengths } from '../../data/token-lengths';
import { tokenLengthTable } from './token-length-table';

describe('tokenLengthTable', () => {
  it('one row per bin of each histogram; the counts add up to the rows measured', () => {
    const lengths = { documents: [3, 5, 9, 40, 41, 120], summaries: [2, 3, 3, 8, 9, 30], separator: 1 };
    const stats = summarizeTokenLengths(lengths, { maxSourceLength: 32, maxTargetLength: 8 });
    const t = tokenLengthTable(stats);
    expect(t.columns).toEqual(['histogram', 'min_tokens', 'max_tokens', 'rows', 'max_length', 'over_max_length']);
    for (const which of ['document', 'summary'] as const) {
      const rows = t.rows.filter((r) => r[0] === which);
      expect(rows).toHaveLength(stats[which].bins.length);
      expect(rows.reduce((n, r) => n + (r[3] as number), 0)).toBe(6);
      // A bin is over the limit exactly when its longest length is.
      for (const r of rows) expect(r[5]).toBe((r[2] as number) > (r[4] as number));
    }
    expect(t.rows.some((r) => r[0] === 'document' && r[5] === true)).toBe(true);
  });
});
