// The hostile-input table's machinery (issue 18): a long-task log on the page, a snapshot of
// everything the origin stores (so "what the user made is unchanged" is checked on the bytes, not
// on what the page happens to show), and the row type each input class fills in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export type InputClass = 'data file' | 'model file' | 'archive' | 'study' | 'settings' | 'storage';

export interface HostileInput {
  cls: InputClass;
  /** What the input is, in a few words (the table's "input" column). */
  input: string;
  /** Feeds the input the way a user would (a file picker, typing, a tampered store and a reload). */
  feed(page: Page): Promise<void>;
  /** Where its message shows. */
  message(page: Page): Locator;
  /** What the message must say: it names what is wrong and, where one applies, the limit. */
  expect: RegExp;
  /** The input is good data (e.g. a big study): it may add records, never change or remove one. */
  adds?: boolean;
  /** Storage keys this input itself writes (a tampered value and its backup): left out of the check. */
  mayChange?: RegExp;
  /** Leaves the page slow for a while (files that are read whole): run after the others that share the page. */
  heavy?: boolean;
  /**
   * May freeze the page for minutes where it is handled on the main thread (a 100,000-trial
   * study): runs after everything else, under a hard deadline of `timeoutMs`.
   */
  last?: boolean;
  /** Needs a page reload (storage inputs): these run last, together. */
  reload?: boolean;
  /** How long to wait for the message (default 10 s). */
  timeoutMs?: number;
  /** Puts back what the input left on screen (a field's draft, an added study), after the check. */
  after?(page: Page): Promise<void>;
}

export interface Row {
  n: number;
  cls: InputClass;
  input: string;
  message: string;
  chars: number;
  longestTaskMs: number;
  /** For an input that reloaded the page: the longest task of the app's start-up (not counted). */
  startupMs?: number | null;
  unchanged: boolean;
  /** Why the row fails, empty when it passes. */
  problems: string[];
}

export const MAX_MESSAGE_CHARS = 500;
export const MAX_TASK_MS = 200;

// ---- file pickers -------------------------------------------------------------------------------

/**
 * Picks files in the input with this test id, as a user would. Playwright passes buffers over 50 MB
 * only as paths, so those are written to a temporary folder first (under their own names).
 */
export async function pickFiles(page: Page, testId: string, files: { name: string; buffer: Buffer }[]) {
  // Playwright hands a buffer to the page as base64 and decodes it there, on the main thread
  // (about 60 ms per MB: 3 s for a 30 MB file, charged to the app); a user's pick is read from disk
  // lazily. Anything over 1 MB therefore goes as a file on disk, as a user's would.
  const big = files.some((f) => f.buffer.length > 1024 * 1024);
  if (!big) {
    await page.getByTestId(testId).setInputFiles(files.map((f) => ({ ...f, mimeType: 'application/octet-stream' })));
    return;
  }
  // The page reads a picked file lazily, after setInputFiles returns: the copy stays until the end.
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  bigFileDirs.push(dir);
  const paths = files.map((f) => {
    const p = join(dir, f.name);
    writeFileSync(p, f.buffer);
    return p;
  });
  await page.getByTestId(testId).setInputFiles(paths);
}

const bigFileDirs: string[] = [];
/** Removes the copies pickFiles wrote. */
export function removePickedCopies() {
  for (const d of bigFileDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

// ---- long tasks ---------------------------------------------------------------------------------

interface TaskLog {
  since: number;
  /** When the page's load event fired: tasks before it are the app starting, counted apart. */
  loadedAt: number | null;
  tasks: { start: number; ms: number }[];
}

/**
 * Installed before every load (addInitScript): Chrome's Long Tasks API, buffered so tasks from the
 * page's start are seen too. A reset marks the time; only tasks that start after it count, so a
 * task that ran before the reset (reported asynchronously, after it) is never charged to the input.
 */
export async function installTaskLog(page: Page) {
  await page.addInitScript(() => {
    const log: TaskLog = { since: 0, loadedAt: null, tasks: [] };
    (window as unknown as { __hostileTasks: TaskLog }).__hostileTasks = log;
    addEventListener('load', () => (log.loadedAt = performance.now()));
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) log.tasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Forgets the tasks so far (a reload starts a fresh log at 0: the page's own load counts). */
export async function resetTasks(page: Page) {
  await page.evaluate(() => {
    const log = (window as unknown as { __hostileTasks: TaskLog }).__hostileTasks;
    log.since = performance.now();
    log.tasks = [];
  });
}

/**
 * The longest task since the reset, after a pause so the last ones have been reported, and the
 * longest of the app's own start-up when the input reloaded the page (the bundle's evaluation, the
 * first render: there with any stored state, so reported apart, not charged to the input).
 */
export async function longestTask(page: Page): Promise<{ ms: number; startupMs: number | null }> {
  await page.waitForTimeout(300);
  return page.evaluate(() => {
    const log = (window as unknown as { __hostileTasks: TaskLog }).__hostileTasks;
    const from = Math.max(log.since, log.loadedAt ?? 0);
    const longest = (ts: { ms: number }[]) => Math.round(Math.max(0, ...ts.map((t) => t.ms)));
    return {
      ms: longest(log.tasks.filter((t) => t.start >= from)),
      startupMs: log.since === 0 ? longest(log.tasks.filter((t) => t.start < from)) : null,
    };
  });
}

/** The tasks since the reset as [ms after the reset, duration] (HOSTILE_DEBUG prints them). */
export async function tasksSinceReset(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => {
    const log = (window as unknown as { __hostileTasks: TaskLog }).__hostileTasks;
    return log.tasks
      .filter((t) => t.start >= log.since)
      .map((t) => [Math.round(t.start - log.since), Math.round(t.ms)]);
  });
}

// ---- the origin's storage ------------------------------------------------------------------------

/**
 * Everything the origin stores, one entry per record, each as a SHA-256 of its canonical form:
 * localStorage keys, IndexedDB records (db/store/key), OPFS files, Cache Storage entries, each as a
 * 53-bit hash of its canonical form. Binary values (weights, moments) are hashed byte for byte.
 */
export async function snapshotStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    const out: Record<string, string> = {};
    // cyrb53: a fast 53-bit hash, enough to tell a changed record from an unchanged one; run
    // synchronously so 100,000 records hash in a second, not a promise per value.
    const hash = (feed: (mix: (x: number) => void) => void) => {
      let h1 = 0xdeadbeef;
      let h2 = 0x41c6ce57;
      feed((x) => {
        h1 = Math.imul(h1 ^ x, 2654435761);
        h2 = Math.imul(h2 ^ x, 1597334677);
      });
      h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
      h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
      return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
    };
    const hashText = (s: string) =>
      hash((mix) => {
        for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
      });
    const hashBytes = (b: Uint8Array) =>
      `${b.length}:${hash((mix) => {
        for (let i = 0; i < b.length; i++) mix(b[i]);
      })}`;
    const blobs: Blob[] = [];
    // A canonical text of a structured-clone value; binary parts are hashed byte for byte, Blobs
    // are listed and hashed after (they read asynchronously).
    const canon = (v: unknown): string => {
      if (v instanceof Blob) return `blob#${blobs.push(v) - 1}`;
      if (v instanceof ArrayBuffer) return `ab:${hashBytes(new Uint8Array(v))}`;
      if (ArrayBuffer.isView(v)) return `view:${hashBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`;
      if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
      if (v instanceof Map) return `map{${canon([...v.entries()])}}`;
      if (v instanceof Date) return `date:${v.toISOString()}`;
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
          .join(',')}}`;
      }
      return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
    };
    const value = async (v: unknown) => {
      blobs.length = 0;
      const c = canon(v);
      const parts = [c];
      for (const b of blobs) parts.push(hashBytes(new Uint8Array(await b.arrayBuffer())));
      return hashText(parts.join('|'));
    };
    const text = async (s: string) => hashText(s);
    const digest = async (b: ArrayBuffer) => hashBytes(new Uint8Array(b));

    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      out[`ls:${k}`] = await text(localStorage.getItem(k) ?? '');
    }
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const [keys, values] = await new Promise<[IDBValidKey[], unknown[]]>((res, rej) => {
            const tx = db.transaction(store);
            const s = tx.objectStore(store);
            const k = s.getAllKeys();
            const v = s.getAll();
            tx.oncomplete = () => res([k.result, v.result]);
            tx.onerror = () => rej(tx.error);
          });
          for (let i = 0; i < keys.length; i++)
            out[`idb:${name}/${store}/${JSON.stringify(keys[i])}`] = await value(values[i]);
        }
      } finally {
        db.close();
      }
    }
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      for (const req of await cache.keys()) {
        const res = await cache.match(req);
        out[`cache:${key} ${req.url}`] = res ? await digest(await res.arrayBuffer()) : 'none';
      }
    }
    type Dir = { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
      for await (const [name, h] of (dir as unknown as Dir).entries()) {
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${path}/${name}`);
        else
          out[`opfs:${path}/${name}`] = await digest(await (await (h as FileSystemFileHandle).getFile()).arrayBuffer());
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    return out;
  });
}

/**
 * What changed between two snapshots: records removed or changed always count; added ones count
 * unless the input may add (good data); keys matching `skip` (what the input itself wrote) never.
 */
export function storageChanges(
  before: Record<string, string>,
  after: Record<string, string>,
  opts: { adds?: boolean; skip?: RegExp } = {},
): string[] {
  const out: string[] = [];
  const skipped = (k: string) => opts.skip?.test(k) === true;
  for (const [k, h] of Object.entries(before)) {
    if (skipped(k)) continue;
    if (!(k in after)) out.push(`removed ${k}`);
    else if (after[k] !== h) out.push(`changed ${k}`);
  }
  if (!opts.adds) for (const k of Object.keys(after)) if (!(k in before) && !skipped(k)) out.push(`added ${k}`);
  return out;
}

// ---- messages ------------------------------------------------------------------------------------

/** The text shown where a message goes ('' when nothing is). */
export async function readMessage(where: Locator): Promise<string> {
  // Text without the buttons beside it (a notice's "Dismiss"), and of the innermost elements where
  // one matched element holds another (a notice and its paragraph): what the message says.
  const parts = await where
    .evaluateAll((els) =>
      els
        .filter((e) => !els.some((o) => o !== e && e.contains(o)))
        .map((e) => {
          const c = e.cloneNode(true) as Element;
          // A notice's own buttons are not its message (a study's name in a list is a button: kept).
          if (e.matches('.notice, [role="status"], [role="alert"]'))
            c.querySelectorAll('button').forEach((b) => b.remove());
          return c.textContent ?? '';
        }),
    )
    .catch(() => [] as string[]);
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join(' | ');
}

/**
 * Waits for the input's message: its text matching `expect`, or else any new text that then holds
 * still for 1.5 s (a different message: read, and the row fails on it), or nothing by the timeout.
 */
export async function waitForMessage(where: Locator, before: string, want: RegExp, timeoutMs: number) {
  const read = () => readMessage(where);
  const t0 = Date.now();
  let seen = '';
  let seenAt = 0;
  for (;;) {
    const now = await read().catch(() => '');
    if (want.test(now)) return now;
    if (now !== '' && now !== before) {
      if (now !== seen) [seen, seenAt] = [now, Date.now()];
      else if (Date.now() - seenAt > 1500) return now;
    }
    if (Date.now() - t0 > timeoutMs) return now === before ? '' : now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A field's message in the settings panels: the error (or the note) under the box with this test id. */
export const fieldError = (page: Page, testId: string) =>
  page.locator('.field', { has: page.getByTestId(testId) }).locator('.field__error, .field__note');

/** Any message the page shows (notices, alerts, errors) that speaks of `about`: for the reload inputs. */
export const anyNotice = (page: Page, about: RegExp) =>
  page
    .locator(
      '.notice p, [role="status"], [role="alert"], .field__error, [data-testid$="-notice"], [data-testid$="-error"]',
    )
    .filter({ hasText: about });

// ---- the table -----------------------------------------------------------------------------------

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

export function markdownTable(rows: Row[]): string {
  const head =
    '| # | class | input | message | chars | longest task ms | user data unchanged |\n' +
    '|---|---|---|---|---|---|---|\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.n} | ${r.cls} | ${cell(r.input)} | ${cell(r.message || '(no message)')} | ${r.chars} | ` +
          `${r.longestTaskMs}${r.startupMs != null ? ` (start-up ${r.startupMs})` : ''} | ${r.unchanged ? 'yes' : 'NO'} |`,
      )
      .join('\n') +
    '\n'
  );
}

/** The row's problems against the issue's bounds: a message that says what is wrong, short, fast. */
export function judge(
  input: HostileInput,
  message: string,
  ms: number,
  changes: string[],
  maxMs = MAX_TASK_MS,
): string[] {
  const p: string[] = [];
  if (message === '') p.push('no message shown');
  else if (!input.expect.test(message)) p.push(`message does not match ${input.expect}`);
  if (message.length >= MAX_MESSAGE_CHARS) p.push(`message has ${message.length} characters`);
  if (ms >= maxMs) p.push(`a main-thread task of ${ms} ms (bound ${maxMs} ms)`);
  if (changes.length > 0) p.push(`storage: ${changes.slice(0, 3).join('; ')}${changes.length > 3 ? ' …' : ''}`);
  return p;
}

export { expect };
