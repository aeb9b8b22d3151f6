import { beforeAll, describe, expect, test } from 'vitest';
import { readSharedText } from '../testing/shared';
import { byteToUnicodeTable, trainByteLevelBPE } from './bpe';
import { loadTokenizer, type LoadedTokenizer } from './tokenizer';

interface XsumRow {
  document: string;
  summary: string;
}

function readTexts(file: string): string[] {
  return readSharedText('data', 'xsum', file)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      const row = JSON.parse(l) as XsumRow;
      return [row.document, row.summary];
    });
}

const trainTexts = readTexts('train.jsonl');
const validationTexts = readTexts('validation.jsonl');

type BpeModel = { vocab: Record<string, number>; merges: string[] };
const modelOf = (json: Record<string, unknown>): BpeModel => json.model as BpeModel;

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
}

describe('byte-level BPE trained on XSum train', () => {
  let json4096: Record<string, unknown>;
  let ms4096: number;
  let tok: LoadedTokenizer;

  beforeAll(() => {
    [json4096, ms4096] = timed(() => trainByteLevelBPE(trainTexts, { vocabSize: 4096 }));
    tok = loadTokenizer(json4096);
  });

  test('is fast (target: well under 10 s for 4096 tokens)', () => {
    const [, ms512] = timed(() => trainByteLevelBPE(trainTexts, { vocabSize: 512 }));
    console.log(
      `BPE training on ${trainTexts.length} texts: 512 tokens ${ms512.toFixed(0)} ms, 4096 tokens ${ms4096.toFixed(0)} ms`,
    );
    expect(ms4096).toBeLessThan(10_000);
  });

  test('has exactly the requested vocabulary, specials first', () => {
    const { vocab, merges } = modelOf(json4096);
    expect(Object.keys(vocab)).toHaveLength(4096);
    expect(new Set(Object.values(vocab)).size).toBe(4096);
    expect(Math.max(...Object.values(vocab))).toBe(4095);
    expect(tok.vocabSize).toBe(4096);
    expect([vocab['<pad>'], vocab['<s>'], vocab['</s>'], vocab['<unk>']]).toEqual([0, 1, 2, 3]);
    for (const c of byteToUnicodeTable()) expect(vocab[c]).toBeGreaterThanOrEqual(4);
    // Merges are "left right" strings whose concatenation is a vocabulary token.
    expect(merges.length).toBeGreaterThanOrEqual(4096 - 260);
    for (const m of merges) {
      const parts = m.split(' ');
      expect(parts).toHaveLength(2);
      expect(vocab[parts.join('')]).toBeDefined();
    }
  });

  test('round-trips every validation document and summary exactly', () => {
    const joined = validationTexts.join('');
    // The check is only meaningful if the data holds non-ASCII text.
    for (const ch of ['’', '£', '€', '\u00a0']) expect(joined).toContain(ch);
    for (const text of validationTexts) expect(tok.decode(tok.encode(text))).toBe(text);
    for (const text of ['“smart quotes” – £5 €6', 'emoji 🦙 and 中文', 'tabs\tand\r\nnewlines  ', '\u0000\u00ad']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  test('compresses the training text (≥ 3 chars per token)', () => {
    let chars = 0;
    let tokens = 0;
    for (const text of trainTexts) {
      chars += text.length;
      tokens += tok.encode(text).length;
    }
    expect(chars / tokens).toBeGreaterThanOrEqual(3);
  });

  test('is deterministic', () => {
    const again = trainByteLevelBPE(trainTexts, { vocabSize: 4096 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(json4096));
  });

  test('re-loads with pad 0, BOS 1, EOS 2 and no added pad', () => {
    expect([tok.padId, tok.bosId, tok.eosId]).toEqual([0, 1, 2]);
    expect(tok.addedPadToken).toBe(false);
    const reloaded = loadTokenizer(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(reloaded.vocabSize).toBe(4096);
    expect(reloaded.encode(validationTexts[0])).toEqual(tok.encode(validationTexts[0]));
  });
});

describe('merge order on small corpora', () => {
  test('most frequent pair first; stops below minFrequency', () => {
    // Words "abab" and "Ġabab": (a,b) ×4, then (ab,ab) ×2; (Ġ,abab) ×1 is under minFrequency 2.
    const json = trainByteLevelBPE(['abab abab'], { vocabSize: 300 });
    expect(modelOf(json).merges).toEqual(['a b', 'ab ab']);
    expect(Object.keys(modelOf(json).vocab)).toHaveLength(262);
    const all = trainByteLevelBPE(['abab abab'], { vocabSize: 300, minFrequency: 1 });
    expect(modelOf(all).merges).toEqual(['a b', 'ab ab', 'Ġ abab']);
  });

  test('ties go to the pair with the smallest ids, whatever the input order', () => {
    const json = trainByteLevelBPE(['xy', 'ab'], { vocabSize: 262, minFrequency: 1 });
    expect(modelOf(json).merges).toEqual(['a b', 'x y']);
  });

  test('custom special tokens take ids 0..n-1', () => {
    const json = trainByteLevelBPE(['hello'], { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    expect(modelOf(json).vocab['<|endoftext|>']).toBe(0);
    const tok = loadTokenizer(json);
    expect([tok.bosId, tok.eosId, tok.addedPadToken]).toEqual([0, 0, true]);
  });
});

describe('invalid training input', () => {
  test('vocabSize below 256 bytes + specials', () => {
    expect(() => trainByteLevelBPE(['abc'], { vocabSize: 259 })).toThrow(
      /vocabSize 259 is smaller than the 260 base tokens/,
    );
    expect(() => trainByteLevelBPE(['abc'], { vocabSize: 300.5 })).toThrow(/vocabSize 300\.5/);
  });

  test('empty corpus', () => {
    expect(() => trainByteLevelBPE([], { vocabSize: 512 })).toThrow(/training corpus is empty/);
    expect(() => trainByteLevelBPE(['', ''], { vocabSize: 512 })).toThrow(/training corpus is empty/);
  });

  test('duplicate special tokens', () => {
    expect(() => trainByteLevelBPE(['abc'], { vocabSize: 512, specialTokens: ['<s>', '<s>'] })).toThrow(
      /special tokens must be distinct/,
    );
  });
});
