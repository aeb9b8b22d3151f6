// From a restored Study (engine) to the dashboard's plain StudyView. Pure: tested in Node.
import { pedAnovaImportances } from '../sweep/engine/importance';
import type { Sample } from '../core/events';
import type { SweepConfig } from '../sweep/studio/default-study';
import type { EpochRecord } from '../sweep/studio/runner';
import { tieBreakOf, type Study } from '../sweep/engine/study';
import { plainParams, type Trial } from '../sweep/engine/trial';
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
    paramSpec: config.searchSpace.map((p) => ({
      name: p.name,
      type: p.type,
      log: p.log,
      low: p.low,
      high: p.high,
      choices: p.choices?.map((c) => (typeof c === 'number' ? c : String(c))),
    })),
    nTrials: config.nTrials,
  };
}
