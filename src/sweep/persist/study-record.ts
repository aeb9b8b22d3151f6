// A study's record: the meta the studies store holds and a study file carries beside its trials,
// how it pairs with the engine's StudyData, and the error for bad study data. Validation, files
// and storage all build on these, so they live apart from each of them.
import type { PrunerSpec } from '../engine/pruners/base';
import type { SamplerSpec } from '../engine/samplers/base';
import type { StudyDirection } from '../engine/study';
import type { StudyData, TrialData } from '../engine/study-data';
import type { JsonValue } from '../engine/trial';
import { issueCount, issuesMessage } from './issues';

export const STUDY_STATUSES = ['running', 'paused', 'complete', 'stopped'] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

/** A study's record apart from its trials: what the studies store holds and the file carries. */
export interface StudyMeta {
  id: string;
  /** The user's name for the study (renameable). */
  name: string;
  createdAt: string;
  updatedAt: string;
  status: StudyStatus;
  /** The sweep config / search space exactly as the UI gave it. */
  config: JsonValue;
  // The engine's own fields (StudyData minus trials), kept so Study.fromJSON restores exactly.
  studyName: string;
  direction: StudyDirection;
  userAttrs: Record<string, JsonValue>;
  /** Sampler configuration and RNG position: resuming continues the same random stream. */
  sampler: SamplerSpec;
  pruner: PrunerSpec;
}

export interface LoadedStudy {
  meta: StudyMeta;
  data: StudyData;
}

/**
 * Bad study data; `issues` lists the problems as "path: what is wrong" (the first MAX_KEPT_ISSUES
 * of them; `total` counts all). The message names the count and the first few, under 500 characters.
 */
export class StudyFormatError extends Error {
  readonly total: number;
  constructor(
    readonly issues: readonly string[],
    context: string,
  ) {
    super(issuesMessage(context, issues));
    this.total = issueCount(issues);
    this.name = 'StudyFormatError';
  }
}

/** A fresh study id. getRandomValues, not randomUUID: the latter needs a secure context. */
export function newStudyId(now: Date = new Date()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `study-${now.getTime().toString(36)}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Assembles the engine's StudyData from a meta record and trials. */
export function studyData(meta: StudyMeta, trials: TrialData[]): StudyData {
  const { studyName, direction, userAttrs, sampler, pruner } = meta;
  return { format: 'sweep-study', version: 1, studyName, direction, userAttrs, sampler, pruner, trials };
}

// The engine fields come from data (the engine's truth), the rest from meta.
export function studyBody(meta: StudyMeta, data: StudyData): StudyMeta & { trials: TrialData[] } {
  const { studyName, direction, userAttrs, sampler, pruner, trials } = data;
  return { ...pick(meta, META_KEYS), studyName, direction, userAttrs, sampler, pruner, trials };
}

// Field lists in the engine's key order, so a picked record serializes like the original.
export const META_KEYS = [
  'id',
  'name',
  'createdAt',
  'updatedAt',
  'status',
  'config',
  'studyName',
  'direction',
  'userAttrs',
  'sampler',
  'pruner',
] as const;
export const TRIAL_KEYS = [
  'number',
  'state',
  'value',
  'params',
  'distributions',
  'intermediateValues',
  'datetimeStart',
  'datetimeComplete',
  'userAttrs',
  'systemAttrs',
  'failReason',
] as const;

export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = source[k];
  return out;
}
