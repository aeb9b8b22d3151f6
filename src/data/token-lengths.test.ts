import { describe, expect, it } from 'vitest';
import { readShared, readSharedText } from '../testing/shared';
import { buildExample, buildPrompt } from './examples';
import { llama2cTokenizerConfig, llama2cTokenizerJson } from './llama2c-tokenizer';
import { loadLlama2cVocab } from './llama2c-vocab';
import { readPairs } from './readers';
import {
  countTokenLengths,
  importedTokenizer,
  lengthBins,
  niceBinWidth,
  percentile,
  tokenLengthStats,
  tokenizerFilesOf,
  trainedTokenizer,
} from './token-lengths';
import { loadTokenizer, trainTokenizer } from './tokenizer';

const pairs = readPairs(readSharedText('data/xsum/validation.jsonl'), 'jsonl').pairs.slice(0, 40);
const tok = trainTokenizer(
  pairs.flatMap((p) => [p.input, p.target]),
  600,
);

describe('token lengths of XSum rows', () => {
  const limits = { maxSourceLength: 300, maxTargetLength: 24 };
  const stats = tokenLengthStats(tok, pairs, limits);
  const docLens = pairs.map((p) => tok.encode(p.input).length);
  const sumLens = pairs.map((p) => tok.encode(p.target).length + 1);

  it('counts exactly what a direct encode counts', () => {
    const counted = countTokenLengths(tok, pairs);
    expect(counted.documents).toEqual(docLens);
    expect(counted.summaries).toEqual(sumLens);
    expect(stats.document.count).toBe(40);
    expect(stats.document.max).toBe(Math.max(...docLens));
    expect(stats.summary.min).toBe(Math.min(...sumLens));
    expect(stats.document.mean).toBeCloseTo(docLens.reduce((a, b) => a + b, 0) / 40, 10);
  });

  it('calls a row truncated exactly when buildExample cuts it', () => {
    const sepLen = tok.encode('\nTL;DR:\n').length;
    let docCut = 0;
    let sumCut = 0;
    let longest = 0;
    for (const p of pairs) {
      const prompt = buildPrompt(tok, p.input, limits);
      if (prompt.length - 1 - sepLen < tok.encode(p.input).length) docCut++;
      const ex = buildExample(tok, p, limits);
      const supervised = ex.inputIds.length - ex.promptLength; // summary tokens + EOS kept
      if (supervised < tok.encode(p.target).length + 1) sumCut++;
      longest = Math.max(longest, ex.inputIds.length);
    }
    expect(docCut).toBeGreaterThan(0); // the limits are chosen so both kinds of cut happen
    expect(sumCut).toBeGreaterThan(0);
    expect(stats.document.truncated).toBe(docCut);
    expect(stats.summary.truncated).toBe(sumCut);
    expect(stats.document.truncatedFraction).toBeCloseTo(docCut / 40, 12);
    expect(stats.longestExample).toBe(longest);
  });

  it('bins hold every row once, each in the bin that contains its length', () => {
    for (const [summary, lens] of [
      [stats.document, docLens],
      [stats.summary, sumLens],
    ] as const) {
      expect(summary.bins.reduce((a, b) => a + b.count, 0)).toBe(40);
      for (const b of summary.bins) expect(b.count).toBe(lens.filter((l) => l >= b.from && l < b.to).length);
      expect(summary.bins.length).toBeLessThanOrEqual(20);
      expect(summary.bins[summary.bins.length - 1].to).toBeGreaterThan(summary.max);
    }
  });

  it('percentiles are nearest-rank values of the data', () => {
    const sorted = [...docLens].sort((a, b) => a - b);
    for (const [p, v] of Object.entries(stats.document.percentiles)) {
      const q = Number(p.slice(1));
      expect(sorted).toContain(v);
      expect(sorted.filter((x) => x <= v).length / 40).toBeGreaterThanOrEqual(q / 100);
      expect(sorted.filter((x) => x < v).length / 40).toBeLessThan(q / 100);
    }
  });
});

// An imported model's run encodes with the model's own tokenizer, so the lengths must be that
// tokenizer's, not a freshly trained BPE's (which splits the same text quite differently).
describe('token lengths with an imported tokenizer', () => {
  const trained = countTokenLengths(trainedTokenizer(pairs, 600), pairs);

  const cases = [
    {
      name: 'the Llama 2 tokenizer.json fixture',
      files: () => ({
        json: readSharedText('fixtures/tokenizer/tokenizer.json'),
        config: readSharedText('fixtures/tokenizer/tokenizer_config.json'),
      }),
      // The reference: the file loaded directly, as importModelFiles loads an HF model's.
      direct: () =>
        loadTokenizer(
          JSON.parse(readSharedText('fixtures/tokenizer/tokenizer.json')),
          JSON.parse(readSharedText('fixtures/tokenizer/tokenizer_config.json')),
        ),
    },
    {
      name: "llama2.c's tok512 through the converter",
      files: () => {
        const vocab = loadLlama2cVocab(new Uint8Array(readShared('fixtures/llama2c/tok512.bin')), 512);
        return { json: JSON.stringify(llama2cTokenizerJson(vocab)), config: JSON.stringify(llama2cTokenizerConfig()) };
      },
      direct: () => {
        const vocab = loadLlama2cVocab(new Uint8Array(readShared('fixtures/llama2c/tok512.bin')), 512);
        return loadTokenizer(llama2cTokenizerJson(vocab), llama2cTokenizerConfig());
      },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: counts what that tokenizer encodes, not what a trained BPE does`, () => {
      const tok = importedTokenizer(c.files());
      const direct = c.direct();
      expect(tok.vocabSize).toBe(direct.vocabSize);
      const counted = countTokenLengths(tok, pairs);
      expect(counted.documents).toEqual(pairs.map((p) => direct.encode(p.input).length));
      expect(counted.summaries).toEqual(pairs.map((p) => direct.encode(p.target).length + 1));
      expect(counted.separator).toBe(direct.encode('\nTL;DR:\n').length);
      // Not the trained BPE's lengths: most rows come out at another length.
      const sameDocs = counted.documents.filter((n, i) => n === trained.documents[i]).length;
      expect(sameDocs).toBeLessThan(pairs.length / 2);
      expect(counted.documents.reduce((a, b) => a + b, 0)).not.toBe(trained.documents.reduce((a, b) => a + b, 0));
    });
  }

  it('names the file and the fault when the text is not a tokenizer', () => {
    expect(() => importedTokenizer({ json: 'not json' })).toThrow(
      /^the imported model's tokenizer\.json is not valid JSON \(/,
    );
    expect(() => importedTokenizer({ json: '{}', config: '{' })).toThrow(
      /^the imported model's tokenizer_config\.json is not valid JSON \(/,
    );
    expect(() => importedTokenizer({ json: '{}' })).toThrow(/^tokenizer\.json: missing "model" object$/);
  });
});

describe('helpers', () => {
  it('percentile of a known list', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 90)).toBe(9);
    expect(percentile(s, 95)).toBe(10);
    expect(percentile([], 50)).toBe(0);
  });

  it('bin widths are 1, 2 or 5 times a power of ten', () => {
    expect(niceBinWidth(999, 20)).toBe(50);
    expect(niceBinWidth(1000, 20)).toBe(100);
    expect(niceBinWidth(7, 20)).toBe(1);
    expect(lengthBins([0, 0, 3], 20)).toEqual([
      { from: 0, to: 1, count: 2 },
      { from: 1, to: 2, count: 0 },
      { from: 2, to: 3, count: 0 },
      { from: 3, to: 4, count: 1 },
    ]);
  });

  it("tokenizerFilesOf takes the tokenizer files' text from a model's HF files", () => {
    const file = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) });
    expect(tokenizerFilesOf(null)).toBeNull();
    expect(tokenizerFilesOf([file('config.json', '{}')])).toBeNull();
    expect(tokenizerFilesOf([file('tokenizer.json', '{"a":"▁x"}')])).toEqual({ json: '{"a":"▁x"}' });
    expect(tokenizerFilesOf([file('tokenizer_config.json', '{"c":1}'), file('tokenizer.json', '{}')])).toEqual({
      json: '{}',
      config: '{"c":1}',
    });
  });
});
