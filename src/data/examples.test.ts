import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import {
  DEFAULT_SEPARATOR,
  buildExample,
  buildExamples,
  buildPrompt,
  encodeHead,
  type ExampleTokenizer,
} from './examples';
import { trainTokenizer } from './tokenizer';
import { readPairs } from './readers';
import { IGNORE_INDEX } from '../core/example';

// One id per UTF-16 code unit, shifted past the specials: pad 0, bos 1, eos 2.
const tok: ExampleTokenizer & { decode(ids: number[]): string } = {
  bosId: 1,
  eosId: 2,
  encode: (text) => Array.from(text, (c) => c.charCodeAt(0) + 3),
  decode: (ids) => String.fromCharCode(...ids.filter((i) => i > 2).map((i) => i - 3)),
};
const enc = tok.encode;
const opts = { maxSourceLength: 100, maxTargetLength: 50 };

describe('buildExample', () => {
  it('lays out BOS + document + separator + summary + EOS', () => {
    const ex = buildExample(tok, { input: 'The cat sat.', target: 'Cat sits.' }, opts);
    const sep = enc(DEFAULT_SEPARATOR);
    expect(ex.inputIds).toEqual([1, ...enc('The cat sat.'), ...sep, ...enc('Cat sits.'), 2]);
    expect(ex.promptLength).toBe(1 + 12 + sep.length);
    expect(ex.labels).toHaveLength(ex.inputIds.length);
    expect(tok.decode(ex.inputIds)).toBe('The cat sat.\nTL;DR:\nCat sits.');
  });

  it('masks the prompt and supervises exactly the summary and EOS, shifted left by one', () => {
    const ex = buildExample(tok, { input: 'abcdef', target: 'xyz' }, { ...opts, separator: '|' });
    // t:        0     1..6 (abcdef)   7 (|)  8 (x)  9 (y)  10 (z)  11 (EOS)
    const I = IGNORE_INDEX;
    expect(ex.inputIds).toEqual([1, ...enc('abcdef'), ...enc('|'), ...enc('xyz'), 2]);
    expect(ex.labels).toEqual([I, I, I, I, I, I, I, ...enc('xyz'), 2, I]);
    expect(ex.promptLength).toBe(8);
    const L = ex.inputIds.length;
    for (let t = 0; t < L; t++) {
      if (t < ex.promptLength - 1 || t === L - 1) expect(ex.labels[t]).toBe(IGNORE_INDEX);
      else expect(ex.labels[t]).toBe(ex.inputIds[t + 1]);
    }
  });

  it('truncates the document to maxSourceLength and the summary+EOS to maxTargetLength', () => {
    const doc = 'd'.repeat(40);
    const sum = 's'.repeat(30);
    const ex = buildExample(
      tok,
      { input: doc, target: sum },
      { maxSourceLength: 16, maxTargetLength: 10, separator: '::' },
    );
    expect(ex.promptLength).toBe(1 + 16 + 2);
    expect(ex.inputIds).toHaveLength(1 + 16 + 2 + 9 + 1);
    expect(ex.inputIds.slice(1, 17)).toEqual(enc(doc.slice(0, 16))); // the head of the document survives
    expect(ex.inputIds.slice(19)).toEqual([...enc('s'.repeat(9)), 2]);
    const supervised = ex.labels.filter((l) => l !== IGNORE_INDEX);
    expect(supervised).toHaveLength(10); // 9 summary tokens + EOS = maxTargetLength
    expect(supervised.at(-1)).toBe(2);
  });

  it('keeps short text whole and supervises only EOS when maxTargetLength is 1', () => {
    const short = buildExample(tok, { input: 'ab', target: 'c' }, { maxSourceLength: 16, maxTargetLength: 10 });
    expect(short.labels.filter((l) => l !== IGNORE_INDEX)).toEqual([...enc('c'), 2]);
    const eosOnly = buildExample(tok, { input: 'ab', target: 'cde' }, { maxSourceLength: 16, maxTargetLength: 1 });
    expect(eosOnly.inputIds.at(-1)).toBe(2);
    expect(eosOnly.inputIds).toHaveLength(eosOnly.promptLength + 1);
    expect(eosOnly.labels.filter((l) => l !== IGNORE_INDEX)).toEqual([2]);
  });

  it('rejects nonsense lengths', () => {
    const pair = { input: 'a', target: 'b' };
    expect(() => buildExample(tok, pair, { maxSourceLength: 4, maxTargetLength: 0 })).toThrow(
      'maxTargetLength must be an integer >= 1, got 0',
    );
    expect(() => buildExample(tok, pair, { maxSourceLength: -1, maxTargetLength: 4 })).toThrow(
      'maxSourceLength must be an integer >= 0, got -1',
    );
    expect(() => buildExample(tok, pair, { maxSourceLength: 2.5, maxTargetLength: 4 })).toThrow('maxSourceLength');
  });
});

describe('buildExample with superviseDocument (train on inputs)', () => {
  const I = IGNORE_INDEX;

  it('supervises every next document token and the summary, masking only separator targets, BOS and the last position', () => {
    const ex = buildExample(
      tok,
      { input: 'abcdef', target: 'xyz' },
      { ...opts, separator: '|#', superviseDocument: true },
    );
    // t:        0 (BOS)  1..5 (a..e)   6 (f)   7 (|)   8 (#)  9 (x)  10 (y)  11 (z)  12 (EOS)
    // labels:   a        b..f          | →-100 # →-100 x      y      z       EOS     -100
    expect(ex.inputIds).toEqual([1, ...enc('abcdef'), ...enc('|#'), ...enc('xyz'), 2]);
    expect(ex.labels).toEqual([...enc('abcdef'), I, I, ...enc('xyz'), 2, I]);
    expect(ex.promptLength).toBe(9);
  });

  it('is the summary-only example plus the document rows: same ids, same prompt length, same summary labels', () => {
    const pair = { input: 'The cat sat on the mat.', target: 'Cat sits.' };
    for (const o of [opts, { maxSourceLength: 7, maxTargetLength: 4 }, { maxSourceLength: 0, maxTargetLength: 4 }]) {
      const off = buildExample(tok, pair, o);
      const on = buildExample(tok, pair, { ...o, superviseDocument: true });
      expect(on.inputIds).toEqual(off.inputIds);
      expect(on.promptLength).toBe(off.promptLength);
      const D = Math.min(pair.input.length, o.maxSourceLength);
      const S = enc(DEFAULT_SEPARATOR).length;
      for (let t = 0; t < on.labels.length; t++) {
        if (t < D)
          expect(on.labels[t], `t=${t}`).toBe(on.inputIds[t + 1]); // document: next token
        else if (t < D + S)
          expect(on.labels[t], `t=${t}`).toBe(I); // separator targets
        else expect(on.labels[t], `t=${t}`).toBe(off.labels[t]); // summary + EOS, then the last position
        expect(on.labels[t]).not.toBe(1); // BOS is never a target
      }
      // With no document kept there is nothing more to supervise.
      if (D === 0) expect(on.labels).toEqual(off.labels);
    }
  });

  it('supervises a truncated document only up to its cut, never the text beyond it', () => {
    const ex = buildExample(
      tok,
      { input: 'abcdefghij', target: 'z' },
      { maxSourceLength: 4, maxTargetLength: 8, separator: '|', superviseDocument: true },
    );
    expect(ex.labels).toEqual([...enc('abcd'), I, ...enc('z'), 2, I]);
  });

  it('on the XSum sample: supervised tokens = kept document tokens + summary tokens + EOS', () => {
    const { pairs } = readPairs(readSharedText('data/xsum/validation.jsonl'), 'jsonl', undefined, 'validation.jsonl');
    const o = { maxSourceLength: 256, maxTargetLength: 48, superviseDocument: true };
    buildExamples(tok, pairs, o).forEach((ex, i) => {
      const docLen = Math.min(enc(pairs[i].input).length, o.maxSourceLength);
      const sumLen = Math.min(enc(pairs[i].target).length, o.maxTargetLength - 1);
      expect(ex.labels.filter((l) => l !== I)).toHaveLength(docLen + sumLen + 1);
    });
  });
});

describe('buildPrompt', () => {
  it('is exactly the prompt prefix of the training example', () => {
    const pair = { input: 'x'.repeat(30), target: 'y'.repeat(30) };
    for (const separator of [undefined, '|', '']) {
      const o = { maxSourceLength: 12, maxTargetLength: 8, separator };
      const ex = buildExample(tok, pair, o);
      const prompt = buildPrompt(tok, pair.input, o);
      expect(prompt).toEqual(ex.inputIds.slice(0, ex.promptLength));
      expect(prompt[0]).toBe(1);
      expect(prompt).not.toContain(2);
    }
  });
});

describe('on the shared XSum sample', () => {
  it('supervises summary tokens + 1 for every pair, within the length limits', () => {
    const { pairs } = readPairs(readSharedText('data/xsum/train.jsonl'), 'jsonl', undefined, 'train.jsonl');
    const o = { maxSourceLength: 256, maxTargetLength: 48 };
    const examples = buildExamples(tok, pairs, o);
    const sepLen = enc(DEFAULT_SEPARATOR).length;
    expect(examples).toHaveLength(871);
    examples.forEach((ex, i) => {
      const docLen = Math.min(enc(pairs[i].input).length, o.maxSourceLength);
      const sumLen = Math.min(enc(pairs[i].target).length, o.maxTargetLength - 1);
      expect(ex.promptLength).toBe(1 + docLen + sepLen);
      expect(ex.inputIds).toHaveLength(ex.promptLength + sumLen + 1);
      expect(ex.labels.filter((l) => l !== IGNORE_INDEX)).toHaveLength(sumLen + 1);
    });
  });
});

describe('encodeHead', () => {
  it('gives the first n ids of the full encoding, on real articles and a 2 MB one, and never calls encode on all of a huge text', () => {
    const rows = readSharedText('data/xsum/validation.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { document: string; summary: string });
    const bpe = trainTokenizer(
      rows.slice(0, 50).flatMap((r) => [r.document, r.summary]),
      512,
    );
    let checked = 0;
    for (const r of rows.slice(0, 30)) {
      for (const n of [4, 32, 64]) {
        expect(encodeHead(bpe, r.document, n)).toEqual(bpe.encode(r.document).slice(0, n));
        checked++;
      }
    }
    expect(checked).toBe(90);
    const huge = rows
      .map((r) => r.document)
      .join(' ')
      .repeat(30); // ~2 MB
    let longest = 0;
    const spy = {
      encode: (t: string) => {
        longest = Math.max(longest, t.length);
        return bpe.encode(t);
      },
    };
    const head = encodeHead(spy, huge, 64);
    expect(head).toEqual(bpe.encode(huge.slice(0, 20_000)).slice(0, 64));
    expect(longest).toBeLessThan(2_000);
  });
});
