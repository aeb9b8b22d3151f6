// Public surface of the sweep engine (Optuna-style hyperparameter search, no DOM, no Node).
export * from './engine/distributions';
export { TrialPruned, isTrialPruned } from './engine/errors';
export {
  Trial,
  TRIAL_STATES,
  type TrialState,
  type JsonValue,
  type SuggestFloatOptions,
  type SuggestIntOptions,
} from './engine/trial';
export {
  Study,
  createStudy,
  type StudyDirection,
  type StudyOptions,
  type OptimizeOptions,
  type Objective,
  type TrialInit,
  type StudyRestoreOptions,
  type FinishedState,
} from './engine/study';
export { type StudyData, type TrialData, type JsonNumber } from './engine/study-data';
export { trialsToCsv } from './engine/csv';
export { intersectionSearchSpace } from './engine/search-space';
export type { Sampler, SamplerSpec } from './engine/samplers/base';
export { RandomSampler } from './engine/samplers/random';
export { GridSampler } from './engine/samplers/grid';
export { TPESampler, defaultGamma, defaultWeights, type TPESamplerOptions } from './engine/samplers/tpe';
export type { Pruner, PrunerSpec } from './engine/pruners/base';
export { NopPruner } from './engine/pruners/nop';
export { PercentilePruner, type PercentilePrunerOptions } from './engine/pruners/percentile';
export { MedianPruner } from './engine/pruners/median';
export { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './engine/pruners/successive-halving';
export { pedAnovaImportances, type PedAnovaOptions } from './engine/importance';
export * from './studio/default-study';
export {
  openStudyStore,
  StudyStore,
  INTERRUPTED_REASON,
  type NewStudy,
  type EngineState,
  type StudySummary,
  type ResumePoint,
  type StudyStoreOptions,
} from './persist/storage';
export { StudyStoreError, DB_NAME, DB_VERSION } from './persist/study-database';
export {
  exportStudyJSON,
  importStudyJSON,
  exportTrialsCSV,
  studyFileName,
  STUDY_FILE_FORMAT,
  STUDY_FILE_VERSION,
  type StudyFile,
  type ImportOptions,
} from './persist/transfer';
export {
  studyData,
  newStudyId,
  StudyFormatError,
  STUDY_STATUSES,
  type StudyMeta,
  type StudyStatus,
  type LoadedStudy,
} from './persist/study-record';
export { validateStudy, validateTrial, validateStudyName, validateStatus } from './persist/validation';
export {
  checkStudyConfig,
  normalizedStudyConfig,
  studyConfigIssues,
  studyConfigOf,
  type StudyConfig,
} from './persist/study-config';
export { findNestingExcess, MAX_JSON_NESTING, nestingProblem } from './persist/json-nesting';
