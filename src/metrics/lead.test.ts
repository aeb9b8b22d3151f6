// LEAD-1 against the XSum paper's own LEAD outputs: ../shared/fixtures/rouge holds, for the same BBC
// ids as the validation sample, the LEAD summary Narayan et al. released and rouge_score's stemmed
// scores of it. Scoring our first sentence with rouge_score's rules must give those numbers, which
// checks both the sentence we pick and that nothing else (case, punctuation, tokenization) differs.
import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { leadSentences } from './lead';
import { tokenizeRouge } from './tokenize';

describe('leadSentences', () => {
  it('takes the first sentence, keeping abbreviations and initials inside it', () => {
    expect(leadSentences('Mr. J. K. Smith went to Washington D.C. on Monday. He left on Friday.')).toBe(
      'Mr. J. K. Smith went to Washington D.C. on Monday.',
    );
    expect(leadSentences('"Stop!" she said. Nobody did.')).toBe('"Stop!" she said.'); // no capital after the quote
  });

  it('ends a sentence at a line break, and joins n sentences with a space', () => {
    expect(leadSentences('A headline without a full stop\nThe story starts here. More follows.')).toBe(
      'A headline without a full stop',
    );
    expect(leadSentences('One. Two.\nThree.', 2)).toBe('One. Two.');
    expect(leadSentences('Only one.', 3)).toBe('Only one.');
  });

  it('gives an empty summary for an empty document and refuses a bad n', () => {
    expect(leadSentences('')).toBe('');
    expect(leadSentences('  \n ')).toBe('');
    expect(() => leadSentences('x', 0)).toThrow('n must be a positive integer');
  });
});

interface SystemRow {
  id: string;
  system: string;
  prediction: string;
}

/**
 * The paper's outputs are PTB-tokenized and lowercased ("-lrb- ihg -rrb-", "can not", "£8.84m" as
 * "# 8.84 m"). rouge_score's tokenizer drops punctuation and case; the bracket words would survive
 * it, so they go, and the tokens are compared run together so that where PTB split a word
 * ("can not", "84 m") does not count — which sentence was taken still does.
 */
const letters = (s: string) => tokenizeRouge(s.replace(/-[lr][rcs]b-/g, ' ')).join('');

describe('LEAD-1 on the validation sample vs the XSum paper LEAD outputs', () => {
  const lead = new Map<string, SystemRow>();
  for (const line of readSharedText('fixtures', 'rouge', 'xsum_systems_rouge.jsonl').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as SystemRow;
    if (row.system === 'lead') lead.set(row.id, row);
  }
  const pairs = readSharedText('data', 'xsum', 'validation.jsonl')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; document: string; summary: string });

  it('picks the same first sentence as the paper for every validation document (as ROUGE tokens)', () => {
    expect(pairs).toHaveLength(100);
    const differ: string[] = [];
    for (const p of pairs) {
      const want = lead.get(p.id);
      expect(want, `fixture row for ${p.id}`).toBeDefined();
      if (letters(leadSentences(p.document)) !== letters(want!.prediction)) differ.push(p.id);
    }
    expect(differ).toEqual([]);
  });
});
