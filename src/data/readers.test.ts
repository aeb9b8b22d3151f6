import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { MAX_MESSAGE_CHARS } from '../core/bounded-text';
import { DataFormatError, detectFormat, parseDelimited, readColumns, readPairs } from './readers';

describe('readPairs on the shared XSum sample', () => {
  it('reads all 871 train and 100 validation pairs with the default mapping', () => {
    const train = readPairs(readSharedText('data/xsum/train.jsonl'), 'jsonl', undefined, 'train.jsonl');
    const validation = readPairs(readSharedText('data/xsum/validation.jsonl'), 'jsonl', undefined, 'validation.jsonl');
    expect(train.pairs).toHaveLength(871);
    expect(validation.pairs).toHaveLength(100);
    expect(train.skipped).toEqual([]);
    expect(validation.skipped).toEqual([]);
    const first = JSON.parse(readSharedText('data/xsum/train.jsonl').split('\n')[0]) as {
      document: string;
      summary: string;
    };
    expect(train.pairs[0]).toEqual({ input: first.document, target: first.summary });
    for (const p of [...train.pairs, ...validation.pairs]) {
      expect(p.input.trim().length).toBeGreaterThan(0);
      expect(p.target.trim().length).toBeGreaterThan(0);
    }
  });

  it('detects the sample as JSON Lines, also under a .json name', () => {
    const text = readSharedText('data/xsum/validation.jsonl');
    expect(detectFormat('validation.jsonl', text)).toBe('jsonl');
    expect(detectFormat('validation.json', text)).toBe('jsonl');
  });
});

describe('JSON Lines', () => {
  it('ignores blank lines, handles CRLF and a BOM, keeps line numbers', () => {
    const text =
      '\uFEFF{"document":"a","summary":"b"}\r\n\r\n{"document":"c","summary":"  "}\r\n{"document":"e","summary":"f"}\r\n';
    const r = readPairs(text, 'jsonl');
    expect(r.pairs).toEqual([
      { input: 'a', target: 'b' },
      { input: 'e', target: 'f' },
    ]);
    expect(r.skipped).toEqual([{ line: 3, reason: 'target column "summary" is empty' }]);
  });

  it('names source, line and problem for a malformed line', () => {
    const lines = Array.from({ length: 16 }, (_, i) => JSON.stringify({ document: `d${i}`, summary: `s${i}` }));
    lines.push('{"document": "x", "summary": ');
    expect(() => readPairs(lines.join('\n'), 'jsonl', undefined, 'train.jsonl')).toThrow(
      /^train\.jsonl line 17: not valid JSON: /,
    );
  });

  it('rejects a line that is not an object', () => {
    expect(() => readPairs('{"document":"a","summary":"b"}\n[1,2]', 'jsonl', undefined, 'x.jsonl')).toThrow(
      'x.jsonl line 2: expected a JSON object, found an array',
    );
  });

  it('lists the columns when a mapped column is missing', () => {
    const text = '{"id":"1","text":"a","headline":"b"}';
    expect(() => readPairs(text, 'jsonl', undefined, 'train.jsonl')).toThrow(
      'train.jsonl line 1: input column "document" not found; columns are: id, text, headline',
    );
    expect(() => readPairs(text, 'jsonl', { input: 'text', target: 'summary' }, 'train.jsonl')).toThrow(
      'column "summary" not found; columns are: id, text, headline',
    );
  });

  it('reads renamed columns through the mapping', () => {
    const text =
      '{"id":"1","text":"article one","headline":"sum one"}\n{"id":"2","text":"article two","headline":"sum two"}';
    const r = readPairs(text, 'jsonl', { input: 'text', target: 'headline' });
    expect(r.pairs).toEqual([
      { input: 'article one', target: 'sum one' },
      { input: 'article two', target: 'sum two' },
    ]);
  });

  it('rejects a mapped column missing from a later row', () => {
    const text = '{"document":"a","summary":"b"}\n{"document":"c"}';
    expect(() => readPairs(text, 'jsonl', undefined, 'd.jsonl')).toThrow(
      'd.jsonl line 2: target column "summary" is missing from this row; its columns are: document',
    );
  });

  it('rejects non-string values, skips null ones', () => {
    expect(() => readPairs('{"document":"a","summary":42}', 'jsonl', undefined, 'd.jsonl')).toThrow(
      'd.jsonl line 1: target column "summary" must be a string, found a number (42)',
    );
    expect(() => readPairs('{"document":["a"],"summary":"b"}', 'jsonl', undefined, 'd.jsonl')).toThrow(
      'input column "document" must be a string, found an array',
    );
    const r = readPairs('{"document":"a","summary":"b"}\n{"document":null,"summary":"b"}', 'jsonl');
    expect(r.skipped).toEqual([{ line: 2, reason: 'input column "document" is null' }]);
  });

  it('throws when every row is skipped', () => {
    const text = '{"document":"","summary":"b"}\n{"document":"a","summary":" \\n "}';
    expect(() => readPairs(text, 'jsonl', undefined, 'd.jsonl')).toThrow(
      'd.jsonl: all 2 rows were skipped because their input or target is empty (first: line 1: input column "document" is empty)',
    );
  });

  it('throws on an empty file, BOM or whitespace only', () => {
    for (const text of ['', '\uFEFF', '\n \r\n']) {
      expect(() => readPairs(text, 'jsonl', undefined, 'empty.jsonl')).toThrow('empty.jsonl: the file is empty');
    }
    expect(() => readPairs('', 'csv', undefined, 'e.csv')).toThrow('e.csv: the file is empty');
  });

  it('throws a DataFormatError carrying source and line', () => {
    try {
      readPairs('{"document":"a","summary":"b"}\nnope', 'jsonl', undefined, 'f.jsonl');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataFormatError);
      expect((e as DataFormatError).source).toBe('f.jsonl');
      expect((e as DataFormatError).line).toBe(2);
    }
  });
});

describe('JSON documents', () => {
  const rows = [
    { document: 'doc one', summary: 'sum one' },
    { document: 'doc two', summary: 'sum two' },
  ];
  const pairs = [
    { input: 'doc one', target: 'sum one' },
    { input: 'doc two', target: 'sum two' },
  ];

  it('reads an array, {data: [...]} and the datasets-server rows response', () => {
    expect(readPairs(JSON.stringify(rows, null, 2), 'json').pairs).toEqual(pairs);
    expect(readPairs(JSON.stringify({ data: rows }), 'json').pairs).toEqual(pairs);
    const api = {
      features: [{ feature_idx: 0, name: 'document' }],
      rows: rows.map((row, row_idx) => ({ row_idx, row, truncated_cells: [] })),
      num_rows_total: 2,
    };
    expect(readPairs(JSON.stringify(api), 'json').pairs).toEqual(pairs);
    expect(readColumns(JSON.stringify(api), 'json')).toEqual(['document', 'summary']);
  });

  it('reports skipped rows by position and bad rows by position', () => {
    const r = readPairs(JSON.stringify([...rows, { document: 'x', summary: '' }]), 'json');
    expect(r.skipped).toEqual([{ line: 3, reason: 'target column "summary" is empty' }]);
    expect(() => readPairs(JSON.stringify([...rows, 'oops']), 'json', undefined, 'd.json')).toThrow(
      'd.json row 3: expected a JSON object, found a string',
    );
    expect(() => readPairs(JSON.stringify([{ a: 1 }]), 'json', undefined, 'd.json')).toThrow(
      'd.json row 1: input column "document" not found; columns are: a',
    );
  });

  it('names the line of a syntax error, and rejects other shapes', () => {
    expect(() => readPairs('[\n{"document": "a",\n "summary" "b"}\n]', 'json', undefined, 'd.json')).toThrow(
      /^d\.json line 3: not valid JSON: /,
    );
    expect(() =>
      readPairs('{"document":"a","summary":"b"}\n{"document":"c","summary":"d"}', 'json', undefined, 'd.json'),
    ).toThrow(/read it as JSON Lines/);
    expect(() => readPairs('{"items": []}', 'json', undefined, 'd.json')).toThrow(
      'd.json: expected an array of objects, or an object with a "data" or "rows" array; found an object with keys: items',
    );
    expect(() => readPairs('[]', 'json', undefined, 'd.json')).toThrow('d.json: the JSON holds no rows');
  });
});

describe('CSV and TSV', () => {
  it('handles quoted delimiters, doubled quotes, embedded newlines and CRLF', () => {
    const text =
      'id,document,summary\r\n' +
      '1,"Hello, world","He said ""hi"""\r\n' +
      '2,"line one\r\nline two\nline three",plain\r\n' +
      '3,unquoted text,"a, b, and c"\r\n';
    const r = readPairs(text, 'csv');
    expect(r.pairs).toEqual([
      { input: 'Hello, world', target: 'He said "hi"' },
      { input: 'line one\nline two\nline three', target: 'plain' },
      { input: 'unquoted text', target: 'a, b, and c' },
    ]);
    expect(r.skipped).toEqual([]);
  });

  it('keeps physical line numbers across embedded newlines', () => {
    const text = 'document,summary\n"a\nb\nc",x\n"d",""\ne,f\n';
    const r = readPairs(text, 'csv');
    expect(r.skipped).toEqual([{ line: 5, reason: 'target column "summary" is empty' }]);
    expect(parseDelimited(text, ',').map((rec) => rec.line)).toEqual([1, 2, 5, 6]);
  });

  it('reads TSV, a BOM, blank lines, no trailing newline, and a renamed column', () => {
    const text = '\uFEFFtext\theadline\n"tab\tinside"\tone\n\nplain "quote" kept\ttwo';
    const r = readPairs(text, 'tsv', { input: 'text', target: 'headline' });
    expect(r.pairs).toEqual([
      { input: 'tab\tinside', target: 'one' },
      { input: 'plain "quote" kept', target: 'two' },
    ]);
  });

  it('lists the header columns when a mapped column is missing', () => {
    expect(() => readPairs('id,text,headline\n1,a,b\n', 'csv', undefined, 'train.csv')).toThrow(
      'train.csv line 1: input column "document" not found; columns are: id, text, headline',
    );
    expect(() => readPairs('id,document,headline\n1,a,b\n', 'csv', undefined, 'train.csv')).toThrow(
      'column "summary" not found; columns are: id, document, headline',
    );
  });

  it('throws on an unterminated quote, naming the line it opened on', () => {
    expect(() => readPairs('document,summary\na,b\n"never closed,c\nmore\n', 'csv', undefined, 'bad.csv')).toThrow(
      'bad.csv line 3: unterminated quoted field: the closing " is missing',
    );
  });

  it('throws on text after a closing quote and on ragged rows', () => {
    expect(() => readPairs('document,summary\n"a"b,c\n', 'csv', undefined, 'bad.csv')).toThrow(
      'bad.csv line 2: unexpected "b" after a closing quote',
    );
    expect(() => readPairs('document,summary\na,b\nc\n', 'csv', undefined, 'bad.csv')).toThrow(
      'bad.csv line 3: expected 2 fields (one per header column), found 1',
    );
    expect(() => readPairs('document,summary\na,b,c\n', 'csv', undefined, 'bad.csv')).toThrow(
      'bad.csv line 2: expected 2 fields (one per header column), found 3',
    );
  });

  it('throws when there is a header but no rows', () => {
    expect(() => readPairs('document,summary\r\n', 'csv', undefined, 'h.csv')).toThrow(
      'h.csv: no data rows after the header (2 columns: document, summary)',
    );
  });

  it('parses empty fields and a trailing delimiter', () => {
    expect(parseDelimited('a,,c\n,\n"",x,', ',').map((r) => r.fields)).toEqual([
      ['a', '', 'c'],
      ['', ''],
      ['', 'x', ''],
    ]);
  });
});

describe('detectFormat', () => {
  it('uses the extension, then the content', () => {
    expect(detectFormat('a.JSONL', '')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '')).toBe('jsonl');
    expect(detectFormat('a.csv', 'x\ty')).toBe('csv');
    expect(detectFormat('a.tsv', 'x,y')).toBe('tsv');
    expect(detectFormat('a.json', '[{"a":1}]')).toBe('json');
    expect(detectFormat('a.json', '\uFEFF {"rows": []}')).toBe('json');
    expect(detectFormat('a.json', '{"a":1}\n{"a":2}')).toBe('jsonl');
    expect(detectFormat('a.json', '{"a":1}')).toBe('jsonl'); // a one-line JSON Lines file
    expect(detectFormat('upload', 'document\tsummary\na\tb')).toBe('tsv');
    expect(detectFormat('upload', 'document,summary\na,b')).toBe('csv');
    expect(detectFormat('upload.txt', '[1]')).toBe('json');
  });
});

// Issue 18: a file's column names are the user's; a message lists a few and counts the rest, so it
// stays short however wide the file is.
describe('messages stay short whatever the width', () => {
  const N = 20_000;
  const names = Array.from({ length: N }, (_, i) => `k${i}_${'n'.repeat(40)}`);
  const wide = JSON.stringify(Object.fromEntries(names.map((k, i) => [k, i])));
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a throw');
  };

  it('a CSV header of 20,000 columns and no rows', () => {
    const m = message(() => readPairs(`${names.join(',')}\n`, 'csv', undefined, 'w.csv'));
    expect(m).toBe(
      `w.csv: no data rows after the header (20,000 columns: ${names.slice(0, 5).join(', ')} and 19,995 more)`,
    );
    expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });

  it('a TSV of NUL bytes: one column whose name is clipped', () => {
    const m = message(() => readPairs('\0'.repeat(4096), 'tsv', undefined, 'n.tsv'));
    expect(m).toBe(`n.tsv: no data rows after the header (1 column: ${'\0'.repeat(59)}…)`);
  });

  it('JSON Lines rows of 20,000 keys without the mapped columns', () => {
    const m = message(() => readPairs(`${wide}\n${wide}\n`, 'jsonl', undefined, 'k.jsonl'));
    expect(m).toBe(
      `k.jsonl line 1: input column "document" not found; columns are: ${names.slice(0, 5).join(', ')} and 19,995 more`,
    );
    expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });

  it('a later row of 20,000 keys missing a mapped column', () => {
    const first = JSON.stringify({ document: 'd', summary: 's' });
    const m = message(() => readPairs(`${first}\n${wide}\n`, 'jsonl', undefined, 'k.jsonl'));
    expect(m).toMatch(
      /^k\.jsonl line 2: input column "document" is missing from this row; its columns are: k0_n+, .* and 19,995 more$/,
    );
    expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });

  it('a JSON object of 20,000 keys and no rows array', () => {
    const m = message(() => readPairs(wide, 'json', undefined, 'k.json'));
    expect(m).toMatch(/found an object with keys: k0_n+, .* and 19,995 more$/);
    expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });

  it('a mapped column name of 10,000 characters is clipped where it is quoted', () => {
    const long = 'c'.repeat(10_000);
    const m = message(() => readPairs('{"a":"1"}\n', 'jsonl', { input: long, target: 'b' }, 'c.jsonl'));
    expect(m).toBe(`c.jsonl line 1: input column "${'c'.repeat(79)}…" not found; columns are: a`);
  });
});
