// Zip archives a user gives as a model or an adapter, opened with every size bounded before it is
// used. fflate's unzipSync allocates each entry's declared size and inflates whatever follows, so a
// 1 MB archive of zeros inflating to 1 GiB ran for seconds before anything could refuse it. Here:
//   1. the entry count is read from the end-of-central-directory record and bounded first;
//   2. every entry's declared sizes (central directory) are checked — per name (checkEntry), in
//      all, and against the compression ratio a model file can have — before a byte is inflated;
//   3. inflation streams in small chunks and stops the moment an entry passes its declared size
//      (a declared size can lie), so a lying bomb costs at most one chunk's output past it.
// Only what a model zip needs: stored and deflated entries, zip64 sizes, no encryption.
import { Inflate } from 'fflate';
import { clipText } from '../../core/bounded-text';
import { bytesText } from './file-limits';

export interface ZipLimits {
  /** Entries (directories included) an archive may list. */
  entries: number;
  /** Declared uncompressed bytes of all entries together. */
  totalBytes: number;
  /** Largest uncompressed/compressed ratio for an entry above `ratioFloor` bytes (model files compress ~1–5×). */
  ratio: number;
  ratioFloor: number;
}

export const ZIP_LIMITS: ZipLimits = { entries: 4096, totalBytes: 8 * 2 ** 30, ratio: 100, ratioFloor: 2 ** 20 };

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  compressed: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/**
 * Compressed bytes pushed per step, by how much output is still allowed: deflate's ~1,032× ceiling
 * means a step can overshoot what is left by at most ~1,032× its size, so steps stay small enough
 * that a lying entry gets at most ~4 MiB past its declared size (and is refused in milliseconds), and
 * grow to 64 KB for big honest entries (fflate inflates 4 KB steps 2–20× slower than 64 KB ones).
 */
const MAX_RATIO = 1032;
const OVERSHOOT = 4 * 2 ** 20;
const stepBytes = (left: number) => Math.max(4096, Math.min(64 * 1024, Math.ceil((left + OVERSHOOT) / MAX_RATIO)));

const n = (x: number) => x.toLocaleString('en-US');
const names = new TextDecoder('utf-8'); // bad bytes in a name become U+FFFD; names are only compared and shown

/** The zip's entries, each checked and inflated within `limits`; throws a short message naming the limit. */
export function unzipBounded(
  bytes: Uint8Array,
  label: string,
  checkEntry: (name: string, size: number) => void = () => {},
  limits: ZipLimits = ZIP_LIMITS,
): ZipEntry[] {
  const zip = clipText(label, 60);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => dv.getUint32(o, true);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u64 = (o: number) => u32(o + 4) * 2 ** 32 + u32(o);
  const bad = (why: string) => new Error(`${zip}: not a readable zip archive (${why})`);

  // 1. End of central directory: the last 22 bytes, or earlier by up to a 65,535-byte comment.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--)
    if (u32(o) === EOCD) {
      eocd = o;
      break;
    }
  if (eocd < 0) throw bad('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === EOCD64_LOCATOR) {
    const at = u64(eocd - 12);
    if (at + 56 > bytes.length || u32(at) !== EOCD64) throw bad('broken zip64 record');
    count = u64(at + 32);
    cdOffset = u64(at + 48);
  }
  if (count > limits.entries)
    throw new Error(`${zip}: a zip of at most ${n(limits.entries)} entries is read; this one has ${n(count)}`);

  // 2. Central directory: names and declared sizes, all checked before any inflation.
  const entries: CentralEntry[] = [];
  let total = 0;
  let o = cdOffset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > bytes.length || u32(o) !== CENTRAL) throw bad(`central directory entry ${i + 1} is damaged`);
    const [flags, method] = [u16(o + 8), u16(o + 10)];
    let [compressed, size, localOffset] = [u32(o + 20), u32(o + 24), u32(o + 42)];
    const [nameLen, extraLen, commentLen] = [u16(o + 28), u16(o + 30), u16(o + 32)];
    if (o + 46 + nameLen + extraLen > bytes.length) throw bad(`central directory entry ${i + 1} is cut short`);
    const name = names.decode(bytes.subarray(o + 46, o + 46 + nameLen));
    // zip64: the 0xffffffff fields are in the extra field 0x0001, in this order.
    for (let e = o + 46 + nameLen; e + 4 <= o + 46 + nameLen + extraLen;) {
      const [id, len] = [u16(e), u16(e + 2)];
      if (id === 1) {
        let f = e + 4;
        if (size === 0xffffffff && f + 8 <= e + 4 + len) [size, f] = [u64(f), f + 8];
        if (compressed === 0xffffffff && f + 8 <= e + 4 + len) [compressed, f] = [u64(f), f + 8];
        if (localOffset === 0xffffffff && f + 8 <= e + 4 + len) localOffset = u64(f);
      }
      e += 4 + len;
    }
    o += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue; // a folder
    const shown = clipText(name, 60);
    if (flags & 1) throw new Error(`${zip}: ${shown} is encrypted; give an unencrypted zip`);
    if (method !== 0 && method !== 8)
      throw new Error(`${zip}: ${shown} uses compression method ${method}; only stored and deflated entries are read`);
    if (method === 0 && size !== compressed)
      throw bad(`${shown} is stored uncompressed but declares ${n(size)} bytes from ${n(compressed)}`);
    checkEntry(name.split(/[\\/]/).pop() ?? name, size); // the name's own bound first: it says more
    if (size > limits.ratioFloor && size > limits.ratio * compressed)
      throw new Error(
        `${zip}: ${shown} would inflate from ${bytesText(compressed)} to ${bytesText(size)} (${n(Math.round(size / Math.max(1, compressed)))}×); the studio inflates at most ${limits.ratio}× per file, so this looks like a zip bomb`,
      );
    total += size;
    if (total > limits.totalBytes)
      throw new Error(
        `${zip}: its files unpack to more than ${bytesText(limits.totalBytes)}, the most the studio unpacks from one zip`,
      );
    entries.push({ name, method, flags, compressed, size, localOffset });
  }

  // 3. The data, each entry inflated no further than it declared.
  return entries.map((e) => {
    const shown = clipText(e.name, 60);
    const at = e.localOffset;
    if (at + 30 > bytes.length || u32(at) !== LOCAL) throw bad(`the local header of ${shown} is missing`);
    const start = at + 30 + u16(at + 26) + u16(at + 28);
    if (start + e.compressed > bytes.length) throw bad(`${shown} runs past the end of the archive`);
    const data = bytes.subarray(start, start + e.compressed);
    if (e.method === 0) return { name: e.name, bytes: data.slice() };
    return { name: e.name, bytes: inflateWithin(data, e.size, `${zip}: ${shown}`) };
  });
}

/** `data` inflated into exactly `size` bytes; throws the moment the output would pass `size`. */
function inflateWithin(data: Uint8Array, size: number, what: string): Uint8Array {
  const out = new Uint8Array(size);
  let pos = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    if (pos + chunk.length > size)
      throw new Error(
        `${what} inflates past the ${bytesText(size)} its header declares; refused (the archive is damaged or hostile)`,
      );
    out.set(chunk, pos);
    pos += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let i = 0; i < data.length || i === 0;) {
      const end = Math.min(data.length, i + stepBytes(size - pos));
      inflate.push(data.subarray(i, end), end === data.length);
      if (end === data.length) break;
      i = end;
    }
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(m.startsWith(what) ? m : `${what} cannot be inflated (${clipText(m, 80)})`);
  }
  if (!ended || pos !== size)
    throw new Error(`${what} inflates to ${bytesText(pos)}, not the ${bytesText(size)} its header declares`);
  return out;
}
