// The colour theme on the page: the user's choice (store/ui-settings: system, light or dark)
// resolved against the system's `prefers-color-scheme`, written to <html data-theme> where the CSS
// custom properties in styles.css switch on it. The attribute is written BEFORE React hears of a
// change, so a chart re-rendering for the new theme reads the new variables (chart-kit's
// useChartColors reads them with getComputedStyle).
import { useSyncExternalStore } from 'react';
import { useUiSettings, type ThemePreference } from '../store/ui-settings';

export type Theme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export const resolveTheme = (pref: ThemePreference, systemDark: boolean): Theme =>
  pref === 'system' ? (systemDark ? 'dark' : 'light') : pref;

let current: Theme = 'light';
const listeners = new Set<() => void>();

function apply(pref: ThemePreference, systemDark: boolean) {
  const next = resolveTheme(pref, systemDark);
  const root = document.documentElement;
  if (root.dataset.theme === next && current === next) return;
  root.dataset.theme = next;
  current = next;
  for (const l of listeners) l();
}

/**
 * Applies the theme now and follows both the stored choice and the system setting from here on.
 * Call once, before the first render. Returns a function that stops following.
 */
export function startThemeSync(): () => void {
  const media = typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null;
  const systemDark = () => media?.matches === true;
  apply(useUiSettings.getState().theme, systemDark());
  const onSystem = () => apply(useUiSettings.getState().theme, systemDark());
  media?.addEventListener('change', onSystem);
  const unsubscribe = useUiSettings.subscribe((s) => apply(s.theme, systemDark()));
  return () => {
    media?.removeEventListener('change', onSystem);
    unsubscribe();
  };
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The theme in effect ('light' until startThemeSync runs). */
export const useTheme = (): Theme => useSyncExternalStore(subscribe, () => current);
