// Public surface of the sweep engine (Optuna-style hyperparameter search, no DOM, no Node).
export * from './distributions';
export { TrialPruned, isTrialPruned } from './errors';
export { Trial, TRIAL_STATES, type TrialState, type JsonValue, type SuggestFloatOptions, type SuggestIntOptions } from './trial';
export { Study, createStudy, type StudyDirection, type StudyOptions, type OptimizeOptions, type Objective, type TrialInit, type StudyRestoreOptions, type FinishedState } from './study';
export { type StudyData, type TrialData, type JsonNumber } from './study-data';
export { trialsToCsv } from './csv';
export { intersectionSearchSpace } from './search-space';
export type { Sampler, SamplerSpec } from './samplers/base';
export { RandomSampler } from './samplers/random';
export { GridSampler } from './samplers/grid';
export { TPESampler, defaultGamma, defaultWeights, type TPESamplerOptions } from './samplers/tpe';
export type { Pruner, PrunerSpec } from './pruners/base';
export { NopPruner } from './pruners/nop';
export { PercentilePruner, type PercentilePrunerOptions } from './pruners/percentile';
export { MedianPruner } from './pruners/median';
export { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './pruners/successive-halving';
export { pedAnovaImportances, type PedAnovaOptions } from './importance';
export * from './default-study';
export {
  openStudyStore,
  StudyStore,
  StudyStoreError,
  DB_NAME,
  DB_VERSION,
  INTERRUPTED_REASON,
  type NewStudy,
  type EngineState,
  type StudySummary,
  type ResumePoint,
  type StudyStoreOptions,
} from './storage';
export {
  exportStudyJSON,
  importStudyJSON,
  exportTrialsCSV,
  studyFileName,
  studyData,
  newStudyId,
  validateStudy,
  validateTrial,
  validateStudyName,
  validateStatus,
  StudyFormatError,
  STUDY_STATUSES,
  STUDY_FILE_FORMAT,
  STUDY_FILE_VERSION,
  type StudyMeta,
  type StudyStatus,
  type StudyFile,
  type LoadedStudy,
  type ImportOptions,
} from './transfer';
