import { describe, expect, it } from 'vitest';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { createLocalSettings, notRememberedNotice, type KeyValueStorage } from './local-settings';
import { createUiSettingsStore, UI_SETTINGS_KEY } from './ui-settings';
import { settingsStorageOver, SETTINGS_BACKUP_KEY, SETTINGS_KEY } from './run';
import { MAX_MESSAGE_CHARS } from '../core/bounded-text';

/**
 * A Web Storage stand-in with a quota in characters (keys + values, as browsers count it): a write
 * that would pass it throws QuotaExceededError and changes nothing, as localStorage does.
 */
class QuotaStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  writes = 0;
  constructor(private readonly quota: number) {}
  get length() {
    return this.data.size;
  }
  key(i: number) {
    return [...this.data.keys()][i] ?? null;
  }
  used() {
    let n = 0;
    for (const [k, v] of this.data) n += k.length + v.length;
    return n;
  }
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.writes++;
    const after = this.used() - (this.data.has(k) ? k.length + this.data.get(k)!.length : 0) + k.length + v.length;
    if (after > this.quota)
      throw new DOMException(`Setting the value of '${k}' exceeded the quota.`, 'QuotaExceededError');
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

/** Another app on the origin filled the storage to its quota before the studio loaded. */
function fullStorage(): QuotaStorage {
  const s = new QuotaStorage(10_000);
  s.setItem('other-app/cache', 'x'.repeat(10_000 - 'other-app/cache'.length));
  expect(s.used()).toBe(10_000);
  return s;
}

const FULL_REASON =
  'localStorage is full (QuotaExceededError; 10,000 characters stored, 10,000 of them under "other-app/cache")';

describe('createLocalSettings over a full localStorage', () => {
  it('never throws, reads its own refused writes back from memory, and reports the refusal once', () => {
    const backing = fullStorage();
    const heard: string[] = [];
    const ls = createLocalSettings(
      () => backing,
      (r) => heard.push(r),
    );
    expect(ls.refusal).toBeNull();
    expect(ls.getItem('studio/a')).toBeNull(); // reads work: nothing stored yet
    expect(ls.setItem('studio/a', '{"theme":"dark"}')).toBe(false);
    expect(ls.getItem('studio/a')).toBe('{"theme":"dark"}'); // this page goes on with it
    expect(ls.setItem('studio/a', '{"theme":"light"}')).toBe(false);
    expect(ls.setItem('studio/b', '1')).toBe(false);
    expect(ls.getItem('studio/a')).toBe('{"theme":"light"}');
    expect(heard).toEqual([FULL_REASON]); // three refusals, one report
    expect(ls.refusal).toBe(FULL_REASON);
    expect(backing.writes).toBe(4); // the filler, then each write was tried (space may free up)
    // The other app's data is untouched.
    expect(backing.getItem('other-app/cache')!.length).toBe(10_000 - 'other-app/cache'.length);
    expect(backing.getItem('studio/a')).toBeNull();
    const notice = notRememberedNotice(FULL_REASON);
    expect(notice).toBe(
      'Settings will not be remembered in this browser: localStorage is full (QuotaExceededError; 10,000 characters stored, 10,000 of them under "other-app/cache"). They apply until this page is closed.',
    );
    expect(notice.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });

  it('writes to the browser again once space frees, and the browser value wins from then on', () => {
    const backing = fullStorage();
    const ls = createLocalSettings(() => backing);
    expect(ls.setItem('k', 'in memory')).toBe(false);
    backing.removeItem('other-app/cache');
    expect(ls.setItem('k', 'kept')).toBe(true);
    expect(backing.getItem('k')).toBe('kept');
    expect(ls.getItem('k')).toBe('kept');
    ls.removeItem('k');
    expect(ls.getItem('k')).toBeNull();
  });

  it('clips a huge key name in the reason (the notice stays short)', () => {
    const s = new QuotaStorage(100_000);
    const key = 'k'.repeat(50_000);
    s.setItem(key, 'v'.repeat(50_000));
    const ls = createLocalSettings(() => s);
    ls.setItem('x', 'y');
    expect(notRememberedNotice(ls.refusal!).length).toBeLessThan(300);
  });
});

describe('createLocalSettings when the browser refuses storage altogether', () => {
  it('access itself throws SecurityError: everything in memory, one report naming the error', () => {
    const heard: string[] = [];
    const ls = createLocalSettings(
      () => {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
      (r) => heard.push(r),
    );
    expect(ls.getItem('a')).toBeNull();
    expect(ls.setItem('a', '1')).toBe(false);
    expect(ls.getItem('a')).toBe('1');
    ls.removeItem('a');
    expect(ls.getItem('a')).toBeNull();
    expect(heard).toEqual(['the browser refuses localStorage (SecurityError: Access is denied for this document.)']);
  });

  it('getItem and setItem throw: reads are "nothing saved", writes stay in memory', () => {
    const hostile: KeyValueStorage = {
      getItem() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      setItem() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      removeItem() {
        throw new Error('nope');
      },
    };
    const heard: string[] = [];
    const ls = createLocalSettings(
      () => hostile,
      (r) => heard.push(r),
    );
    expect(ls.getItem('a')).toBeNull();
    expect(() => ls.removeItem('a')).not.toThrow();
    expect(ls.setItem('a', '1')).toBe(false);
    expect(ls.getItem('a')).toBe('1');
    expect(heard).toEqual(['the browser refuses localStorage (SecurityError: The operation is insecure.)']);
  });

  it('no storage at all (Node): memory only, and nothing to say', () => {
    const heard: string[] = [];
    const ls = createLocalSettings(
      () => null,
      (r) => heard.push(r),
    );
    expect(ls.setItem('a', '1')).toBe(false);
    expect(ls.getItem('a')).toBe('1');
    expect(heard).toEqual([]);
  });
});

describe('stores over the layer with localStorage full', () => {
  it("zustand's persist (createJSONStorage) keeps working: set never throws, state is in memory", () => {
    const backing = fullStorage();
    const ls = createLocalSettings(() => backing);
    // Without the layer, persist's write throws out of set() (what ended the sweep in error).
    const raw = create<{ n: number }>()(
      persist(() => ({ n: 0 }), { name: 'raw', storage: createJSONStorage(() => backing) }),
    );
    expect(() => raw.setState({ n: 1 })).toThrow(/quota/);
    const safe = create<{ n: number }>()(
      persist(() => ({ n: 0 }), { name: 'studio/x', storage: createJSONStorage<{ n: number }, unknown>(() => ls) }),
    );
    expect(() => safe.setState({ n: 2 })).not.toThrow();
    expect(safe.getState().n).toBe(2);
    expect(ls.getItem('studio/x')).toBe('{"state":{"n":2},"version":0}');
  });

  it('the page look: the choice applies and the store says it was not saved', () => {
    const ls = createLocalSettings(() => fullStorage());
    const store = createUiSettingsStore(ls);
    store.getState().setTheme('dark');
    expect(store.getState().theme).toBe('dark');
    expect(store.getState().saveError).toBe(
      `not saved in this browser (${FULL_REASON}); it applies until the page is closed`,
    );
    expect(ls.getItem(UI_SETTINGS_KEY)).toBe('{"theme":"dark","showDetails":false}');
  });

  it('corrupted run settings with no room for their backup: the notice says where they still are', () => {
    const backing = fullStorage();
    backing.removeItem('other-app/cache');
    backing.setItem(SETTINGS_KEY, '{"state":{"settings":{"learningRate":"fast"}}}');
    backing.setItem('other-app/cache', 'x'.repeat(10_000 - backing.used() - 'other-app/cache'.length));
    const ls = createLocalSettings(() => backing);
    const loaded = settingsStorageOver(ls).getItem(SETTINGS_KEY) as { state: { settingsNotice: string } };
    expect(loaded.state.settingsNotice).toMatch(
      /^Saved settings could not be used \(.*learningRate.*\), so the defaults are loaded\. It could not be backed up \(localStorage is full \(QuotaExceededError; .*\)\); it is still under "training-studio\/settings\/v1" until you change a setting\.$/,
    );
    expect(loaded.state.settingsNotice.length).toBeLessThan(MAX_MESSAGE_CHARS);
    expect(backing.getItem(SETTINGS_BACKUP_KEY)).toBeNull();
    expect(backing.getItem(SETTINGS_KEY)).toBe('{"state":{"settings":{"learningRate":"fast"}}}'); // untouched
  });
});
