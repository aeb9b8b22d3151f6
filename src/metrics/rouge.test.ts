// Oracle tests against rouge_score: its own unit-test expectations (including ROUGE-1.5.5 runs)
// and 4,855 XSum system outputs scored by rouge_score with and without stemming.
import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { RougeScorer, scoreRouge, type RougeScore, type RougeType } from './rouge';

const FIXTURES = ['fixtures', 'rouge'] as const;

interface OracleCase {
  name: string;
  types?: RougeType[];
  target?: string;
  prediction?: string;
  file_target?: string;
  file_prediction?: string;
  line?: number;
  whole_file?: boolean;
  use_stemmer?: boolean;
  places?: number;
  expect: Partial<Record<RougeType, RougeScore>>;
}

function caseInputs(c: OracleCase): [target: string, prediction: string] {
  if (c.file_target === undefined || c.file_prediction === undefined) return [c.target ?? '', c.prediction ?? ''];
  const target = readSharedText(...FIXTURES, ...c.file_target.split('/'));
  const prediction = readSharedText(...FIXTURES, ...c.file_prediction.split('/'));
  if (c.whole_file) return [target, prediction];
  const line = c.line ?? 0;
  return [target.split('\n')[line], prediction.split('\n')[line]];
}

describe('scoreRouge vs rouge_score unit-test oracles (cases.json)', () => {
  const { cases } = JSON.parse(readSharedText(...FIXTURES, 'cases.json')) as { cases: OracleCase[] };

  it('has cases', () => expect(cases.length).toBeGreaterThan(0));

  for (const c of cases) {
    it(c.name, () => {
      const types = c.types ?? (Object.keys(c.expect) as RougeType[]);
      const [target, prediction] = caseInputs(c);
      const got = scoreRouge(target, prediction, { types, stem: c.use_stemmer ?? false });
      for (const type of types) {
        const want = c.expect[type];
        if (!want) continue;
        for (const key of ['precision', 'recall', 'fmeasure'] as const) {
          const diff = Math.abs(got[type][key] - want[key]);
          expect(diff, `${type}.${key}: got ${got[type][key]}, want ${want[key]}`).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  }
});

interface XsumRow {
  id: string;
  system: string;
  target: string;
  prediction: string;
  plain: Record<string, [number, number, number]>;
  stemmed: Record<string, [number, number, number]>;
}

describe('scoreRouge vs rouge_score on XSum system outputs (xsum_systems_rouge.jsonl)', () => {
  const rows = readSharedText(...FIXTURES, 'xsum_systems_rouge.jsonl')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as XsumRow);
  const types: RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];
  // Expected values are rounded to 6 decimals: allow 1e-6 plus the rounding half-unit.
  const tolerance = 1e-6 + 5e-7;

  it('has all 4,855 rows', () => expect(rows.length).toBe(4855));

  for (const mode of ['plain', 'stemmed'] as const) {
    it(`matches every ${mode} score`, () => {
      const scorer = new RougeScorer({ types, stem: mode === 'stemmed' });
      const mismatches: string[] = [];
      let checked = 0;
      for (const row of rows) {
        const got = scorer.score(row.target, row.prediction);
        for (const type of types) {
          const [p, r, f] = row[mode][type];
          const ours = got[type];
          checked += 3;
          if (
            Math.abs(ours.precision - p) > tolerance ||
            Math.abs(ours.recall - r) > tolerance ||
            Math.abs(ours.fmeasure - f) > tolerance
          ) {
            mismatches.push(
              `${row.id}/${row.system} ${type}: got [${ours.precision}, ${ours.recall}, ${ours.fmeasure}], want [${p}, ${r}, ${f}]`,
            );
          }
        }
      }
      expect(checked).toBe(rows.length * types.length * 3);
      expect(mismatches.length, `${mismatches.length} mismatches, first: ${mismatches.slice(0, 5).join('; ')}`).toBe(0);
    });
  }
});

describe('scoreRouge invariants', () => {
  it('gives F = 1 for identical texts', () => {
    const text = 'The cat sat on the mat.\nIt was happy there.';
    for (const stem of [false, true]) {
      const scores = scoreRouge(text, text, { stem });
      for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
        expect(scores[type]).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
      }
    }
  });

  it('gives 0 for disjoint texts and for empty or punctuation-only input', () => {
    const zero = { precision: 0, recall: 0, fmeasure: 0 };
    for (const [target, prediction] of [
      ['alpha beta gamma', 'delta epsilon'],
      ['alpha beta gamma', ''],
      ['', 'alpha beta'],
      ['alpha beta', '?!--'],
    ]) {
      const scores = scoreRouge(target, prediction, { stem: true });
      for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) expect(scores[type]).toEqual(zero);
    }
  });

  it('treats non-ASCII letters as separators, like rouge_score', () => {
    const scorer = new RougeScorer();
    expect(scorer.tokenize('Café naïve 東京 x2')).toEqual(['caf', 'na', 've', 'x2']);
    expect(new RougeScorer({ stem: true }).tokenize('The runners were running quickly')).toEqual([
      'the',
      'runner',
      'were',
      'run',
      'quickli',
    ]);
  });

  it('clips repeated n-grams and is asymmetric in precision/recall', () => {
    const s = scoreRouge('the the cat', 'the the the the', { types: ['rouge1'] });
    expect(s.rouge1.precision).toBeCloseTo(2 / 4, 12);
    expect(s.rouge1.recall).toBeCloseTo(2 / 3, 12);
  });

  it('supports higher-order n-grams and rejects unknown types', () => {
    const s = scoreRouge('a b c d', 'a b c e', { types: ['rouge3'] });
    expect(s.rouge3.precision).toBeCloseTo(0.5, 12);
    expect(() => scoreRouge('a', 'a', { types: ['rougeX' as RougeType] })).toThrow(/Invalid rouge type/);
  });
});

describe('rougeLsum details', () => {
  it('counts a union-LCS token only while both sides have copies left', () => {
    // Each reference line's union LCS is ["a"], but the prediction has a single "a": one hit.
    const s = scoreRouge('a\na', 'a', { types: ['rougeLsum'] });
    expect(s.rougeLsum.precision).toBe(1);
    expect(s.rougeLsum.recall).toBe(0.5);
  });

  it("picks the same LCS as rouge_score's backtrack when several exist", () => {
    // "a b" vs "b a": rouge_score's backtrack keeps "a" (not "b"); the prediction's only "a" is
    // then used up, so the second reference line "a" scores nothing: 1 hit, not 2.
    const s = scoreRouge('a b\na', 'b a', { types: ['rougeLsum'] });
    expect(s.rougeLsum.precision).toBe(0.5);
    expect(s.rougeLsum.recall).toBeCloseTo(1 / 3, 15);
  });

  it('ignores empty lines and can split sentences itself', () => {
    const target = 'The cat sat down. It purred.';
    const prediction = 'It purred. The cat sat down.';
    const byLines = scoreRouge(target, prediction, { types: ['rougeLsum'] });
    const bySentences = scoreRouge(target, prediction, { types: ['rougeLsum'], splitSummaries: true });
    const prepared = scoreRouge('The cat sat down.\n\nIt purred.', 'It purred.\nThe cat sat down.', {
      types: ['rougeLsum'],
    });
    expect(byLines.rougeLsum.fmeasure).toBeCloseTo(4 / 6, 12);
    expect(bySentences.rougeLsum.fmeasure).toBe(1);
    expect(prepared.rougeLsum).toEqual(bySentences.rougeLsum);
  });
});
