import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, boundedMessage, clipText, listSome } from './bounded-text';

describe('bounded text', () => {
  it('clips long text and leaves short text alone', () => {
    expect(clipText('abc', 5)).toBe('abc');
    expect(clipText('abcdefgh', 5)).toBe('abcd…');
    expect(clipText('abcdefgh', 5)).toHaveLength(5);
  });

  it('never leaves half a surrogate pair before the ellipsis', () => {
    const s = 'ab😀😀😀';
    const c = clipText(s, 4); // a cut at 3 would split the first emoji
    expect(c).toBe('ab…');
    expect(() => encodeURIComponent(c)).not.toThrow(); // a lone surrogate would throw (URIError)
  });

  it('names the count and shows the first few of a huge list', () => {
    const names = Array.from({ length: 60_000 }, (_, i) => `model/layers.${i}.weight`);
    const s = listSome(names, 3);
    expect(s).toBe('model/layers.0.weight, model/layers.1.weight, model/layers.2.weight and 59,997 more');
    expect(listSome([])).toBe('(none)');
    expect(listSome(['x'.repeat(500)], 5, 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('reads an iterable once and shows no more than asked', () => {
    function* gen() {
      for (let i = 0; i < 1_000_000; i++) yield String(i);
    }
    expect(listSome(gen(), 2)).toBe('0, 1 and 999,998 more');
  });

  it('bounds any message to 500 characters and says how long it was', () => {
    const m = boundedMessage('e'.repeat(39_000_000));
    expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(m).toContain('39,000,000 characters');
    expect(boundedMessage('short')).toBe('short');
  });
});
