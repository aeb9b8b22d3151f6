// The ROUGE tokenizer, identical to rouge_score's default tokenizer (rouge_score/tokenize.py):
//   lowercase -> replace every run of [^a-z0-9] with a space -> split on whitespace ->
//   Porter-stem tokens longer than 3 characters (when stemming) -> drop empty tokens.
//
// Consequence worth knowing: only ASCII letters and digits survive. Accented and non-Latin
// letters are separators, so "café" -> ["caf"] and "naïve" -> ["na", "ve"], and a text with no
// ASCII alphanumerics has no tokens at all (ROUGE 0 against anything). That is what
// rouge_score does, so it is what we do. JS toLowerCase and Python str.lower use the same full
// Unicode case mapping, so the few non-ASCII letters that lowercase to ASCII (e.g. U+0130 'İ'
// -> 'i' + combining dot, U+212A Kelvin sign -> 'k') behave the same in both.

import { createCachedStemmer } from './porter';

/** A stemming function applied to tokens longer than 3 characters. */
export type Stemmer = (word: string) => string;

/**
 * Stems shared by every scorer in this module: stemming dominates ROUGE's cost and the
 * vocabulary of an evaluation set is small, so one memo table serves all calls.
 */
export const sharedStemmer: Stemmer = createCachedStemmer();

const NON_ALPHANUMERIC = /[^a-z0-9]+/g;

/** Tokenizes `text` like rouge_score's `tokenize.tokenize(text, stemmer)`. */
export function tokenizeRouge(text: string, stemmer?: Stemmer | null): string[] {
  const cleaned = text.toLowerCase().replace(NON_ALPHANUMERIC, ' ');
  const tokens: string[] = [];
  for (const raw of cleaned.split(' ')) {
    if (raw.length === 0) continue;
    const token = stemmer && raw.length > 3 ? stemmer(raw) : raw;
    // rouge_score keeps only tokens matching ^[a-z0-9]+$; after the substitution above that
    // just means "non-empty" (a stem only ever contains letters of its word).
    if (token.length > 0) tokens.push(token);
  }
  return tokens;
}
