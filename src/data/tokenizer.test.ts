import { Tokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, test } from 'vitest';
import { readSharedText } from '../testing/shared';
import { loadTokenizer, trainTokenizer, type LoadedTokenizer } from './tokenizer';

interface XsumRow {
  id: string;
  document: string;
  summary: string;
}

const readJson = (...parts: string[]): Record<string, unknown> => JSON.parse(readSharedText(...parts));
const validation: XsumRow[] = readSharedText('data/xsum/validation.jsonl')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));

describe('Llama 2 tokenizer (oracle fixture)', () => {
  let json: Record<string, unknown>;
  let config: Record<string, unknown>;
  let llama: LoadedTokenizer;

  beforeAll(() => {
    json = readJson('fixtures', 'tokenizer', 'tokenizer.json');
    config = readJson('fixtures', 'tokenizer', 'tokenizer_config.json');
    llama = loadTokenizer(json, config);
  });

  test('"Hello world" encodes as the fixture says, BOS only from the post-processor', () => {
    // The library itself, with special tokens: the fixture's documented ids.
    expect(new Tokenizer(json, config).encode('Hello world').ids).toEqual([1, 15043, 3186]);
    expect(llama.encode('Hello world')).toEqual([15043, 3186]);
    expect(llama.bosId).toBe(1);
    expect(llama.eosId).toBe(2);
    expect(llama.decode([1, 15043, 3186, 2])).toBe('Hello world');
  });

  test('a pad token is added at id 32000, growing the vocabulary to 32001', () => {
    expect(llama.addedPadToken).toBe(true);
    expect(llama.padId).toBe(32000);
    expect(llama.vocabSize).toBe(32001);
    expect(llama.idToToken(32000)).toBe('<pad>');
    expect(llama.tokenToId('<pad>')).toBe(32000);
    expect(llama.decode([15043, 3186, 32000, 32000])).toBe('Hello world'); // special: skipped
    // The caller's object is not modified.
    expect((json.added_tokens as unknown[]).length).toBe(3);
  });

  test('every XSum validation document and summary round-trips', () => {
    expect(validation.length).toBe(100);
    for (const row of validation) {
      for (const text of [row.document, row.summary]) {
        const ids = llama.encode(text);
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < llama.vocabSize)).toBe(true);
        expect(llama.decode(ids)).toBe(text);
      }
    }
  });

  test('toJSON() reloads to the same ids and pad without adding a second pad', () => {
    const out = llama.toJSON();
    const pads = (out.added_tokens as { content: string }[]).filter((t) => t.content === '<pad>');
    expect(pads).toHaveLength(1);
    for (const reloaded of [loadTokenizer(out, config), loadTokenizer(out)]) {
      expect(reloaded.addedPadToken).toBe(false);
      expect(reloaded.padId).toBe(32000);
      expect(reloaded.vocabSize).toBe(32001);
      expect([reloaded.bosId, reloaded.eosId]).toEqual([1, 2]);
      for (const row of validation.slice(0, 10)) {
        expect(reloaded.encode(row.document)).toEqual(llama.encode(row.document));
      }
    }
    // A JSON round trip (as stored on disk) changes nothing either.
    expect(loadTokenizer(JSON.parse(JSON.stringify(out)), config).encode('Hello world')).toEqual([15043, 3186]);
  });

  test('empty input and empty output', () => {
    expect(llama.encode('')).toEqual([]);
    expect(llama.decode([])).toBe('');
    expect(llama.decode([1, 2])).toBe('');
  });
});

/** A minimal byte-level BPE tokenizer.json with the given added tokens. */
function tinyJson(added: string[], model: Record<string, unknown> = {}): Record<string, unknown> {
  const vocab: Record<string, number> = { a: 0, b: 1 };
  added.forEach((t, i) => (vocab[t] = 2 + i));
  return {
    added_tokens: added.map((content, i) => ({ id: 2 + i, content, special: true })),
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab, merges: [], ...model },
  };
}

describe('special-token discovery', () => {
  test('GPT-2 style: <|endoftext|> serves as BOS and EOS; a pad is added', () => {
    const tok = loadTokenizer(tinyJson(['<|endoftext|>']));
    expect(tok.eosId).toBe(2);
    expect(tok.bosId).toBe(2);
    expect(tok.addedPadToken).toBe(true);
    expect(tok.padId).toBe(3);
    expect(tok.vocabSize).toBe(4);
  });

  test('Llama 3 style names are found without a config', () => {
    const tok = loadTokenizer(tinyJson(['<|begin_of_text|>', '<|end_of_text|>']));
    expect([tok.bosId, tok.eosId]).toEqual([2, 3]);
  });

  test('config tokens may be AddedToken objects; an existing pad is used', () => {
    const tok = loadTokenizer(tinyJson(['[BOS]', '[EOS]', '[PAD]']), {
      bos_token: { content: '[BOS]', __type: 'AddedToken' },
      eos_token: { content: '[EOS]' },
      pad_token: '[PAD]',
    });
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([2, 3, 4]);
    expect(tok.addedPadToken).toBe(false);
    expect(tok.vocabSize).toBe(5);
  });

  test('a configured pad missing from the vocabulary is added under its own name', () => {
    const tok = loadTokenizer(tinyJson(['<s>', '</s>']), { pad_token: '[PAD]' });
    expect(tok.addedPadToken).toBe(true);
    expect(tok.idToToken(tok.padId)).toBe('[PAD]');
  });

  test('trainTokenizer gives a loaded byte-level tokenizer with <pad> <s> </s> at 0 1 2', () => {
    const tok = trainTokenizer(['the cat sat on the mat', 'the dog sat on the log'], 300);
    expect([tok.padId, tok.bosId, tok.eosId, tok.addedPadToken]).toEqual([0, 1, 2, false]);
    expect(tok.decode(tok.encode('the cat sat on the log'))).toBe('the cat sat on the log');
  });
});

describe('invalid input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['empty object', {}, /^tokenizer\.json: missing "model"/],
    ['a string', 'not a tokenizer', /^tokenizer\.json: expected a JSON object, got string/],
    ['null', null, /^tokenizer\.json: expected a JSON object, got null/],
    ['an array', [], /^tokenizer\.json: expected a JSON object, got an array/],
    ['unknown model type', { model: { type: 'Nope', vocab: {} } }, /^tokenizer\.json: unsupported model type "Nope"/],
    ['no vocab', { model: { type: 'BPE', merges: [] } }, /^tokenizer\.json: model\.vocab is missing/],
    ['BPE without merges', { model: { type: 'BPE', vocab: { a: 0 } } }, /^tokenizer\.json: BPE model\.merges/],
    ['no EOS', tinyJson([]), /^tokenizer\.json: no EOS token found/],
    [
      'library error (unknown pre-tokenizer)',
      { ...tinyJson(['</s>']), pre_tokenizer: { type: 'Bogus' } },
      /^tokenizer\.json: cannot be loaded \(.*Bogus/,
    ],
  ];
  test.each(cases)('rejects %s', (_name, input, message) => {
    expect(() => loadTokenizer(input)).toThrow(message);
  });

  test('a config naming a token that is not in the vocabulary is rejected', () => {
    expect(() => loadTokenizer(tinyJson(['</s>']), { eos_token: '<eos>' })).toThrow(
      /^tokenizer_config\.json: eos_token "<eos>" is not in the vocabulary/,
    );
    expect(() => loadTokenizer(tinyJson(['</s>']), 'config')).toThrow(
      /^tokenizer_config\.json: expected a JSON object/,
    );
  });
});
