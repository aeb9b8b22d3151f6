import { describe, expect, test } from 'vitest';
import { readShared, readSharedText } from '../testing/shared';
import { llama2cTokenizerConfig, llama2cTokenizerJson } from './llama2c-tokenizer';
import { decodeLlama2c, loadLlama2cVocab, type Llama2cVocab } from './llama2c-vocab';
import { loadTokenizer } from './tokenizer';

const vocab = loadLlama2cVocab(new Uint8Array(readShared('fixtures', 'llama2c', 'tok512.bin')));

/** run.c's encode(), transcribed: the oracle the converted tokenizer must agree with. */
function encodeLikeRunC(v: Llama2cVocab, text: string): number[] {
  const dec = new TextDecoder();
  const index = new Map<string, number>();
  v.pieces.forEach((p, i) => index.set(dec.decode(p), i));
  const tokens: number[] = [];
  if (text !== '') tokens.push(index.get(' ')!); // the dummy prefix
  for (const ch of text) {
    const id = index.get(ch);
    if (id !== undefined) tokens.push(id);
    else for (const b of new TextEncoder().encode(ch)) tokens.push(b + 3); // <0xHH> sit at ids 3..258
  }
  for (;;) {
    let best = -1e10;
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i < tokens.length - 1; i++) {
      const id = index.get(dec.decode(v.pieces[tokens[i]]) + dec.decode(v.pieces[tokens[i + 1]]));
      if (id !== undefined && v.scores[id] > best) {
        best = v.scores[id];
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx === -1) break;
    tokens.splice(bestIdx, 2, bestId);
  }
  return tokens;
}

describe('llama2.c tokenizer as tokenizer.json', () => {
  const tok = loadTokenizer(llama2cTokenizerJson(vocab), llama2cTokenizerConfig());
  const texts = [
    ...readSharedText('data', 'xsum', 'validation.jsonl')
      .trim()
      .split('\n')
      .slice(0, 40)
      .flatMap((l) => {
        const r = JSON.parse(l) as { document: string; summary: string };
        return [r.document.slice(0, 600), r.summary];
      }),
    'Hello world',
    '  two  spaces ',
    'line\nbreak\ttab',
    'café £5 — naïve 🙂 日本',
    'a',
    ' ',
  ];

  test('encodes exactly as llama2.c does, on real text and byte-fallback characters', () => {
    let checked = 0;
    for (const t of texts) {
      expect(tok.encode(t), JSON.stringify(t.slice(0, 40))).toEqual(encodeLikeRunC(vocab, t));
      checked += 1;
    }
    expect(checked).toBe(86);
  });

  test('decodes as llama2.c does, less the dummy-prefix space', () => {
    for (const t of texts.slice(0, 20)) {
      const ids = encodeLikeRunC(vocab, t);
      expect(tok.decode(ids)).toBe(decodeLlama2c(vocab.pieces, ids).replace(/^ /, ''));
      expect(tok.decode(ids)).toBe(t);
    }
  });

  test('keeps ids and specials; a pad token is added at 512', () => {
    expect([tok.bosId, tok.eosId]).toEqual([1, 2]);
    expect(tok.addedPadToken).toBe(true);
    expect(tok.padId).toBe(512);
    expect(tok.vocabSize).toBe(513);
    expect(tok.idToToken(3)).toBe('<0x00>');
  });
});
