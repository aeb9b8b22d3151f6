// Oracle test: nltk 3.8 PorterStemmer() output for 20,705 words (the stemmer rouge_score uses).
import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { createCachedStemmer, porterStem } from './porter';

function loadOracle(): Array<[word: string, stem: string]> {
  return readSharedText('fixtures', 'rouge', 'porter_nltk.tsv')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const [word, stem] = line.split('\t');
      return [word, stem];
    });
}

describe('porterStem (nltk NLTK_EXTENSIONS port)', () => {
  it('matches nltk on every word of porter_nltk.tsv', () => {
    const oracle = loadOracle();
    expect(oracle.length).toBe(20_705);
    const mismatches = oracle.filter(([word, stem]) => porterStem(word) !== stem);
    const sample = mismatches
      .slice(0, 10)
      .map(([word, stem]) => `${word}: expected ${stem}, got ${porterStem(word)}`)
      .join('; ');
    expect(mismatches.length, `${mismatches.length} mismatches, first: ${sample}`).toBe(0);
  });

  it('applies the NLTK-specific rules', () => {
    // Irregular-forms pool.
    expect(porterStem('skies')).toBe('sky');
    expect(porterStem('dying')).toBe('die');
    expect(porterStem('news')).toBe('news');
    // Short 'ies'/'ied' words keep 'ie'; longer ones go to 'i'.
    expect(porterStem('dies')).toBe('die');
    expect(porterStem('flies')).toBe('fli');
    expect(porterStem('died')).toBe('die');
    expect(porterStem('spied')).toBe('spi');
    // Step 1c: y -> i only after a consonant.
    expect(porterStem('happy')).toBe('happi');
    expect(porterStem('enjoy')).toBe('enjoy');
    // Step 2 extensions.
    expect(porterStem('generously')).toBe('gener');
    expect(porterStem('archaeology')).toBe('archaeolog');
    // One- and two-letter words are untouched.
    expect(porterStem('as')).toBe('as');
  });

  it('caches without changing results', () => {
    const stem = createCachedStemmer(3);
    for (const w of ['running', 'runs', 'ran', 'running', 'national', 'runs']) {
      expect(stem(w)).toBe(porterStem(w));
    }
  });
});
