// Study files: the versioned JSON envelope a user exports and imports, the CSV of its trials, and
// their download names. Both directions run the checks of validation.ts, so a file this studio
// writes always reads back, and a bad one is refused with its problems' paths (the first few,
// and a count: issues.ts). An import also checks the sweep config (study-config.ts) and, before
// parsing, how deep the text nests (json-nesting.ts).
//
// Non-finite objective values: Optuna takes ±inf as the value of a complete trial (+inf is the
// best when maximizing) and fails a trial that returns NaN. JSON has no Infinity, so the file
// writes them as the strings "Infinity" / "-Infinity" (and "NaN" in intermediate values), as
// StudyData does, and an import reads those strings back as the numbers; the CSV writes pandas'
// inf / -inf / nan.
import { trialsToCsv } from '../engine/csv';
import { trialFromData, type StudyData, type TrialData } from '../engine/study-data';
import { clipText } from '../../core/bounded-text';
import { errorMessage } from '../../core/errors';
import { describe, expectation, isPlainObject, say } from './issues';
import {
  META_KEYS,
  StudyFormatError,
  TRIAL_KEYS,
  newStudyId,
  pick,
  studyBody,
  studyData,
  type LoadedStudy,
  type StudyMeta,
} from './study-record';
import { checkStudyConfig, normalizedStudyConfig, type StudyConfig } from './study-config';
import { checkBody, validateStudy } from './validation';
import { nestingProblem } from './json-nesting';

export const STUDY_FILE_FORMAT = 'training-studio-study';
export const STUDY_FILE_VERSION = 1;

/** The file: {format, version, exportedAt, study: {…meta, trials}}. */
export interface StudyFile {
  format: typeof STUDY_FILE_FORMAT;
  version: typeof STUDY_FILE_VERSION;
  exportedAt: string;
  study: StudyMeta & { trials: TrialData[] };
}

export function exportStudyJSON(meta: StudyMeta, data: StudyData, options: { now?: () => Date } = {}): string {
  // Checked on the way out too: JSON.stringify would silently turn a NaN in userAttrs into null.
  const issues = validateStudy(meta, data);
  if (issues.length > 0) throw new StudyFormatError(issues, `cannot export study "${clipText(String(meta.name), 60)}"`);
  const file: StudyFile = {
    format: STUDY_FILE_FORMAT,
    version: STUDY_FILE_VERSION,
    exportedAt: (options.now ?? (() => new Date()))().toISOString(),
    study: { ...studyBody(meta, data) },
  };
  return JSON.stringify(file, null, 2) + '\n';
}

export interface ImportOptions {
  now?: () => Date;
  /** Id for the imported study (default newStudyId()). */
  newId?: () => string;
}

/**
 * Parses and validates an exported study. The result gets a new id, so storing it never
 * overwrites anything; a study exported while 'running' comes back 'paused', since nothing runs
 * it here (its running trials become failed when the user resumes it, via resumePoint).
 */
export function importStudyJSON(text: string, options: ImportOptions = {}): LoadedStudy {
  const fail = (issues: string[]) => new StudyFormatError(issues, 'cannot import this file');
  if (typeof text !== 'string') throw fail([`expected the file's text, got ${describe(text)}`]);
  const source = text.replace(/^\uFEFF/, ''); // a byte-order mark from some editors
  if (source.trim() === '') throw fail(['the file is empty']);
  // Before parsing: a file nested thousands of levels deep is refused by one scan, not by a walk.
  const tooDeep = nestingProblem(source);
  if (tooDeep !== null) throw fail([tooDeep]);
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (err) {
    throw fail([`not valid JSON (${errorMessage(err)})`]);
  }
  if (!isPlainObject(raw))
    throw fail([`expected a JSON object with format "${STUDY_FILE_FORMAT}", got ${describe(raw)}`]);

  const out: string[] = [];
  if (raw.format === 'sweep-study') {
    say(
      out,
      'format',
      `this is a bare sweep-study StudyData (Study.toJSON()), not a studio export; expected format "${STUDY_FILE_FORMAT}"`,
    );
  } else if (raw.format !== STUDY_FILE_FORMAT) {
    say(
      out,
      'format',
      raw.format === undefined
        ? `missing; this is not a training-studio study export`
        : `expected "${STUDY_FILE_FORMAT}", got ${describe(raw.format)}`,
    );
  } else if (raw.version !== STUDY_FILE_VERSION) {
    const v = raw.version;
    say(
      out,
      'version',
      typeof v === 'number' && Number.isInteger(v) && v > STUDY_FILE_VERSION
        ? `this file is version ${v} of the study format; this studio reads only version ${STUDY_FILE_VERSION} (a newer studio wrote it)`
        : expectation(`${STUDY_FILE_VERSION}`, v),
    );
  }
  if (out.length > 0) throw fail(out);
  checkBody(raw.study, 'study', out, false);
  // The whole shape: the sweep config inside (objective, search space, sampler and pruner, run
  // settings) too, since the dashboard and a resume read all of it once the study is stored.
  if (isPlainObject(raw.study) && raw.study.config !== undefined)
    checkStudyConfig(out, 'study.config', raw.study.config, raw.study as never);
  if (out.length > 0) throw fail(out);

  // Known fields only: keys this version does not know are dropped, not stored.
  const body = raw.study as StudyMeta & { trials: TrialData[] };
  const id = options.newId?.() ?? newStudyId((options.now ?? (() => new Date()))());
  const meta: StudyMeta = {
    ...pick(body, META_KEYS),
    id,
    status: body.status === 'running' ? 'paused' : body.status,
    config: normalizedStudyConfig(body.config as unknown as StudyConfig) as unknown as StudyMeta['config'],
  };
  return {
    meta,
    data: studyData(
      meta,
      body.trials.map((t) => pick(t, TRIAL_KEYS)),
    ),
  };
}

/** The trials as CSV (Optuna's trials_dataframe columns), via trialsToCsv. */
export function exportTrialsCSV(data: StudyData): string {
  // Detached trials: no sampler is rebuilt, so this works even for a custom-function TPE study.
  return trialsToCsv(data.trials.map((t) => trialFromData(t, null)));
}

/** A safe download name, e.g. "lr-sweep-2024-05-01.json". */
export function studyFileName(meta: Pick<StudyMeta, 'name' | 'createdAt'>, extension: 'json' | 'csv'): string {
  const slug =
    meta.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'study';
  return `${slug}-${meta.createdAt.slice(0, 10)}.${extension}`;
}
