// Every way a user's file, setting or message can be wrong, in one table: each row must be answered
// with a message that NAMES the problem (the line, column, field, tensor or file, and what was
// expected), not merely fail. Rows marked `accepts` are inputs that look hostile but are valid (a BOM,
// a quoted newline, a 10 MB document): they must be read, and read right.
//
// A row's outcome is its thrown error's message, a returned problem string (the worker-message
// checks), `problem` (checkStoredSettings) or joined issue messages (validateSearchSpace).
//
// The rows are kept by kind of input in bad-data-files.ts, bad-model-files.ts, bad-settings.ts and
// bad-messages.ts; they are run here as one table so the checks over the whole table see every row.
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, test } from 'vitest';
import { openStudyStore } from '../sweep/persist/storage';
import { importStudyJSON } from '../sweep/persist/transfer';
import type { Row } from './bad-input-row';
import { dataFileRows } from './bad-data-files';
import { messageRows } from './bad-messages';
import { modelFileRows } from './bad-model-files';
import { settingsRows } from './bad-settings';
import { studyText } from './fixtures';

const rows: Row[] = [...dataFileRows, ...modelFileRows, ...settingsRows, ...messageRows];

/**
 * What a row said: a thrown error's message, or the problem a checker returned (a string from the
 * message checks and joined search-space issues, `problem` from checkStoredSettings). `threw` tells
 * a refusal by exception from a returned value.
 */
async function outcome(run: () => unknown): Promise<{ message: string; refused: boolean; threw: boolean }> {
  let value: unknown;
  try {
    value = await run();
  } catch (e) {
    return { message: e instanceof Error ? e.message : String(e), refused: true, threw: true };
  }
  if (typeof value === 'string') return { message: value, refused: value !== '', threw: false };
  if (typeof value === 'object' && value !== null && 'ok' in value && value.ok === false && 'problem' in value) {
    return { message: String(value.problem), refused: true, threw: false };
  }
  return { message: `accepted: ${JSON.stringify(value)?.slice(0, 200)}`, refused: false, threw: false };
}

describe('bad inputs are answered with a message naming the problem', () => {
  test('the table covers at least 35 rejections', () => {
    expect(rows.filter((r) => !r.accepts).length).toBeGreaterThanOrEqual(35);
    expect(new Set(rows.map((r) => r.what)).size).toBe(rows.length);
    // Weak messages still waiting for a fix elsewhere; a fix makes the row's regexp fail, so it is noticed.
    expect(rows.filter((r) => r.poor).map((r) => r.what)).toEqual([]);
  });

  test.each(rows)('$what', async (row) => {
    const { message, refused, threw } = await outcome(row.run);
    if (row.accepts) expect(threw, `"${row.what}" should have been accepted: ${message}`).toBe(false);
    expect(message).toMatch(row.message);
    if (!row.accepts) {
      expect(refused, `"${row.what}" should have been refused, but it was accepted`).toBe(true);
      // A message built from a missing value; known cases carry `poor` until their file is fixed.
      if (!row.poor) expect(message).not.toMatch(/undefined|\[object Object\]/);
    }
  });
});

describe('a bad study import loses nothing already saved', () => {
  const importRows = rows.filter((r) => r.what.startsWith('study import:'));
  let closeStore = () => {};
  afterAll(() => closeStore());

  test('every refused import leaves the saved study and its trials as they were', async () => {
    expect(importRows.length).toBeGreaterThanOrEqual(5);
    const store = await openStudyStore(`reliability-${Date.now()}`);
    closeStore = () => store.close();
    // A saved study with two finished trials, as the sweep would have stored it.
    const id = await store.importStudy(
      importStudyJSON(
        studyText(() => {}, 2),
        { newId: () => 'study-saved' },
      ),
    );
    const before = await store.loadStudy(id);
    expect(before.data.trials.map((t) => t.state)).toEqual(['complete', 'complete']);

    for (const row of importRows) {
      // What the Sweep tab does with a picked file: parse it, then store what it got.
      await expect((async () => store.importStudy((await row.run()) as never))(), row.what).rejects.toThrow(
        row.message,
      );
    }
    // A parsed study the store itself refuses (a trial state no studio writes) must not land either.
    const bad = importStudyJSON(
      studyText(() => {}, 1),
      { newId: () => 'study-bad' },
    );
    bad.data.trials[0] = { ...bad.data.trials[0], state: 'done' as never };
    await expect(store.importStudy(bad)).rejects.toThrow(/trials\[0\]\.state/);

    expect((await store.listStudies()).map((s) => s.id)).toEqual([id]);
    expect(await store.loadStudy(id)).toEqual(before);
  });
});
