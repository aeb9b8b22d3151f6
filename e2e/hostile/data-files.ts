// Hostile training-data files, picked in the Data panel's "Local file" input: broken syntax, the
// wrong encoding, the wrong columns, binary files, huge lines and a 50 MB JSON. Each is refused in
// the panel (data-error) naming what is wrong; the previous data and everything stored stay.
import type { Page } from '@playwright/test';
import { pickFiles, type HostileInput } from './harness';

const ROW = (i: number) => JSON.stringify({ id: `r${i}`, document: `document ${i} text`, summary: `summary ${i}` });

function pick(name: string, bytes: Buffer | (() => Buffer)) {
  return async (page: Page) => {
    const buffer = typeof bytes === 'function' ? bytes() : bytes;
    await pickFiles(page, 'data-file', [{ name, buffer }]);
  };
}

const dataInput = (
  input: string,
  name: string,
  bytes: Buffer | (() => Buffer),
  expect: RegExp,
  timeoutMs?: number,
  heavy = false,
): HostileInput => ({
  cls: 'data file',
  heavy,
  input,
  feed: pick(name, bytes),
  message: (page) => page.getByTestId('data-error'),
  expect,
  timeoutMs,
  after: loadGoodFile,
});

/**
 * Picks a small good file, as a user would after a refusal: a refused file whose table was read
 * (20,000 columns) stays behind the column pickers otherwise, and every later render pays for it.
 */
async function loadGoodFile(page: Page) {
  if ((await page.getByTestId('data-source').textContent())?.includes('h-good.jsonl')) return;
  await page.getByTestId('data-file').setInputFiles({
    name: 'h-good.jsonl',
    mimeType: 'application/json',
    buffer: Buffer.from(Array.from({ length: 12 }, (_, i) => ROW(i)).join('\n') + '\n'),
  });
  await page.getByTestId('data-source').filter({ hasText: 'h-good.jsonl' }).waitFor();
}

/** A 50 MB JSON array of good rows whose last element is a number. */
function bigJson(): Buffer {
  const rows: string[] = [];
  const doc = 'x'.repeat(1000);
  let bytes = 0;
  for (let i = 0; bytes < 50 * 1024 * 1024; i++) {
    const r = JSON.stringify({ id: `b${i}`, document: `${doc} ${i}`, summary: `s ${i}` });
    rows.push(r);
    bytes += r.length + 1;
  }
  rows.push('42');
  return Buffer.from(`[${rows.join(',')}]`);
}

const COLS = 20_000;

export const dataFileInputs: HostileInput[] = [
  dataInput('an empty .jsonl (0 bytes)', 'h-empty.jsonl', Buffer.alloc(0), /h-empty\.jsonl.*empty/),
  dataInput(
    'JSONL whose 4th line is cut off mid-object',
    'h-cut.jsonl',
    Buffer.from(`${ROW(1)}\n${ROW(2)}\n${ROW(3)}\n{"id": "4", "document": \n`),
    /line 4.*(JSON|json)/,
  ),
  dataInput(
    'JSONL of arrays, not objects',
    'h-arrays.jsonl',
    Buffer.from('[1, 2, 3]\n["a", "b"]\n'),
    /h-arrays\.jsonl.*(expected a JSON object|object)/,
  ),
  dataInput(
    'CSV with a 5-field row under a 3-column header',
    'h-ragged.csv',
    Buffer.from('id,document,summary\n1,a doc,a sum\n2,b,c,d,e\n'),
    /h-ragged\.csv.*(line|row) 3/,
  ),
  dataInput(
    'CSV with an unterminated quoted field',
    'h-quote.csv',
    Buffer.from('id,document,summary\n1,"a doc that never ends,x\n2,b,c\n'),
    /unterminated quoted field/,
  ),
  dataInput(
    `CSV header of ${COLS.toLocaleString('en')} columns and no rows`,
    'h-wide.csv',
    () => Buffer.from(Array.from({ length: COLS }, (_, i) => `column_${i}`).join(',') + '\n'),
    /h-wide\.csv.*no data rows/,
    undefined,
    true,
  ),
  dataInput(
    `JSONL with ${COLS.toLocaleString('en')} keys a row and no document/summary columns`,
    'h-nocols.jsonl',
    () => {
      const o = Object.fromEntries(Array.from({ length: COLS }, (_, i) => [`k${i}_${'n'.repeat(40)}`, i]));
      return Buffer.from(`${JSON.stringify(o)}\n${JSON.stringify(o)}\n`);
    },
    /column/,
    undefined,
    true,
  ),
  dataInput(
    'CSV saved as Latin-1 (an é as byte 0xE9)',
    'h-latin1.csv',
    Buffer.concat([Buffer.from('id,document,summary\n1,caf'), Buffer.from([0xe9]), Buffer.from(' au lait,coffee\n')]),
    /not valid UTF-8.*0xe9/,
  ),
  dataInput(
    'JSONL saved as UTF-16LE with a byte-order mark',
    'h-utf16.jsonl',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${ROW(1)}\n${ROW(2)}\n`, 'utf16le')]),
    /UTF-8|UTF-16|encoding/,
  ),
  dataInput(
    '.parquet of random bytes',
    'h-random.parquet',
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
    /h-random\.parquet.*Parquet/,
  ),
  dataInput(
    '.parquet with the PAR1 magic at both ends and junk between',
    'h-junk.parquet',
    Buffer.concat([
      Buffer.from('PAR1'),
      Buffer.alloc(2000, 0x41),
      Buffer.from([0xff, 0xff, 0xff, 0x7f]),
      Buffer.from('PAR1'),
    ]),
    /h-junk\.parquet.*Parquet/,
  ),
  dataInput(
    'a PNG renamed .jsonl',
    'h-image.jsonl',
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(512, 0)]),
    /h-image\.jsonl/,
  ),
  dataInput('TSV of NUL bytes', 'h-nul.tsv', Buffer.alloc(4096, 0), /h-nul\.tsv/),
  dataInput(
    'JSONL: one 30 MB line that never closes',
    'h-longline.jsonl',
    () => Buffer.from(`{"id": "1", "document": "${'a'.repeat(30 * 1024 * 1024)}`),
    /h-longline\.jsonl/,
    30_000,
    true,
  ),
  dataInput(
    '50 MB JSON array whose last element is a number',
    'h-big.json',
    bigJson,
    /h-big\.json.*(object|row)/,
    60_000,
    true,
  ),
];
