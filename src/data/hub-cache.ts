// A page cache for the Hub rows API in IndexedDB (through idb), so reloading the page, or loading
// the same split again, costs no network: Hub datasets do not change under a revision the way a
// training session would notice, and the rows API is rate-limited.
//
// Its own database, not the studies' one (sweep/persist/study-database.ts): the two have separate schemas and
// lifetimes, and clearing the cache must never touch a study.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { HubPage } from './hub';

export const HUB_CACHE_DB = 'training-studio-hub-cache';
const DB_VERSION = 1;

/** What loadHubRows needs of a cache; a failing cache is treated as a miss, never as a failed load. */
export interface HubPageCache {
  get(key: string): Promise<HubPage | undefined>;
  put(key: string, page: HubPage): Promise<void>;
}

export interface HubPageKeyParts {
  endpoint: string;
  dataset: string;
  config: string;
  split: string;
  offset: number;
  length: number;
}

/** endpoint|dataset|config|split|offset|length: one rows-API request, exactly. */
export function hubPageKey(p: HubPageKeyParts): string {
  return [p.endpoint.replace(/\/+$/, ''), p.dataset, p.config, p.split, p.offset, p.length].join('|');
}

interface CacheSchema extends DBSchema {
  pages: { key: string; value: { key: string; page: HubPage; savedAt: number } };
}

export interface IdbHubCache extends HubPageCache {
  /** Pages stored. */
  count(): Promise<number>;
  /** Drops every page (a user action: "clear cached Hub data"). */
  clear(): Promise<void>;
  close(): void;
}

/** Opens (creating on first use) the cache database; tests pass a fresh name under fake-indexeddb. */
export async function openHubCache(name = HUB_CACHE_DB, now: () => number = Date.now): Promise<IdbHubCache> {
  const db: IDBPDatabase<CacheSchema> = await openDB<CacheSchema>(name, DB_VERSION, {
    upgrade(d) {
      if (!d.objectStoreNames.contains('pages')) d.createObjectStore('pages', { keyPath: 'key' });
    },
  });
  return {
    async get(key) {
      return (await db.get('pages', key))?.page;
    },
    async put(key, page) {
      await db.put('pages', { key, page, savedAt: now() });
    },
    count: () => db.count('pages'),
    clear: () => db.clear('pages'),
    close: () => db.close(),
  };
}
