// Porter stemmer, a line-by-line port of nltk's `PorterStemmer` (nltk/stem/porter.py, nltk 3.8)
// in its default NLTK_EXTENSIONS mode.
//
// Why a port and not an off-the-shelf JS stemmer: ROUGE with use_stemmer=True (rouge_score,
// Hugging Face `evaluate`) stems with exactly this class, and generic JS Porter stemmers
// implement Martin Porter's reference version, which differs from NLTK's on the irregular-forms
// pool, short 'ies'/'ied' words, step 1c's y->i rule, step 2's 'alli'/'fulli'/'logi' rules and
// the two-letter cvc case. Any difference changes ROUGE scores, so every rule below mirrors the
// Python, including its quirks (e.g. a matching suffix whose condition fails stops the rule list).
//
// Input is expected to be lowercase ASCII (as produced by the ROUGE tokenizer). Other input is
// lowercased like Python's str.lower(), but lengths are UTF-16 units, not code points.

/** A suffix rule: [suffix, replacement, condition on the stem left after removing the suffix]. */
type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

/** Marker suffix meaning "ends in a double consonant" (the paper's *d), as in nltk. */
const DOUBLE_CONSONANT = '*d';

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

// nltk's table of irregular forms: each listed form maps straight to its paradigm, bypassing the
// algorithm ("sky"/"skies" -> "sky", "dying" -> "die", ...).
const IRREGULAR_FORMS: Record<string, readonly string[]> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};

const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries(IRREGULAR_FORMS).flatMap(([paradigm, forms]) => forms.map((f) => [f, paradigm] as const)),
);

/** word[i] is a consonant: not a vowel, and 'y' only when it is first or follows a vowel. */
function isConsonant(word: string, i: number): boolean {
  const ch = word[i];
  if (VOWELS.has(ch)) return false;
  if (ch === 'y') return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

/** Porter's measure m: the number of VC sequences in [C](VC){m}[V]. */
function measure(stem: string): number {
  // nltk builds a 'c'/'v' string and counts "vc"; counting v->c transitions is the same thing.
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const cons = isConsonant(stem, i);
    if (cons && prevVowel) m++;
    prevVowel = !cons;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function measureGt1(stem: string): boolean {
  return measure(stem) > 1;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) {
    if (!isConsonant(stem, i)) return true;
  }
  return false;
}

/** Condition *d: ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o: ends consonant-vowel-consonant (last not w/x/y); NLTK also accepts a 2-letter "vc" word. */
function endsCvc(word: string): boolean {
  const n = word.length;
  return (
    (n >= 3 &&
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      word[n - 1] !== 'w' &&
      word[n - 1] !== 'x' &&
      word[n - 1] !== 'y') ||
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

/** word without `suffix` (which it must end with). Separate because `slice(0, -0)` would be ''. */
function dropSuffix(word: string, suffix: string): string {
  return suffix.length === 0 ? word : word.slice(0, word.length - suffix.length);
}

/**
 * Applies the first rule whose suffix matches. As in nltk, once a suffix matches, a failing
 * condition returns the word unchanged instead of trying later rules.
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === DOUBLE_CONSONANT && endsDoubleConsonant(word)) {
      const stem = word.slice(0, word.length - 2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = dropSuffix(word, suffix);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A_RULES: readonly Rule[] = [
  ['sses', 'ss', null],
  ['ies', 'i', null],
  ['ss', 'ss', null],
  ['s', '', null],
];

function step1a(word: string): string {
  // NLTK extension: 'flies' -> 'fli' but 'dies' -> 'die'.
  if (word.endsWith('ies') && word.length === 4) return dropSuffix(word, 'ies') + 'ie';
  return applyRuleList(word, STEP1A_RULES);
}

function step1b(word: string): string {
  // NLTK extension: 'spied' -> 'spi' but 'died' -> 'die'.
  if (word.endsWith('ied')) {
    return dropSuffix(word, 'ied') + (word.length === 4 ? 'ie' : 'i');
  }
  if (word.endsWith('eed')) {
    const stem = dropSuffix(word, 'eed');
    return measure(stem) > 0 ? stem + 'ee' : word;
  }

  let intermediate: string | null = null;
  for (const suffix of ['ed', 'ing']) {
    if (word.endsWith(suffix)) {
      const candidate = dropSuffix(word, suffix);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === null) return word;

  const last = intermediate[intermediate.length - 1];
  return applyRuleList(intermediate, [
    ['at', 'ate', null],
    ['bl', 'ble', null],
    ['iz', 'ize', null],
    // (*d and not (*L or *S or *Z)) -> single letter
    [DOUBLE_CONSONANT, last, () => last !== 'l' && last !== 's' && last !== 'z'],
    // (m=1 and *o) -> E
    ['', 'e', (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

// NLTK's y -> i condition: the y follows a consonant and is not the second letter of a
// one-consonant stem ('happy' -> 'happi', 'enjoy' stays, 'by' stays).
const STEP1C_RULES: readonly Rule[] = [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]];

function step1c(word: string): string {
  return applyRuleList(word, STEP1C_RULES);
}

// Order matters: the first matching suffix decides (see applyRuleList). NLTK mode uses 'bli'
// rather than the paper's 'abli', and appends 'fulli' and 'logi' at the end.
const STEP2_RULES: readonly Rule[] = [
  ['ational', 'ate', hasPositiveMeasure],
  ['tional', 'tion', hasPositiveMeasure],
  ['enci', 'ence', hasPositiveMeasure],
  ['anci', 'ance', hasPositiveMeasure],
  ['izer', 'ize', hasPositiveMeasure],
  ['bli', 'ble', hasPositiveMeasure],
  ['alli', 'al', hasPositiveMeasure],
  ['entli', 'ent', hasPositiveMeasure],
  ['eli', 'e', hasPositiveMeasure],
  ['ousli', 'ous', hasPositiveMeasure],
  ['ization', 'ize', hasPositiveMeasure],
  ['ation', 'ate', hasPositiveMeasure],
  ['ator', 'ate', hasPositiveMeasure],
  ['alism', 'al', hasPositiveMeasure],
  ['iveness', 'ive', hasPositiveMeasure],
  ['fulness', 'ful', hasPositiveMeasure],
  ['ousness', 'ous', hasPositiveMeasure],
  ['aliti', 'al', hasPositiveMeasure],
  ['iviti', 'ive', hasPositiveMeasure],
  ['biliti', 'ble', hasPositiveMeasure],
  ['fulli', 'ful', hasPositiveMeasure],
];

function step2(word: string): string {
  // NLTK applies ALLI -> AL first and, when it fires, runs step 2 again on the result.
  if (word.endsWith('alli') && hasPositiveMeasure(dropSuffix(word, 'alli'))) {
    return step2(dropSuffix(word, 'alli') + 'al');
  }
  // 'logi' -> 'log' keeps the 'l' with the stem for the measure test, so short stems such as
  // 'geo'/'theo' behave like 'archaeo'/'philo'. The condition looks at the word, not the stem.
  return applyRuleList(word, [
    ...STEP2_RULES,
    ['logi', 'log', () => hasPositiveMeasure(word.slice(0, word.length - 3))],
  ]);
}

const STEP3_RULES: readonly Rule[] = [
  ['icate', 'ic', hasPositiveMeasure],
  ['ative', '', hasPositiveMeasure],
  ['alize', 'al', hasPositiveMeasure],
  ['iciti', 'ic', hasPositiveMeasure],
  ['ical', 'ic', hasPositiveMeasure],
  ['ful', '', hasPositiveMeasure],
  ['ness', '', hasPositiveMeasure],
];

function step3(word: string): string {
  return applyRuleList(word, STEP3_RULES);
}

const STEP4_RULES: readonly Rule[] = [
  ['al', '', measureGt1],
  ['ance', '', measureGt1],
  ['ence', '', measureGt1],
  ['er', '', measureGt1],
  ['ic', '', measureGt1],
  ['able', '', measureGt1],
  ['ible', '', measureGt1],
  ['ant', '', measureGt1],
  ['ement', '', measureGt1],
  ['ment', '', measureGt1],
  ['ent', '', measureGt1],
  // (m>1 and (*S or *T)) ION ->
  ['ion', '', (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
  ['ou', '', measureGt1],
  ['ism', '', measureGt1],
  ['ate', '', measureGt1],
  ['iti', '', measureGt1],
  ['ous', '', measureGt1],
  ['ive', '', measureGt1],
  ['ize', '', measureGt1],
];

function step4(word: string): string {
  return applyRuleList(word, STEP4_RULES);
}

function step5a(word: string): string {
  // Both E rules must be tried (nltk cannot use the rule list here), hence the explicit code.
  if (word.endsWith('e')) {
    const stem = dropSuffix(word, 'e');
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  // (m > 1 and *d and *L) -> single letter; the measure is taken on the word minus one 'l'.
  return applyRuleList(word, [['ll', 'l', () => measure(word.slice(0, word.length - 1)) > 1]]);
}

/** Stems one word exactly like nltk's `PorterStemmer().stem(word)` (NLTK_EXTENSIONS mode). */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // nltk looks up the word as given but returns the entry for the lowercased form.
  if (POOL.has(word)) return POOL.get(lower) ?? lower;
  // Words of one or two letters are left alone (not in the paper, but in nltk's non-original modes).
  if (word.length <= 2) return lower;

  let stem = step1a(lower);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

/**
 * `porterStem` with a memo table. Stemming is the hot path of ROUGE with stemming on and real
 * text repeats words constantly, so a cache pays off; it is cleared when it reaches `maxEntries`
 * so memory stays bounded on unbounded vocabularies.
 */
export function createCachedStemmer(maxEntries = 200_000): (word: string) => string {
  const cache = new Map<string, string>();
  return (word: string): string => {
    let stem = cache.get(word);
    if (stem === undefined) {
      stem = porterStem(word);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(word, stem);
    }
    return stem;
  };
}
