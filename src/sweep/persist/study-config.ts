// A study's config as the studio stores it ({sweep, base}: the search and the run settings every
// trial starts from), checked as a whole: the dashboard reads the objective, search space and
// trial count from it, a resume reads everything, the scale-out bundle reads both halves. The
// storage itself keeps any JSON there (a study made by code may hold anything); what comes in
// from a file is checked here before it is stored, and what is opened is checked here before
// anything reads it, so a study stored by an older version says what it lacks instead of crashing
// on `undefined.objective`.
import { clipText } from '../../core/bounded-text';
import { errorMessage } from '../../core/errors';
import { DEFAULT_SWEEP, validateSweepConfig, type SweepConfig } from '../studio/default-study';
import { defaultSpec, validateSpec, type RunSpec } from '../../train/spec';
import { at, describe, expectation, isPlainObject, say } from './issues';
import { StudyFormatError, type StudyMeta } from './study-record';

/** What a study keeps of how it was started: the sweep and the run settings it varies. */
export interface StudyConfig {
  sweep: SweepConfig;
  base: RunSpec;
}

/** The study's own fields a config must agree with (a file could pair a "minimize" study with a ROUGE sweep). */
type EngineFields = Partial<Pick<StudyMeta, 'direction' | 'sampler' | 'pruner'>>;

/** Every problem of a stored study config at `path` (e.g. "study.config"), into `out`. */
export function checkStudyConfig(out: string[], path: string, v: unknown, study: EngineFields = {}): void {
  if (!isPlainObject(v))
    return void say(out, path, expectation('the sweep config {sweep, base} (the search and the run settings)', v));
  const sweepPath = at(path, 'sweep');
  if (!isPlainObject(v.sweep)) say(out, sweepPath, expectation('the sweep settings (an object)', v.sweep));
  else {
    const found = validateSweepConfig(v.sweep);
    for (const i of found) say(out, i.field === '' ? sweepPath : `${sweepPath}.${i.field}`, i.message);
    if (found.length === 0) checkAgreement(out, sweepPath, v.sweep as unknown as SweepConfig, study);
  }
  const basePath = at(path, 'base');
  if (!isPlainObject(v.base)) say(out, basePath, expectation('the run settings (an object)', v.base));
  else {
    try {
      validateSpec(v.base);
    } catch (err) {
      // "run spec: epochs must be …": the path names the run spec already.
      say(out, basePath, errorMessage(err).replace(/^run spec: /, ''));
    }
  }
}

// The sweep's labels must say what the study does: the dashboard and the runner trust them.
function checkAgreement(out: string[], path: string, sweep: SweepConfig, study: EngineFields): void {
  const direction: unknown = study.direction;
  if ((direction === 'maximize' || direction === 'minimize') && direction !== sweep.direction)
    say(out, at(path, 'direction'), `is "${sweep.direction}" but the study is to ${direction}`);
  const samplerKind: unknown = study.sampler?.kind;
  if (typeof samplerKind === 'string' && samplerKind !== sweep.sampler)
    say(out, at(path, 'sampler'), `is "${sweep.sampler}" but the study's sampler is ${describe(samplerKind)}`);
}

/** The problems of a stored study config; empty when it is complete. */
export function studyConfigIssues(v: unknown, study: EngineFields = {}, path = 'config'): string[] {
  const out: string[] = [];
  checkStudyConfig(out, path, v, study);
  return out;
}

/**
 * The config of a stored study, checked before anything reads it; throws a StudyFormatError
 * naming the study, what it lacks and what the user can still do with it.
 */
export function studyConfigOf(meta: StudyMeta): StudyConfig {
  const issues = studyConfigIssues(meta.config, meta);
  if (issues.length > 0)
    throw new StudyFormatError(
      issues,
      `cannot open study "${clipText(String(meta.name), 60)}": its stored settings are incomplete ` +
        `(saved by an older version, or edited); export it as JSON to keep its trials, or delete it`,
    );
  return meta.config as unknown as StudyConfig;
}

const PARAM_KEYS = ['name', 'type', 'low', 'high', 'log', 'step', 'choices'] as const;
const keep = <T extends object>(v: T, keys: readonly string[]): T =>
  Object.fromEntries(
    keys
      .filter((k) => k in v && (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (v as Record<string, unknown>)[k]]),
  ) as T;

/**
 * A valid study config as it is stored: the fields this version knows (a file's extra keys, of any
 * size, are dropped as the study's own unknown keys are), and run settings from an older version
 * completed as validateSpec completes them.
 */
export function normalizedStudyConfig(config: StudyConfig): StudyConfig {
  const sweep = keep(config.sweep, Object.keys(DEFAULT_SWEEP));
  sweep.searchSpace = config.sweep.searchSpace.map((p) => keep(p, PARAM_KEYS));
  const base = keep(validateSpec(config.base), Object.keys(defaultSpec()));
  return { sweep, base };
}
