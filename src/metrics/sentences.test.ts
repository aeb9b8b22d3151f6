import { describe, expect, it } from 'vitest';
import { prepareForRougeLsum, splitSentences } from './sentences';

describe('splitSentences', () => {
  it('splits after . ! ? before a capital, digit or quote', () => {
    expect(splitSentences('It rained. We stayed in! Why? "Because," she said. 3 days passed.')).toEqual([
      'It rained.',
      'We stayed in!',
      'Why?',
      '"Because," she said.',
      '3 days passed.',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('He shouted "Stop!" Then he left. (It was late.) Nobody came.')).toEqual([
      'He shouted "Stop!"',
      'Then he left.',
      '(It was late.)',
      'Nobody came.',
    ]);
  });

  it('does not split after abbreviations, initials or dotted acronyms', () => {
    const text =
      'Mr. Smith met Dr. Jones on Main St. near the U.S. Embassy at 5 p.m. Monday. J. K. Rowling was there, e.g. Her agent too.';
    expect(splitSentences(text)).toEqual([
      'Mr. Smith met Dr. Jones on Main St. near the U.S. Embassy at 5 p.m. Monday.',
      'J. K. Rowling was there, e.g. Her agent too.',
    ]);
  });

  it('treats number-style abbreviations as such only before a number', () => {
    expect(splitSentences('He lives at No. 10 Downing Street. She said no. Then she left.')).toEqual([
      'He lives at No. 10 Downing Street.',
      'She said no.',
      'Then she left.',
    ]);
  });

  it('does not split inside numbers or before lowercase words', () => {
    expect(splitSentences('Growth was 2.5 per cent. it fell. Prices rose 3.1%.')).toEqual([
      'Growth was 2.5 per cent. it fell.',
      'Prices rose 3.1%.',
    ]);
  });

  it('treats line breaks as sentence breaks and drops blank lines', () => {
    expect(splitSentences('  First line\n\nSecond one. Third one.\r\n')).toEqual([
      'First line',
      'Second one.',
      'Third one.',
    ]);
    expect(splitSentences('')).toEqual([]);
  });

  it('prepareForRougeLsum puts one sentence per line', () => {
    expect(prepareForRougeLsum(' The cat sat. The dog ran!  ')).toBe('The cat sat.\nThe dog ran!');
  });
});
