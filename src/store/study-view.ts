// From a restored Study (engine) to the dashboard's plain StudyView. Pure: tested in Node.
import { pedAnovaImportances } from '../sweep/engine/importance';
import type { Sample } from '../core/events';
import type { SweepConfig } from '../sweep/studio/default-study';
import type { EpochRecord } from '../sweep/studio/runner';
import { tieBreakOf, type Study } from '../sweep/engine/study';
import { plainParams, type Trial } from '../sweep/engine/trial';
import { trialFromData, type TrialData } from '../sweep/engine/study-data';
import type { StudyDigest } from '../app/study-file';
import type { StudyView, TrialView } from './sweep-view';

const asArray = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

export function trialView(t: Trial): TrialView {
  return {
    number: t.number,
    state: t.state,
    value: t.value,
    params: plainParams(t),
    epochs: asArray<EpochRecord>(t.userAttrs.epochs),
    losses: asArray<{ step: number; loss: number }>(t.userAttrs.losses),
    samples: asArray<Sample>(t.userAttrs.samples),
    durationMs: t.duration ?? null,
    failReason: t.failReason ?? undefined,
    tieBreak: tieBreakOf(t.userAttrs),
  };
}

/** A trial as the study worker sends it (a page of the trials table, or the digest's sample). */
export const trialDataView = (t: TrialData): TrialView => trialView(trialFromData(t, null));

/**
 * The view of a study opened through the study worker: its sample's trials (every trial of a
 * study within the sample limits) and, for a sampled one, the figures of every trial in `whole`.
 */
export function digestView(d: StudyDigest, config: SweepConfig): StudyView {
  return {
    id: d.meta.id,
    name: d.meta.name,
    direction: d.meta.direction,
    objective: config.objective,
    status: d.meta.status,
    trials: d.sample.map(trialDataView),
    importances: d.importances,
    paramSpec: paramSpecOf(config),
    nTrials: config.nTrials,
    whole: d.sampled
      ? {
          trialCount: d.trialCount,
          counts: d.counts,
          best: d.best,
          bestSoFar: d.bestSoFar,
          meanTrialMs: d.meanTrialMs,
        }
      : undefined,
  };
}

const paramSpecOf = (config: SweepConfig): StudyView['paramSpec'] =>
  config.searchSpace.map((p) => ({
    name: p.name,
    type: p.type,
    log: p.log,
    low: p.low,
    high: p.high,
    choices: p.choices?.map((c) => (typeof c === 'number' ? c : String(c))),
  }));

export function studyView(id: string, name: string, status: string, study: Study, config: SweepConfig): StudyView {
  let importances: Record<string, number> | null = null;
  // PED-ANOVA needs a few finished trials to say anything; before that the chart says so.
  if (study.trials.filter((t) => t.state === 'complete').length >= 3) {
    try {
      importances = pedAnovaImportances(study);
    } catch {
      importances = null;
    }
  }
  return {
    id,
    name,
    direction: study.direction,
    objective: config.objective,
    status,
    trials: study.trials.map(trialView),
    importances,
    paramSpec: paramSpecOf(config),
    nTrials: config.nTrials,
  };
}
