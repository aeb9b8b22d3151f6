import { describe, expect, it } from 'vitest';
import {
  createUiSettingsStore,
  DEFAULT_UI_SETTINGS,
  parseUiSettings,
  UI_SETTINGS_KEY,
  type UiStorage,
} from './ui-settings';

class MemoryStorage implements UiStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

describe('parseUiSettings', () => {
  it('keeps each valid field and defaults each bad one on its own', () => {
    expect(parseUiSettings(null)).toEqual(DEFAULT_UI_SETTINGS);
    expect(parseUiSettings('{not json')).toEqual(DEFAULT_UI_SETTINGS);
    expect(parseUiSettings('"dark"')).toEqual(DEFAULT_UI_SETTINGS);
    expect(parseUiSettings(JSON.stringify({ theme: 'dark', showDetails: true }))).toEqual({
      theme: 'dark',
      showDetails: true,
    });
    expect(parseUiSettings(JSON.stringify({ theme: 'purple', showDetails: true }))).toEqual({
      theme: 'system',
      showDetails: true,
    });
    expect(parseUiSettings(JSON.stringify({ theme: 'light', showDetails: 'yes' }))).toEqual({
      theme: 'light',
      showDetails: false,
    });
  });
});

describe('the UI settings store', () => {
  it('loads what was saved and saves each change', () => {
    const storage = new MemoryStorage();
    storage.setItem(UI_SETTINGS_KEY, JSON.stringify({ theme: 'light', showDetails: false }));
    const store = createUiSettingsStore(storage);
    expect(store.getState().theme).toBe('light');
    store.getState().setTheme('dark');
    store.getState().setShowDetails(true);
    expect(JSON.parse(storage.getItem(UI_SETTINGS_KEY)!)).toEqual({ theme: 'dark', showDetails: true });
    // A second page (a reload) reads the same choice.
    expect(createUiSettingsStore(storage).getState()).toMatchObject({ theme: 'dark', showDetails: true });
  });

  it('a failed write still applies the change and says it was not saved', () => {
    const storage: UiStorage = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const store = createUiSettingsStore(storage);
    store.getState().setTheme('dark');
    expect(store.getState().theme).toBe('dark');
    expect(store.getState().saveError).toMatch(/not saved.*QuotaExceededError/);
  });

  it('a storage that refuses reads gives the defaults', () => {
    const storage: UiStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => undefined,
    };
    expect(createUiSettingsStore(storage).getState()).toMatchObject(DEFAULT_UI_SETTINGS);
  });
});
