// Start refuses settings the chosen model cannot honour, in the words the settings panel shows
// under the field (app/run-settings-check.ts), and keeps the value the user typed.
import { afterEach, describe, expect, it } from 'vitest';
import { useRunStore } from './run';
import { useDataStore } from './data';
import { checkPageSettings } from '../app/run-settings-check';
import type { Pair } from '../core/example';

const pairs = (n: number): Pair[] => Array.from({ length: n }, (_, i) => ({ input: `doc ${i}`, target: `sum ${i}` }));

afterEach(() => {
  useRunStore.getState().resetSettings();
  useRunStore.setState({ status: 'idle', error: null });
});

describe('Start against the chosen model', () => {
  it('refuses lengths past the fresh preset, with the field issue, and keeps the typed value', () => {
    const train = pairs(20);
    useDataStore.setState({ source: { kind: 'pairs', name: 't', train }, trainPairs: train, validationPairs: null });
    const run = useRunStore.getState();
    expect(run.settings.preset).toBe('small');
    expect(run.setSetting('maxSourceLength', 600)).toBe(true); // a valid value alone: kept, flagged below
    const issue = checkPageSettings(useRunStore.getState().settings, null, useDataStore.getState()).issues
      .maxSourceLength;
    expect(issue).toBe(
      'max source 600 + max target 64 + 10 template tokens = 674 positions, but the fresh small preset has 640: keep max source + max target at most 630',
    );
    useRunStore.getState().start(); // refused before any worker exists (Node has none to spawn)
    const after = useRunStore.getState();
    expect(after.status).toBe('error');
    expect(after.error).toBe(`Fix the settings first: ${issue}`);
    expect(after.settings.maxSourceLength).toBe(600);
  });

  it('refuses max steps of 1e15 as the field is typed, keeping the last valid value', () => {
    expect(useRunStore.getState().setSetting('maxSteps', 1e15)).toBe(false);
    const s = useRunStore.getState();
    expect(s.fieldErrors.maxSteps).toBe(
      'maxSteps must be an integer in [0, 1000000] (0 = all epochs; a browser tab runs a few steps a second, so a million is most of a day), got 1000000000000000',
    );
    expect(s.settings.maxSteps).toBe(0);
  });
});
