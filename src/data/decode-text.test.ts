// decodeUtf8Strict against the platform's fatal TextDecoder as the oracle: same accept/refuse on
// random bytes, and the offset it names is exactly where the valid prefix ends.
import { describe, expect, test } from 'vitest';
import { DataFormatError } from './readers';
import { decodeUtf8Strict, firstInvalidByte } from './decode-text';

const fatal = new TextDecoder('utf-8', { fatal: true });
const valid = (b: Uint8Array) => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Deterministic bytes biased toward UTF-8 lead and continuation bytes, so both outcomes occur. */
function randomBytes(seed: number, n: number): Uint8Array {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pools = [
    [0x20, 0x7e],
    [0x80, 0xbf],
    [0xc0, 0xf7],
    [0xf8, 0xff],
  ];
  return Uint8Array.from({ length: n }, () => {
    const [lo, hi] = pools[Math.floor(next() * next() * pools.length)];
    return lo + Math.floor(next() * (hi - lo + 1));
  });
}

describe('decodeUtf8Strict', () => {
  test('agrees with the fatal TextDecoder, and the named offset ends the longest valid prefix', () => {
    let refused = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const bytes = randomBytes(seed, 1 + (seed % 12));
      const at = firstInvalidByte(bytes);
      expect(at === bytes.length, `seed ${seed}`).toBe(valid(bytes));
      if (at < bytes.length) {
        refused++;
        expect(valid(bytes.subarray(0, at)), `prefix of seed ${seed}`).toBe(true);
        // No longer prefix is valid and complete up to a sequence boundary past `at`.
        for (let end = at + 1; end <= Math.min(bytes.length, at + 4); end++)
          expect(valid(bytes.subarray(0, end))).toBe(false);
      }
    }
    expect(refused).toBeGreaterThan(200);
    expect(refused).toBeLessThan(1900);
  });

  test('valid text, including 4-byte characters, decodes unchanged; a leading BOM is dropped as File.text() drops it', () => {
    const text = 'document,summary\nCafé 😀 ü,ok\n';
    expect(decodeUtf8Strict(new TextEncoder().encode(text))).toBe(text);
    expect(decodeUtf8Strict(new TextEncoder().encode(`\uFEFF${text}`))).toBe(text);
  });

  test.each([
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong "/"', [0xc0, 0xaf], 0],
    ['a UTF-16 surrogate', [0x61, 0x0a, 0xed, 0xa0, 0x80], 2],
    ['a character cut off at the end', [0x61, 0xe2, 0x82], 1],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ])('%s is refused', (_what, bytes, at) => {
    const b = Uint8Array.from(bytes);
    expect(firstInvalidByte(b)).toBe(at);
    expect(() => decodeUtf8Strict(b, 'x.jsonl')).toThrow(DataFormatError);
    expect(() => decodeUtf8Strict(b, 'x.jsonl')).toThrow(
      new RegExp(
        `^x\\.jsonl line ${bytes.slice(0, at).filter((c) => c === 0x0a).length + 1}: not valid UTF-8 at byte ${at} `,
      ),
    );
  });
});
