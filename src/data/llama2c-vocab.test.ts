import { describe, expect, test } from 'vitest';
import { readShared, readSharedText } from '../testing/shared';
import { decodeLlama2c, loadLlama2cVocab } from './llama2c-vocab';

const bin = new Uint8Array(readShared('fixtures', 'llama2c', 'tok512.bin'));
const ascii = (p: Uint8Array): string => String.fromCharCode(...p);

describe('llama2.c tok512.bin', () => {
  const vocab = loadLlama2cVocab(bin);

  test('holds 512 pieces with scores and the header max length', () => {
    expect(vocab.pieces).toHaveLength(512);
    expect(vocab.scores).toHaveLength(512);
    expect(vocab.maxTokenLength).toBe(Math.max(...vocab.pieces.map((p) => p.length)));
    expect(ascii(vocab.pieces[1])).toBe('\n<s>\n');
    expect(ascii(vocab.pieces[3])).toBe('<0x00>');
    expect(loadLlama2cVocab(bin, 10).pieces).toHaveLength(10);
  });

  test('decodes the reference greedy generation exactly', () => {
    // Line 1: "ids [...]"; the rest: the decoded text, followed by the newline print() added.
    // The text itself starts with the space of its first piece (' "'): nothing is stripped.
    const file = readSharedText('fixtures', 'llama2c', 'greedy_from_BOS_64.txt');
    const nl = file.indexOf('\n');
    const ids = JSON.parse(file.slice(0, nl).replace(/^ids /, '')) as number[];
    const expected = file.slice(nl + 1).replace(/\n$/, '');
    expect(ids).toHaveLength(64);
    expect(expected.startsWith(' "Echoes')).toBe(true);
    expect(decodeLlama2c(vocab.pieces, ids)).toBe(expected);
  });

  test('<0xHH> pieces are raw bytes joined into UTF-8', () => {
    const id = (hex: string): number => vocab.pieces.findIndex((p) => ascii(p) === `<0x${hex}>`);
    expect(decodeLlama2c(vocab.pieces, [id('C2'), id('A3')])).toBe('£');
    expect(decodeLlama2c(vocab.pieces, [id('C2')])).toBe('\uFFFD'); // incomplete: replaced
    expect(decodeLlama2c(vocab.pieces, [])).toBe('');
  });

  test('honours the byte offset of a view into a larger buffer', () => {
    const padded = new Uint8Array(bin.length + 7);
    padded.set(bin, 7);
    const view = padded.subarray(7);
    expect(loadLlama2cVocab(view).pieces.map(ascii)).toEqual(vocab.pieces.map(ascii));
  });

  test('rejects truncated files and unknown ids', () => {
    expect(() => loadLlama2cVocab(bin.subarray(0, 2))).toThrow(/too short/);
    expect(() => loadLlama2cVocab(bin.subarray(0, 20))).toThrow(/token \d+/);
    expect(() => loadLlama2cVocab(bin, 513)).toThrow(/truncated at token 512/);
    expect(() => decodeLlama2c(vocab.pieces, [512])).toThrow(/id 512 outside the vocabulary of 512/);
  });
});
