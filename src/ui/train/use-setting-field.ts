// A numeric run setting as a NumberField takes it: its value, its commit (through the store, which
// keeps only valid specs), the store's message when the last edit was refused, and what the chosen
// model and the loaded data say of it (app/run-settings-check.ts): an issue the run cannot honour
// (Start refuses with the same words) or a note on what the run will really do.
import { useMemo } from 'react';
import type { RunSpec } from '../../train/spec';
import type { SettingsCheck } from '../../train/settings-check';
import { checkPageSettings } from '../../app/run-settings-check';
import { useRunStore } from '../../store/run';
import { useModelStore } from '../../store/model';
import { useDataStore } from '../../store/data';

export type NumericKey = { [K in keyof RunSpec]: RunSpec[K] extends number ? K : never }[keyof RunSpec];

/** The current settings against the chosen model (base or preset) and the loaded data, re-checked as either changes. */
export function useSettingsCheck(): SettingsCheck {
  const settings = useRunStore((s) => s.settings);
  const base = useModelStore((s) => s.base);
  const trainPairs = useDataStore((s) => s.trainPairs);
  const validationPairs = useDataStore((s) => s.validationPairs);
  return useMemo(
    () => checkPageSettings(settings, base, { trainPairs, validationPairs }),
    [settings, base, trainPairs, validationPairs],
  );
}

/** `{...field('batchSize')}` gives a NumberField the setting's value, onCommit, error and note. */
export function useSettingField(): (key: NumericKey) => {
  value: number;
  onCommit: (v: number) => void;
  error: string | undefined;
  note: string | undefined;
} {
  const settings = useRunStore((s) => s.settings);
  const fieldErrors = useRunStore((s) => s.fieldErrors);
  const setSetting = useRunStore((s) => s.setSetting);
  const check = useSettingsCheck();
  return (key) => ({
    value: settings[key],
    onCommit: (v) => {
      setSetting(key, v);
    },
    // A refused edit first (the value on screen is not in the settings), then what the model or data says.
    error: fieldErrors[key] ?? check.issues[key],
    note: check.notes[key],
  });
}
