// Byte-level BPE training (GPT-2 style), producing a Hugging Face tokenizer.json.
//
// Same algorithm as HF tokenizers' BpeTrainer: count pre-tokenized words once, then repeatedly
// merge the most frequent adjacent pair. Pair counts are kept incrementally with a pair → words
// index, so each merge only revisits the words that contain the merged pair — the full corpus is
// never rescanned. Ties in count go to the smallest (left id, right id) pair, as in HF, which makes
// the result deterministic for a given input.
//
// Byte-level: every text is UTF-8 bytes, each byte shown as one printable char (GPT-2's
// bytes_to_unicode), and all 256 byte chars are always in the vocabulary, so any string encodes
// and decodes losslessly without an unk token.

export interface BpeTrainOptions {
  /** Final vocabulary size, special tokens included (an upper bound when the corpus runs out of pairs). */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged (HF ByteLevelBPETokenizer default: 2). */
  minFrequency?: number;
  /** Special tokens, given ids 0..n-1 in this order. */
  specialTokens?: string[];
}

export const DEFAULT_SPECIAL_TOKENS = ['<pad>', '<s>', '</s>', '<unk>'];

/** GPT-2's split regex — the one tokenizers.js's ByteLevel pre-tokenizer applies at encode time. */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

// Pair keys pack two ids in one number: left * 2^21 + right stays below 2^53.
const ID_LIMIT = 1 << 21;

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to chars from U+0100 on. */
export function byteToUnicodeTable(): string[] {
  const table: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : next++);
  }
  return table;
}

/** Max-heap of (count, pair) ordered by count desc, then pair key asc (= left id, then right id). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i],
      cj = this.counts[j];
    return ci !== cj ? ci > cj : this.keys[i] < this.keys[j];
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i];
    this.counts[i] = this.counts[j];
    this.counts[j] = c;
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the top; returns [count, key]. Call only when size > 0. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    const n = this.counts.length;
    if (n > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let best = i;
        if (l < n && this.above(l, best)) best = l;
        if (r < n && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

function validate(opts: BpeTrainOptions, specials: string[]): void {
  const base = 256 + specials.length;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < base) {
    throw new Error(
      `trainByteLevelBPE: vocabSize ${opts.vocabSize} is smaller than the ${base} base tokens (256 bytes + ${specials.length} special tokens)`,
    );
  }
  if (opts.vocabSize >= ID_LIMIT) {
    throw new Error(`trainByteLevelBPE: vocabSize ${opts.vocabSize} is too large (max ${ID_LIMIT - 1})`);
  }
  if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0)) {
    throw new Error(
      `trainByteLevelBPE: special tokens must be distinct and non-empty, got ${JSON.stringify(specials)}`,
    );
  }
}

/** Word → frequency over the corpus, words as GPT-2's pre-tokenizer splits them. */
function countWords(texts: Iterable<string>): Map<string, number> {
  const freq = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(GPT2_SPLIT)) {
      const w = m[0];
      freq.set(w, (freq.get(w) ?? 0) + 1);
    }
  }
  return freq;
}

/**
 * Trains a GPT-2-style byte-level BPE on `texts` and returns it as a tokenizer.json object
 * (loadable by tokenizers.js and Python `tokenizers`).
 */
export function trainByteLevelBPE(texts: Iterable<string>, opts: BpeTrainOptions): Record<string, unknown> {
  const specials = opts.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  validate(opts, specials);
  const minFrequency = opts.minFrequency ?? 2;

  const wordFreq = countWords(texts);
  if (wordFreq.size === 0) throw new Error('trainByteLevelBPE: the training corpus is empty (no text to learn from)');

  // Vocabulary: specials, then the 256 byte chars sorted by code point (HF's order), then merges.
  const idToToken: string[] = [...specials];
  const tokenToId = new Map<string, number>(specials.map((s, i) => [s, i]));
  const byteChars = byteToUnicodeTable();
  const byteToId = new Int32Array(256);
  const sortedBytes = [...Array(256).keys()].sort((a, b) => byteChars[a].charCodeAt(0) - byteChars[b].charCodeAt(0));
  for (const b of sortedBytes) {
    if (tokenToId.has(byteChars[b])) {
      throw new Error(`trainByteLevelBPE: special token ${JSON.stringify(byteChars[b])} collides with a byte token`);
    }
    byteToId[b] = idToToken.length;
    tokenToId.set(byteChars[b], idToToken.length);
    idToToken.push(byteChars[b]);
  }

  // Words as id sequences, with their corpus frequency.
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [w, f] of wordFreq) {
    words.push(Array.from(encoder.encode(w), (b) => byteToId[b]));
    freqs.push(f);
  }

  // Initial pair counts and the pair → words index. Index lists may hold duplicates and words that
  // no longer contain the pair (cheaper than exact sets); merging dedupes and re-checks.
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPair = (key: number, delta: number, w: number): void => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + delta);
    if (delta > 0) {
      const list = pairWords.get(key);
      if (list) list.push(w);
      else pairWords.set(key, [w]);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) addPair(s[i] * ID_LIMIT + s[i + 1], freqs[w], w);
  }

  const heap = new PairHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  const merges: string[] = [];
  const merged = new Set<number>();
  const specialSet = new Set(specials);
  const seenInStep = new Int32Array(words.length).fill(-1);
  let step = 0;

  while (idToToken.length < opts.vocabSize && heap.size > 0) {
    const [stored, key] = heap.pop();
    const count = pairCount.get(key) ?? 0;
    if (count <= 0 || merged.has(key)) continue;
    // Lazy heap: entries can be stale. Counts of a pair only change through merges; whenever one
    // grows a fresh entry is pushed, so a stale entry is re-queued at its true count and the first
    // entry popped at its true count is the real maximum.
    if (stored !== count) {
      heap.push(count, key);
      continue;
    }
    if (count < minFrequency) break;

    const a = Math.floor(key / ID_LIMIT),
      b = key % ID_LIMIT;
    merged.add(key);
    const text = idToToken[a] + idToToken[b];
    // A merge that would spell a special token would make ordinary text decode as that special.
    if (specialSet.has(text)) continue;
    let m = tokenToId.get(text);
    if (m === undefined) {
      // Different merge paths can spell the same string; like HF, they share one id.
      m = idToToken.length;
      tokenToId.set(text, m);
      idToToken.push(text);
    }
    merges.push(`${idToToken[a]} ${idToToken[b]}`);

    const grown = new Set<number>();
    for (const w of pairWords.get(key) ?? []) {
      if (seenInStep[w] === step) continue;
      seenInStep[w] = step;
      const s = words[w],
        f = freqs[w];
      const out: number[] = [];
      let changed = false;
      for (let i = 0; i < s.length;) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          // Left neighbour is taken from `out`, so it is the already-merged symbol when two
          // merges are adjacent ("a b a b"): the deltas then net out exactly.
          if (out.length > 0) {
            const prev = out[out.length - 1];
            addPair(prev * ID_LIMIT + a, -f, w);
            addPair(prev * ID_LIMIT + m, f, w);
            grown.add(prev * ID_LIMIT + m);
          }
          if (i + 2 < s.length) {
            const next = s[i + 2];
            addPair(b * ID_LIMIT + next, -f, w);
            addPair(m * ID_LIMIT + next, f, w);
            grown.add(m * ID_LIMIT + next);
          }
          out.push(m);
          i += 2;
          changed = true;
        } else {
          out.push(s[i]);
          i += 1;
        }
      }
      if (changed) words[w] = out;
    }
    pairCount.delete(key);
    pairWords.delete(key);
    for (const g of grown) {
      const c = pairCount.get(g) ?? 0;
      if (c > 0 && !merged.has(g)) heap.push(c, g);
    }
    step++;
  }

  const vocab: Record<string, number> = {};
  idToToken.forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: specials.includes('<unk>') ? '<unk>' : null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      // "left right" strings: tokenizers.js 0.2.0 and every Python `tokenizers` version read them;
      // byte-level tokens never contain a space, so the split is unambiguous.
      merges,
    },
  };
}
