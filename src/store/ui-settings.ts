// How the page looks, not what it trains: the colour theme (follow the system, or force light or
// dark) and whether internals (checksums, raw byte counts) are shown. Kept in localStorage apart
// from the run settings, so a theme change never touches a RunSpec. Storage is best effort: a
// browser that refuses reads or writes (privacy mode, quota) still gets a working page, and the
// store says the choice was not saved instead of throwing.
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import { errorMessage } from '../core/errors';
import { localSettings } from './local-settings';

export type ThemePreference = 'system' | 'light' | 'dark';
export const THEME_PREFERENCES: readonly ThemePreference[] = ['system', 'light', 'dark'];

export interface UiSettings {
  theme: ThemePreference;
  /** Show internals: parameter checksums, raw byte counts. */
  showDetails: boolean;
}

export const DEFAULT_UI_SETTINGS: UiSettings = { theme: 'system', showDetails: false };
export const UI_SETTINGS_KEY = 'training-studio/ui-settings/v1';

export interface UiSettingsStore extends UiSettings {
  /** Why the last change could not be saved (it still applies to this page), else null. */
  saveError: string | null;
  setTheme(theme: ThemePreference): void;
  setShowDetails(show: boolean): void;
}

/**
 * The part of Storage the store uses (a fake in tests). The page's safe layer
 * (store/local-settings.ts) never throws and answers false for a write it kept in memory only.
 */
export type UiStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): boolean | void;
  /** Why the browser refused (the safe layer's), when it did. */
  readonly refusal?: string | null;
};

/**
 * Reads a stored value field by field: a field that is missing or not one of its allowed values
 * takes its default, the others are kept (one bad field does not reset the rest).
 */
export function parseUiSettings(raw: string | null): UiSettings {
  if (raw === null) return { ...DEFAULT_UI_SETTINGS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ...DEFAULT_UI_SETTINGS };
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  return {
    theme: THEME_PREFERENCES.includes(o.theme as ThemePreference)
      ? (o.theme as ThemePreference)
      : DEFAULT_UI_SETTINGS.theme,
    showDetails: typeof o.showDetails === 'boolean' ? o.showDetails : DEFAULT_UI_SETTINGS.showDetails,
  };
}

function read(storage: UiStorage | null): UiSettings {
  try {
    return parseUiSettings(storage?.getItem(UI_SETTINGS_KEY) ?? null);
  } catch {
    return { ...DEFAULT_UI_SETTINGS }; // getItem itself threw (storage disabled)
  }
}

/** A store over `storage` (null: nothing is saved, e.g. in Node). */
export function createUiSettingsStore(storage: UiStorage | null): UseBoundStore<StoreApi<UiSettingsStore>> {
  return create<UiSettingsStore>()((set, get) => {
    const save = (patch: Partial<UiSettings>) => {
      const next: UiSettings = { theme: get().theme, showDetails: get().showDetails, ...patch };
      let saveError: string | null = null;
      const refused = (why: string) => `not saved in this browser (${why}); it applies until the page is closed`;
      try {
        if (storage?.setItem(UI_SETTINGS_KEY, JSON.stringify(next)) === false)
          saveError = refused(storage.refusal ?? 'the browser refused');
      } catch (err) {
        saveError = refused(errorMessage(err));
      }
      set({ ...next, saveError });
    };
    return {
      ...read(storage),
      saveError: null,
      setTheme: (theme) => save({ theme }),
      setShowDetails: (showDetails) => save({ showDetails }),
    };
  });
}

// The page's safe layer: a full or refused localStorage is said once for all settings, and here.
export const useUiSettings = createUiSettingsStore(localSettings);
