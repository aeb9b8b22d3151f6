// llama2.c's tokenizer.bin vocabulary (e.g. tok512.bin) and its decode.
//
// Format, little-endian: int32 max token length, then per token: float32 score, int32 byte length,
// the piece's bytes. The token count is not stored (llama2.c takes it from the model header), so
// without `vocabSize` we read to the end of the file.

export interface Llama2cVocab {
  pieces: Uint8Array[];
  scores: Float32Array;
  maxTokenLength: number;
}

/** Parses a llama2.c tokenizer .bin; reads `vocabSize` tokens when given, else all of them. */
export function loadLlama2cVocab(bytes: Uint8Array, vocabSize?: number): Llama2cVocab {
  // Node Buffers are views into a shared pool: honour byteOffset.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4)
    throw new Error(`llama2.c vocab: file is ${bytes.byteLength} bytes, too short for its 4-byte header`);
  const maxTokenLength = view.getInt32(0, true);
  const pieces: Uint8Array[] = [];
  const scores: number[] = [];
  let off = 4;
  while (vocabSize === undefined ? off < bytes.byteLength : pieces.length < vocabSize) {
    if (off + 8 > bytes.byteLength)
      throw new Error(
        `llama2.c vocab: truncated at token ${pieces.length}${vocabSize === undefined ? '' : ` of the model's ${vocabSize}`} (file is ${bytes.byteLength} bytes; wrong tokenizer .bin for this model?)`,
      );
    scores.push(view.getFloat32(off, true));
    const len = view.getInt32(off + 4, true);
    off += 8;
    if (len < 0 || off + len > bytes.byteLength) {
      throw new Error(`llama2.c vocab: token ${pieces.length} has invalid length ${len}`);
    }
    pieces.push(bytes.slice(off, off + len));
    off += len;
  }
  if (pieces.length === 0) throw new Error('llama2.c vocab: no tokens');
  return { pieces, scores: Float32Array.from(scores), maxTokenLength };
}

const LT = 0x3c,
  GT = 0x3e,
  ZERO = 0x30,
  X = 0x78;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** The raw byte a `<0xHH>` piece stands for, or -1 for an ordinary piece. */
function byteFallback(p: Uint8Array): number {
  if (p.length !== 6 || p[0] !== LT || p[1] !== ZERO || p[2] !== X || p[5] !== GT) return -1;
  const hi = hexValue(p[3]),
    lo = hexValue(p[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/**
 * Text of `ids`, as llama2.c decodes: `<0xHH>` pieces are that raw byte, other pieces their bytes,
 * all joined and decoded as UTF-8 (invalid sequences become U+FFFD, like Python's 'replace').
 * Unlike run.c, a leading space is kept: the reference generation output
 * (greedy_from_BOS_64.txt) keeps it, and callers can trim where they want.
 */
export function decodeLlama2c(pieces: Uint8Array[], ids: number[]): string {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const id of ids) {
    const p = pieces[id];
    if (!Number.isInteger(id) || p === undefined) {
      throw new RangeError(`llama2.c decode: id ${id} outside the vocabulary of ${pieces.length}`);
    }
    const byte = byteFallback(p);
    const bytes = byte < 0 ? p : Uint8Array.of(byte);
    parts.push(bytes);
    total += bytes.length;
  }
  const joined = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    joined.set(p, off);
    off += p.length;
  }
  // ignoreBOM keeps a leading U+FEFF, as Python's bytes.decode('utf-8') does.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(joined);
}
