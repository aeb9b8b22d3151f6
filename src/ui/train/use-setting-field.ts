// A numeric run setting as a NumberField takes it: its value, its commit (through the store, which
// keeps only valid specs) and the store's message when the last edit was refused.
import type { RunSpec } from '../../train/spec';
import { useRunStore } from '../../store/run';

export type NumericKey = { [K in keyof RunSpec]: RunSpec[K] extends number ? K : never }[keyof RunSpec];

/** `{...field('batchSize')}` gives a NumberField the setting's value, onCommit and error. */
export function useSettingField(): (key: NumericKey) => {
  value: number;
  onCommit: (v: number) => void;
  error: string | undefined;
} {
  const settings = useRunStore((s) => s.settings);
  const fieldErrors = useRunStore((s) => s.fieldErrors);
  const setSetting = useRunStore((s) => s.setSetting);
  return (key) => ({
    value: settings[key],
    onCommit: (v) => {
      setSetting(key, v);
    },
    error: fieldErrors[key],
  });
}
