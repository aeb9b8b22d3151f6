// The data-file worker's reader against the whole-file readers it replaces on the page: for JSON
// Lines streamed in chunks cut at every kind of place (inside a line, inside a multi-byte
// character, right after a CR), the rows and every error message must be the same.
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict } from './decode-text';
import { JsonLinesStream, MAX_LINE_CHARS } from './json-lines-stream';
import { readLocalFile, type LocalFile, type TableShape } from './local-file';
import { readRecords, type RecordRow } from './readers';
import { StrictUtf8Stream } from './utf8-stream';

const enc = (s: string) => new TextEncoder().encode(s);

/** A LocalFile over `bytes` that yields chunks of the given sizes (cycled). */
function memoryFile(name: string, bytes: Uint8Array, sizes: number[]): LocalFile {
  return {
    name,
    size: bytes.length,
    slice: async (a, b) => bytes.slice(a, b),
    async *chunks() {
      let k = 0;
      for (let i = 0; i < bytes.length; k++) {
        const n = sizes[k % sizes.length];
        yield bytes.slice(i, i + n);
        i += n;
      }
    },
  };
}

async function read(file: LocalFile): Promise<{ shape: TableShape; rows: RecordRow[]; progress: number[] }> {
  const rows: RecordRow[] = [];
  const progress: number[] = [];
  const shape = await readLocalFile(file, { rows: (b) => rows.push(...b), progress: (n) => progress.push(n) });
  return { shape, rows, progress };
}

/** What the page did before: the whole file decoded strictly, then readRecords. */
function wholeFile(name: string, bytes: Uint8Array) {
  const text = decodeUtf8Strict(bytes, name);
  if (text.trim() === '') throw new Error('the file is empty');
  return readRecords(text, 'jsonl', name);
}

const SPLITS = [[1], [2], [3], [5, 1, 7], [64], [1 << 20]];

const GOOD = [
  '{"id":1,"document":"a","summary":"b"}\n{"id":2,"document":"ünïcödé 😀","summary":"x"}\n',
  '\ufeff{"a":"1"}\r\n\r\n  \n{"a":"2"}', // BOM, CRLF, blank lines, no final LF
  '\n\n{"a":"é€😀"}\n\n',
];

const BAD: [string, Uint8Array][] = [
  ['bad JSON on line 3', enc('{"a":"1"}\n{"a":"2"}\n{"a": \n')],
  ['an array on line 2', enc('{"a":"1"}\n["x"]\n')],
  ['a number', enc('\n\n42\n')],
  ['Latin-1 byte on line 2', new Uint8Array([...enc('{"a":"1"}\n{"a":"caf'), 0xe9, ...enc('"}\n')])],
  ['a 4-byte character cut at the end', new Uint8Array([...enc('{"a":"1"}\n'), 0xf0, 0x9f, 0x98])],
  ['a surrogate', new Uint8Array([...enc('{"a":"'), 0xed, 0xa0, 0x80, ...enc('"}')])],
  ['an overlong after a valid 3-byte char', new Uint8Array([...enc('{"a":"€'), 0xc0, 0xaf, ...enc('"}')])],
  ['only blank lines', enc('\n \r\n\t\n')],
  // Once reported as 'the file is empty': a last line that is not JSON is that line's problem.
  ['one line that never closes', enc('{"id": "1", "document": "aaaa')],
  ['nothing', new Uint8Array(0)],
];

describe('readLocalFile (JSON Lines, streamed)', () => {
  for (const text of GOOD) {
    for (const sizes of SPLITS) {
      it(`reads ${JSON.stringify(text.slice(0, 20))} in chunks of ${sizes} like the whole-file reader`, async () => {
        const bytes = enc(text);
        const want = wholeFile('t.jsonl', bytes);
        const got = await read(memoryFile('t.jsonl', bytes, sizes));
        expect(got.rows).toEqual(want.rows);
        expect(got.shape).toEqual({ columns: want.columns, columnsAt: want.columnsAt, unit: 'line', streamed: true });
        expect(got.progress.at(-1)).toBe(bytes.length);
      });
    }
  }

  for (const [what, bytes] of BAD) {
    for (const sizes of SPLITS) {
      it(`fails on ${what} in chunks of ${sizes} with the whole-file message`, async () => {
        let want = '';
        try {
          wholeFile('t.jsonl', bytes);
        } catch (e) {
          want = (e as Error).message;
        }
        expect(want).not.toBe('');
        await expect(read(memoryFile('t.jsonl', bytes, sizes))).rejects.toThrow(want);
      });
    }
  }

  it('sends rows in batches of a few MB, not one message', async () => {
    const line = JSON.stringify({ id: 0, document: 'd'.repeat(2000), summary: 's' }) + '\n';
    const bytes = enc(line.repeat(5000)); // ~10 MB
    const batches: number[] = [];
    await readLocalFile(memoryFile('big.jsonl', bytes, [65536]), {
      rows: (b) => batches.push(b.length),
      progress: () => {},
    });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...batches)).toBeLessThan(5000);
  });
});

describe('the longest line', () => {
  const problem = 'longer than 16 MiB (the most one JSON Lines row may hold)';

  it('refuses a 17 MiB line that never ends in the worker, naming the line and the limit', async () => {
    const bytes = enc(`{"a":"1"}\n{"id": "1", "document": "${'a'.repeat(17 * 1024 * 1024)}`);
    const rows: RecordRow[] = [];
    let err: Error | null = null;
    let read = 0;
    try {
      await readLocalFile(memoryFile('long.jsonl', bytes, [1 << 20]), {
        rows: (b) => rows.push(...b),
        progress: (n) => (read = n),
      });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/^long\.jsonl line 2: longer than 16 MiB/);
    expect(err?.message.length).toBeLessThan(300);
    // Refused as soon as the line passed the limit, not after reading the whole file.
    expect(read).toBeLessThan(MAX_LINE_CHARS + 2 * (1 << 20));
  });

  it('counts a line across chunks, within a chunk and at the end; a line at the limit is read', () => {
    const max = 10;
    const ok = new JsonLinesStream('s.jsonl', max);
    expect(ok.push('{"a":"12"}\n{"b":')).toHaveLength(1); // 10 characters: at the limit
    expect(ok.push('"34"}\n')).toHaveLength(1); // 10 across two chunks
    expect(() => new JsonLinesStream('s.jsonl', max).push('{"a":"123"}\n')).toThrow(
      `s.jsonl line 1: ${problem.replace('16 MiB', '10 characters')}`,
    );
    const across = new JsonLinesStream('s.jsonl', max);
    across.push('{"a":"1"}\n\n{"b":');
    across.push('"1234');
    expect(() => across.push('5')).toThrow('s.jsonl line 3: longer than 10 characters');
    const ended = new JsonLinesStream('s.jsonl', max);
    expect(() => ended.push('{"a":"1"}\n{"b":"12345678"')).toThrow('s.jsonl line 2: longer than 10 characters');
  });
});

describe('readLocalFile (read whole)', () => {
  it('reads CSV in the worker like readRecords, rows in batches', async () => {
    const text = 'document,summary\n' + Array.from({ length: 4500 }, (_, i) => `"doc ${i}, quoted",s${i}`).join('\n');
    const got = await read(memoryFile('t.csv', enc(text), [7]));
    const want = readRecords(text, 'csv', 't.csv');
    expect(got.rows).toEqual(want.rows);
    expect(got.shape).toEqual({ columns: want.columns, columnsAt: want.columnsAt, unit: 'line', streamed: false });
  });

  it('names the bad byte of a CSV as decodeUtf8Strict does', async () => {
    const bytes = new Uint8Array([...enc('document,summary\ncaf'), 0xe9, ...enc(',x\n')]);
    await expect(read(memoryFile('t.csv', bytes, [4]))).rejects.toThrow(
      't.csv line 2: not valid UTF-8 at byte 20 (0xe9 0x2c 0x78 0x0a)',
    );
  });
});

describe('StrictUtf8Stream', () => {
  it('finds the same offset and line as the whole-file decoder at every cut', () => {
    const bytes = new Uint8Array([...enc('ab\n€\n😀x\n'), 0xe2, 0x82, ...enc('\nz')]);
    let want = '';
    try {
      decodeUtf8Strict(bytes, 'f');
    } catch (e) {
      want = (e as Error).message;
    }
    expect(want).toMatch(/^f line 4: not valid UTF-8 at byte 13 \(0xe2 0x82 0x0a 0x7a\)/);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new StrictUtf8Stream('f');
      expect(() => {
        s.push(bytes.subarray(0, cut));
        s.push(bytes.subarray(cut));
        s.end();
      }).toThrow(want);
    }
  });
});
