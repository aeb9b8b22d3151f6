// Strict UTF-8 decoding of a file that arrives in chunks (File.stream() in the data-file worker), so
// a 200 MB file never has to be one string. A bad byte throws the same DataFormatError as
// decodeUtf8Strict on the whole file: same absolute byte offset, same 1-based line, same bytes shown.
//
// Why not TextDecoderStream: its error says nothing about where the bad byte is. Here the decoder
// runs in streaming mode over each chunk, and on failure the chunk (with the few bytes of an
// unfinished sequence carried from the previous one) is scanned with firstInvalidByte.
//
// No DOM: TextDecoder exists in workers and in Node.
import { firstInvalidByte, invalidUtf8Error } from './decode-text';

/** Bytes a sequence can leave unfinished at a chunk's end (a 4-byte sequence cut after 3). */
const CARRY = 3;

export class StrictUtf8Stream {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly source: string;
  /** File offset of the first byte of the current chunk. */
  private offset = 0;
  /** Newline (0x0a) bytes before `offset`. */
  private newlines = 0;
  /** The last bytes of the previous chunk, where an unfinished sequence may begin. */
  private tail = new Uint8Array(0);
  /** A bad sequence found too near a chunk's end to show its 4 bytes: waits for the next chunk's. */
  private pending: { at: number; line: number; bad: number[] } | null = null;

  constructor(source = 'data') {
    this.source = source;
  }

  /** Text of the whole characters decoded so far from `bytes` (a cut sequence waits for the next chunk). */
  push(bytes: Uint8Array): string {
    if (this.pending) return this.more(bytes);
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      return this.locate(bytes);
    }
    this.advance(bytes);
    return text;
  }

  /** The end of the file: throws if it stops inside a sequence. */
  end(): string {
    if (!this.pending) {
      try {
        return this.decoder.decode();
      } catch {
        this.locate(new Uint8Array(0));
      }
    }
    const p = this.pending as NonNullable<typeof this.pending>;
    throw invalidUtf8Error(this.source, p.at, p.line, Uint8Array.from(p.bad));
  }

  /** Collects the bytes shown after a bad sequence; throws once there are 4. */
  private more(bytes: Uint8Array): string {
    const p = this.pending as NonNullable<typeof this.pending>;
    for (let i = 0; i < bytes.length && p.bad.length < 4; i++) p.bad.push(bytes[i]);
    if (p.bad.length >= 4) throw invalidUtf8Error(this.source, p.at, p.line, Uint8Array.from(p.bad));
    return '';
  }

  private advance(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) this.newlines++;
    this.offset += bytes.length;
    const keep = Math.min(CARRY, bytes.length);
    const tail = new Uint8Array(Math.min(CARRY, this.tail.length + keep));
    // The new tail: the last CARRY bytes of (old tail + bytes).
    const joined = new Uint8Array(this.tail.length + keep);
    joined.set(this.tail);
    joined.set(bytes.subarray(bytes.length - keep), this.tail.length);
    tail.set(joined.subarray(joined.length - tail.length));
    this.tail = tail;
  }

  /**
   * Finds the first bad sequence, which lies in tail + bytes, for the error decodeUtf8Strict would
   * give; throws it at once unless its 4 shown bytes run past this chunk.
   */
  private locate(bytes: Uint8Array): string {
    const buf = new Uint8Array(this.tail.length + bytes.length);
    buf.set(this.tail);
    buf.set(bytes, this.tail.length);
    // Everything before `bytes` decoded, so the scan may start at the tail's first character
    // boundary: continuation bytes at its start end a character that was already whole.
    let start = 0;
    while (start < this.tail.length && (buf[start] & 0xc0) === 0x80) start++;
    const at = start + firstInvalidByte(buf.subarray(start));
    const bufOffset = this.offset - this.tail.length;
    let line = 1 + this.newlines;
    for (let i = 0; i < this.tail.length; i++) if (buf[i] === 0x0a) line--; // counted in `newlines` already
    for (let i = 0; i < at; i++) if (buf[i] === 0x0a) line++;
    this.pending = { at: bufOffset + at, line, bad: Array.from(buf.subarray(at, at + 4)) };
    return this.more(new Uint8Array(0));
  }
}
