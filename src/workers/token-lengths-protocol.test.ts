import { describe, expect, it } from 'vitest';
import { checkTokenLengthAnswer, checkTokenLengthRequest, evenly } from './token-lengths-protocol';

describe('token-length worker messages', () => {
  const req = { pairs: [{ input: 'a', target: 'b' }], vocabSize: 512, maxTokenizerPairs: 10, maxCountPairs: 5 };
  const done = { type: 'done', lengths: { documents: [3], summaries: [2], separator: 4 }, counted: 1, total: 1, tokenizerPairs: 1 };

  it('passes good messages and names what is wrong with bad ones', () => {
    expect(checkTokenLengthRequest(req)).toEqual(req);
    expect(checkTokenLengthAnswer(done)).toEqual(done);
    expect(checkTokenLengthAnswer({ type: 'error', message: 'x' })).toEqual({ type: 'error', message: 'x' });
    expect(checkTokenLengthRequest(null)).toMatch(/not an object/);
    expect(checkTokenLengthRequest({ ...req, pairs: [{ input: 1, target: 'b' }] })).toMatch(/pairs must be/);
    expect(checkTokenLengthRequest({ ...req, vocabSize: 0 })).toMatch(/vocabSize must be a positive integer/);
    expect(checkTokenLengthAnswer({ type: 'html', html: '<b>' })).toMatch(/unknown type "html"/);
    expect(checkTokenLengthAnswer({ ...done, lengths: { documents: [-1], summaries: [], separator: 1 } })).toMatch(/lengths must be/);
    expect(checkTokenLengthAnswer({ ...done, counted: 'all' })).toMatch(/counted, total and tokenizerPairs/);
  });

  it('evenly keeps at most max items, spread over the list', () => {
    expect(evenly([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(evenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
  });
});
