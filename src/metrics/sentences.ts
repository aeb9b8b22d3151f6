// Rule-based sentence splitter standing in for nltk.sent_tokenize (punkt) in the summarization
// recipe for rougeLsum: Hugging Face's summarization examples put each predicted and reference
// sentence on its own line ("\n".join(nltk.sent_tokenize(text.strip()))) before scoring, because
// rougeLsum treats lines as sentences. Punkt is a trained statistical model; this is a small,
// deterministic approximation of its behaviour on ordinary English prose:
//   - a sentence ends at . ! ? (or a run like ?! or ...), optionally followed by closing quotes
//     or brackets, then whitespace, then an uppercase letter or digit (optionally behind an
//     opening quote or bracket);
//   - a single '.' does not end a sentence after a known abbreviation (Mr. Dr. St. etc.), an
//     initial (J. K. Rowling), or a dotted acronym (U.S. e.g. a.m.).
// Existing line breaks are treated as sentence breaks too. Punkt would keep a line break inside
// a sentence, but rougeLsum then splits on it anyway, so the final scores agree.

const ABBREVIATIONS = new Set([
  // Titles and honorifics.
  'mr',
  'mrs',
  'ms',
  'mx',
  'dr',
  'prof',
  'rev',
  'fr',
  'sr',
  'jr',
  'st',
  'hon',
  'messrs',
  'mme',
  'mlle',
  // Military and political ranks.
  'gen',
  'col',
  'lt',
  'maj',
  'capt',
  'cpt',
  'cmdr',
  'sgt',
  'cpl',
  'pte',
  'adm',
  'brig',
  'gov',
  'sen',
  'rep',
  'pres',
  'supt',
  'insp',
  'det',
  // Organisations and places.
  'inc',
  'ltd',
  'co',
  'corp',
  'plc',
  'llc',
  'bros',
  'dept',
  'univ',
  'assn',
  'ave',
  'rd',
  'blvd',
  'mt',
  'ft',
  'ct',
  'ln',
  'hwy',
  // Months and days ('sat', 'sun', 'wed' left out: as words they often end a sentence).
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'mon',
  'tue',
  'tues',
  'thu',
  'thur',
  'thurs',
  'fri',
  // Latin and editorial abbreviations.
  'etc',
  'vs',
  'cf',
  'al',
  'approx',
  'ca',
  'est',
  'ed',
  'eds',
]);

// Abbreviations only when a number follows ("No. 10", "Fig. 3"): "said no. The" ends a sentence.
const NUMERIC_ABBREVIATIONS = new Set([
  'no',
  'nos',
  'fig',
  'figs',
  'vol',
  'vols',
  'pp',
  'op',
  'ch',
  'sec',
  'eq',
  'para',
  'art',
]);

// Groups: 1 = terminal punctuation run, 2 = closing quotes/brackets, then whitespace, then a
// lookahead for the start of the next sentence (not consumed, so adjacent matches still work).
const BOUNDARY = /([.!?]+)(["'\u2019\u201d)\]]*)\s+(?=["'\u2018\u201c([]*[A-Z0-9])/g;

// "U.S", "e.g", "a.m" (trailing '.' already excluded): single letters joined by dots.
const DOTTED_ACRONYM = /^(?:[a-z]\.)+[a-z]$/i;
const INITIAL = /^[a-z]$/i;

/** The word just before position `end` in `line`, without leading quotes/brackets. */
function wordBefore(line: string, end: number): string {
  let start = end;
  while (start > 0 && !/\s/.test(line[start - 1])) start--;
  return line.slice(start, end).replace(/^["'\u2018\u201c([]+/, '');
}

function endsSentence(line: string, punctIndex: number, punct: string, nextChar: string): boolean {
  // Only a lone '.' is ambiguous; '!', '?', '...' and mixed runs always end the sentence.
  if (punct !== '.') return true;
  const word = wordBefore(line, punctIndex);
  if (word.length === 0) return true;
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return false;
  if (NUMERIC_ABBREVIATIONS.has(lower) && /[0-9]/.test(nextChar)) return false;
  return !(INITIAL.test(word) || DOTTED_ACRONYM.test(word));
}

/** Splits text into sentences (trimmed, non-empty). See the file comment for the rules. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  const push = (s: string) => {
    const trimmed = s.trim();
    if (trimmed.length > 0) sentences.push(trimmed);
  };
  for (const line of text.split(/\r?\n|\r/)) {
    let start = 0;
    for (const match of line.matchAll(BOUNDARY)) {
      const index = match.index ?? 0;
      if (!endsSentence(line, index, match[1], line.charAt(index + match[0].length))) continue;
      push(line.slice(start, index + match[1].length + match[2].length));
      start = index + match[0].length;
    }
    push(line.slice(start));
  }
  return sentences;
}

/** One sentence per line, the form rougeLsum expects (HF: "\n".join(sent_tokenize(text))). */
export function prepareForRougeLsum(text: string): string {
  return splitSentences(text).join('\n');
}
