// The Sweep tab's config as kept in localStorage, checked whole on load. A stored config that does
// not validate (an unknown sampler, pruner or objective, a bad search space, a direction against
// its objective) is never half-used: the page would show one thing (a select falls back to its
// first option) while the sweep ran another (createSweepStudy's last `else`). Instead the defaults
// are loaded, the stored value is copied to SWEEP_CONFIG_BACKUP_KEY before anything can overwrite
// it, and a notice names the first problem — as store/run.ts does for the run settings.
import type { PersistStorage, StorageValue } from 'zustand/middleware';
import { clipText } from '../core/bounded-text';
import { errorMessage } from '../core/errors';
import {
  DEFAULT_SWEEP,
  objectiveDirection,
  OBJECTIVES,
  PRUNER_KINDS,
  SAMPLER_KINDS,
  validateSearchSpace,
  type SweepConfig,
  type SweepObjective,
} from '../sweep/studio/default-study';
import type { LocalSettings } from './local-settings';

export const SWEEP_CONFIG_KEY = 'training-studio/sweep-config/v1';
/** Where an unusable stored config is kept, so loading the defaults never destroys it. */
export const SWEEP_CONFIG_BACKUP_KEY = `${SWEEP_CONFIG_KEY}/invalid-backup`;
/** persist's version of the stored value (zustand's default: the key carries the real version). */
export const SWEEP_CONFIG_VERSION = 0;

/** Issues listed one by one; the rest are counted. */
const MAX_LISTED = 5;

/** A stored value in a message: JSON, clipped (a stored string may be megabytes long). */
const shown = (v: unknown) => {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return clipText(s, 60);
};
const oneOf = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

/** Every problem of a sweep config, each naming its field; empty when the sweep can run it. */
function allIssues(c: SweepConfig): string[] {
  const issues: string[] = [];
  if (!OBJECTIVES.includes(c.objective))
    issues.push(`objective must be one of ${oneOf(OBJECTIVES)}, got ${shown(c.objective)}`);
  else if (c.direction !== objectiveDirection(c.objective))
    issues.push(
      `direction ${shown(c.direction)} is not the objective's: ${c.objective} is to ${objectiveDirection(c.objective)}`,
    );
  if (!SAMPLER_KINDS.includes(c.sampler))
    issues.push(`sampler must be one of ${oneOf(SAMPLER_KINDS)}, got ${shown(c.sampler)}`);
  if (!PRUNER_KINDS.includes(c.pruner))
    issues.push(`pruner must be one of ${oneOf(PRUNER_KINDS)}, got ${shown(c.pruner)}`);
  if (!Number.isSafeInteger(c.nTrials) || c.nTrials < 1)
    issues.push(`trials must be a positive integer, got ${shown(c.nTrials)}`);
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed >= 2 ** 32)
    issues.push(`seed must be an integer in [0, 2^32), got ${shown(c.seed)}`);
  for (const i of validateSearchSpace(c.searchSpace)) issues.push(`search space: ${clipText(i.message, 200)}`);
  return issues;
}

/** The problems the Sweep tab lists: the first MAX_LISTED, then a count of the rest. */
export function sweepConfigIssues(c: SweepConfig): string[] {
  const issues = allIssues(c);
  if (issues.length <= MAX_LISTED) return issues;
  return [...issues.slice(0, MAX_LISTED), `and ${(issues.length - MAX_LISTED).toLocaleString('en-US')} more problems`];
}

export type StoredSweepCheck = { ok: true; config: SweepConfig } | { ok: false; problem: string };

/**
 * Parses what is stored under SWEEP_CONFIG_KEY ({state: {config}, version}). Fields a newer config
 * added take their defaults (an older save is still the user's), unknown fields are dropped, and
 * a direction missing from an old save follows the objective; the result must have no issues.
 */
export function checkStoredSweepConfig(raw: string): StoredSweepCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${clipText(errorMessage(err), 120)})` };
  }
  const state = (parsed as { state?: unknown } | null)?.state;
  const stored = (state as { config?: unknown } | null | undefined)?.config;
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored))
    return { ok: false, problem: 'no sweep config object in the stored value' };
  const s = stored as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_SWEEP) as (keyof SweepConfig)[])
    merged[key] = key in s ? s[key] : DEFAULT_SWEEP[key];
  if (!('direction' in s) && OBJECTIVES.includes(merged.objective as SweepObjective))
    merged.direction = objectiveDirection(merged.objective as SweepObjective);
  const config = merged as unknown as SweepConfig;
  const issues = allIssues(config);
  if (issues.length > 0) {
    const more = issues.length > 1 ? ` (and ${(issues.length - 1).toLocaleString('en-US')} more)` : '';
    return { ok: false, problem: `${issues[0]}${more}` };
  }
  return { ok: true, config };
}

/** What persist keeps of the Sweep tab (the config) and what a load hands back (or a notice). */
export interface PersistedSweep {
  config?: SweepConfig;
  configNotice?: string | null;
}

/**
 * The sweep config's persist storage over the page's safe layer: never throws, validates on read,
 * backs an unusable value up, writes only a config without issues, and skips identical writes (persist writes on every state change,
 * a sweep's progress included).
 */
export function sweepConfigStorage(ls: LocalSettings): PersistStorage<PersistedSweep> {
  let lastWritten: string | null = null;
  return {
    getItem(name): StorageValue<PersistedSweep> | null {
      const raw = ls.getItem(name);
      if (raw === null) return null;
      const checked = checkStoredSweepConfig(raw);
      if (checked.ok) {
        lastWritten = raw;
        return { state: { config: checked.config, configNotice: null }, version: SWEEP_CONFIG_VERSION };
      }
      const kept = ls.setItem(SWEEP_CONFIG_BACKUP_KEY, raw)
        ? `The saved value is kept in localStorage under "${SWEEP_CONFIG_BACKUP_KEY}".`
        : `It could not be backed up (${ls.refusal ?? 'the browser refused'}); it is still under "${name}" until you change a sweep setting.`;
      const notice = `Saved sweep settings could not be used (${checked.problem}), so the defaults are loaded and the sweep uses them. ${kept}`;
      return { state: { configNotice: notice }, version: SWEEP_CONFIG_VERSION };
    },
    setItem(name, value) {
      // Only a config the sweep can run is stored: while a field shows its issue (trials 0 typed on
      // the way to 10) the last sound config stays, so a reload never meets its own typo as a
      // "corrupted" saved value.
      const config = value.state.config;
      if (config === undefined || allIssues(config).length > 0) return;
      const json = JSON.stringify({ state: { config: value.state.config }, version: value.version });
      if (json === lastWritten) return;
      ls.setItem(name, json); // refused: kept in memory by the layer, and said once
      lastWritten = json;
    },
    removeItem(name) {
      ls.removeItem(name);
    },
  };
}
