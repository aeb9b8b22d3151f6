// Strict UTF-8 decoding of a user's file, for the places that now read bytes with a replacing
// decoder (File.text(), Response.text() and `new TextDecoder()` all turn bad bytes into U+FFFD
// silently, so a Latin-1 CSV would train on "�" where its accents were). This names the file, the
// byte offset and the 1-based line of the first bad sequence, so the user can find and re-save it.
//
// No DOM: TextDecoder exists in workers and in Node.
import { DataFormatError } from './readers';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 or throws DataFormatError naming the first invalid byte's line and offset. */
export function decodeUtf8Strict(bytes: Uint8Array, source = 'data'): string {
  try {
    return strict.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw invalidUtf8Error(source, at, line, bytes.subarray(at, at + 4));
  }
}

/** The error for a bad sequence at file offset `at` on 1-based `line`; `bad`: its first bytes (up to 4). */
export function invalidUtf8Error(source: string, at: number, line: number, bad: Uint8Array): DataFormatError {
  const shown = Array.from(bad.subarray(0, 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
  return new DataFormatError(
    source,
    line,
    `not valid UTF-8 at byte ${at} (${shown}); save the file as UTF-8 (it may be Latin-1 or Windows-1252)`,
  );
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629 table:
 * no overlongs, no surrogates, nothing above U+10FFFF), or bytes.length if all are well formed.
 */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n: number; // continuation bytes that follow
    let lo = 0x80;
    let hi = 0xbf; // allowed range of the first continuation byte
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c === undefined || c < min || c > max) return i; // undefined: cut off at the end
    }
    i += n + 1;
  }
  return bytes.length;
}
