// How the page looks, in the header: the colour theme (follow the system, or light or dark) and
// the Details switch that shows internals (parameter checksums, raw byte counts). Both are kept in
// localStorage by store/ui-settings; when the browser refuses the write, the choice still applies
// and the reason is shown here.
import { useId } from 'react';
import { THEME_PREFERENCES, useUiSettings, type ThemePreference } from '../store/ui-settings';

const THEME_LABELS: Record<ThemePreference, string> = {
  system: 'System',
  light: 'Light',
  dark: 'Dark',
};

export function PagePreferences() {
  const theme = useUiSettings((s) => s.theme);
  const showDetails = useUiSettings((s) => s.showDetails);
  const saveError = useUiSettings((s) => s.saveError);
  const setTheme = useUiSettings((s) => s.setTheme);
  const setShowDetails = useUiSettings((s) => s.setShowDetails);
  const id = useId();
  return (
    <div className="prefs" role="group" aria-label="Page preferences">
      <label htmlFor={`${id}-theme`}>
        Theme
        <select
          id={`${id}-theme`}
          data-testid="theme-select"
          value={theme}
          onChange={(e) => setTheme(e.target.value as ThemePreference)}
        >
          {THEME_PREFERENCES.map((t) => (
            <option key={t} value={t}>
              {THEME_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      <label title="Parameter checksums and raw byte counts">
        <input
          type="checkbox"
          data-testid="details-toggle"
          checked={showDetails}
          onChange={(e) => setShowDetails(e.target.checked)}
        />
        Details
      </label>
      {saveError && (
        <span className="prefs__error" role="status" data-testid="prefs-error">
          {saveError}
        </span>
      )}
    </div>
  );
}
