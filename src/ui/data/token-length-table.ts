// The token-length histograms as a CSV table: one row per bin of each histogram, with the limit it
// is cut at and whether the bin holds rows longer than it (the bars drawn amber). Pure: unit-tested.
import type { CsvTable } from '../chart-export';
import type { TokenLengthStats } from '../../data/token-lengths';

export function tokenLengthTable(stats: TokenLengthStats): CsvTable {
  const rows = (['document', 'summary'] as const).flatMap((which) => {
    const s = stats[which];
    return s.bins.map((b) => [which, b.from, b.to - 1, b.count, s.limit, b.to - 1 > s.limit]);
  });
  return { columns: ['histogram', 'min_tokens', 'max_tokens', 'rows', 'max_length', 'over_max_length'], rows };
}
