import { describe, expect, it } from 'vitest';
import { readSharedText } from '../../testing/shared';
import { answerTokenLengthRequest } from './answer';
import { checkTokenLengthAnswer, checkTokenLengthRequest, evenly } from './protocol';

describe('token-length worker messages', () => {
  const req = { pairs: [{ input: 'a', target: 'b' }], vocabSize: 512, maxTokenizerPairs: 10, maxCountPairs: 5 };
  const done = {
    type: 'done',
    lengths: { documents: [3], summaries: [2], separator: 4 },
    counted: 1,
    total: 1,
    tokenizer: { kind: 'trained', vocabSize: 512, pairs: 1 },
  };

  it('passes good messages and names what is wrong with bad ones', () => {
    expect(checkTokenLengthRequest(req)).toEqual(req);
    expect(checkTokenLengthAnswer(done)).toEqual(done);
    expect(checkTokenLengthAnswer({ type: 'error', message: 'x' })).toEqual({ type: 'error', message: 'x' });
    expect(checkTokenLengthRequest(null)).toMatch(/not an object/);
    // A sample of a bigger set says how big; it cannot be smaller than what was sent.
    expect(checkTokenLengthRequest({ ...req, total: 5000 })).toEqual({ ...req, total: 5000 });
    expect(checkTokenLengthRequest({ ...req, total: 0 })).toMatch(/total must be a count no smaller/);
    expect(checkTokenLengthRequest({ ...req, total: 1.5 })).toMatch(/total must be a count/);
    expect(checkTokenLengthRequest({ ...req, pairs: [{ input: 1, target: 'b' }] })).toMatch(/pairs must be/);
    expect(checkTokenLengthRequest({ ...req, vocabSize: 0 })).toMatch(/vocabSize must be a positive integer/);
    expect(checkTokenLengthAnswer({ type: 'html', html: '<b>' })).toMatch(/unknown type "html"/);
    expect(checkTokenLengthAnswer({ ...done, lengths: { documents: [-1], summaries: [], separator: 1 } })).toMatch(
      /lengths must be/,
    );
    expect(checkTokenLengthAnswer({ ...done, counted: 'all' })).toMatch(/counted and total must be counts/);
  });

  it('checks the imported tokenizer in a request and which tokenizer an answer used', () => {
    const withTok = { ...req, tokenizer: { json: '{}', config: '{}' } };
    expect(checkTokenLengthRequest(withTok)).toEqual(withTok);
    expect(checkTokenLengthRequest({ ...req, tokenizer: { json: '{}' } })).toEqual({
      ...req,
      tokenizer: { json: '{}' },
    });
    expect(checkTokenLengthRequest({ ...req, tokenizer: '{}' })).toMatch(
      /tokenizer must be \{json, config\?\}.*got string/,
    );
    expect(checkTokenLengthRequest({ ...req, tokenizer: null })).toMatch(/tokenizer must be .*got null/);
    expect(checkTokenLengthRequest({ ...req, tokenizer: { json: { model: {} } } })).toMatch(
      /tokenizer\.json must be the file's text \(a string\), got object/,
    );
    expect(checkTokenLengthRequest({ ...req, tokenizer: {} })).toMatch(/tokenizer\.json must be .*got undefined/);
    expect(checkTokenLengthRequest({ ...req, tokenizer: { json: '{}', config: 7 } })).toMatch(
      /tokenizer_config\.json must be .*got number/,
    );

    const imported = { ...done, tokenizer: { kind: 'imported', vocabSize: 32000 } };
    expect(checkTokenLengthAnswer(imported)).toEqual(imported);
    expect(checkTokenLengthAnswer({ ...done, tokenizer: undefined })).toMatch(/must say which tokenizer/);
    expect(checkTokenLengthAnswer({ ...done, tokenizer: { kind: 'imported', vocabSize: 0 } })).toMatch(
      /vocabSize must be a positive integer/,
    );
    expect(checkTokenLengthAnswer({ ...done, tokenizer: { kind: 'trained', vocabSize: 512 } })).toMatch(
      /on how many pairs/,
    );
    expect(checkTokenLengthAnswer({ ...done, tokenizer: { kind: 'gpt', vocabSize: 512 } })).toMatch(
      /unknown kind "gpt"/,
    );
  });

  it('evenly keeps at most max items, spread over the list', () => {
    expect(evenly([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(evenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
  });
});

describe('the worker answer', () => {
  const pairs = [{ input: 'The council will close three libraries.', target: 'Libraries close.' }];
  const req = { pairs, vocabSize: 300, maxTokenizerPairs: 10, maxCountPairs: 5 };

  it('answers every bad request with an error naming what is wrong, never throwing', () => {
    expect(answerTokenLengthRequest('hello')).toEqual({
      type: 'error',
      message: 'token-length request is not an object',
    });
    const notString = answerTokenLengthRequest({ ...req, tokenizer: { json: 42 } });
    expect(notString).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/tokenizer\.json must be the file's text \(a string\), got number/),
    });
    const notJson = answerTokenLengthRequest({ ...req, tokenizer: { json: '{"model": ' } });
    expect(notJson).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/^the imported model's tokenizer\.json is not valid JSON \(/),
    });
    const badConfig = answerTokenLengthRequest({ ...req, tokenizer: { json: '{}', config: 'nope' } });
    expect(badConfig).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/^the imported model's tokenizer_config\.json is not valid JSON \(/),
    });
    const notATokenizer = answerTokenLengthRequest({ ...req, tokenizer: { json: '[1, 2]' } });
    expect(notATokenizer).toEqual({ type: 'error', message: 'tokenizer.json: expected a JSON object, got an array' });
    expect(answerTokenLengthRequest({ ...req, tokenizer: { json: '{"model": {"type": "BPE"}}' } })).toEqual({
      type: 'error',
      message: 'tokenizer.json: model.vocab is missing',
    });
  });

  it('says which tokenizer it used, and its answers pass the check', () => {
    const trained = answerTokenLengthRequest(req);
    expect(trained).toMatchObject({ type: 'done', counted: 1, total: 1, tokenizer: { kind: 'trained', pairs: 1 } });
    expect(checkTokenLengthAnswer(trained)).toEqual(trained);

    const files = {
      json: readSharedText('fixtures/tokenizer/tokenizer.json'),
      config: readSharedText('fixtures/tokenizer/tokenizer_config.json'),
    };
    const imported = answerTokenLengthRequest({ ...req, tokenizer: files });
    // The fixture is a Llama 2 tokenizer: 32000 pieces plus the pad token loadTokenizer adds, as a run's import does.
    expect(imported).toMatchObject({
      type: 'done',
      counted: 1,
      total: 1,
      tokenizer: { kind: 'imported', vocabSize: 32001 },
    });
    expect(checkTokenLengthAnswer(imported)).toEqual(imported);
  });

  it('reports the whole set a sample came from', () => {
    expect(answerTokenLengthRequest({ ...req, total: 90_000 })).toMatchObject({
      type: 'done',
      counted: 1,
      total: 90_000,
    });
  });
});
