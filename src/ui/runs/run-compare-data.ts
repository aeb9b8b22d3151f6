// The run comparison's rows: each picked run's training loss by step and its per-epoch eval loss
// and ROUGE-L, one line per run (keyed by its position in the comparison, which also picks its
// colour), and the sample predictions of each run's newest evaluation, article by article.
// Pure TS (no React): unit-tested in Node.
import type { RunRecord } from '../../store/run-record';
import type { Sample } from '../../core/events';
import type { RunSpec } from '../../train/spec';
import { mergeSeries, thin } from '../sweep/trial-series';

export const lossRows = (runs: readonly RunRecord[], maxPointsPerRun = 300) =>
  mergeSeries(
    runs.map((r, i) => ({
      number: i,
      points: thin(r.results.steps, maxPointsPerRun).map((p) => ({ x: p.step, y: p.loss })),
    })),
    'step',
  );

export type EpochKey = 'evalLoss' | 'rougeL';

export const epochRows = (runs: readonly RunRecord[], key: EpochKey) =>
  mergeSeries(
    runs.map((r, i) => ({
      number: i,
      points:
        key === 'evalLoss'
          ? r.results.epochs.map((e) => ({ x: e.epoch, y: e.evalLoss }))
          : r.results.evaluations.map((e) => ({ x: e.epoch, y: e.rougeL })),
    })),
    'epoch',
  );

/** Each run's newest samples (index i of every run is the same article when they share data). */
export const newestSamples = (r: RunRecord): Sample[] => r.results.samples[0]?.samples ?? [];

/** The settings that differ between the runs (all of them when only one run is given). */
export function differingSettings(runs: readonly RunRecord[]): (keyof RunSpec)[] {
  if (runs.length === 0) return [];
  const keys = Object.keys(runs[0].spec) as (keyof RunSpec)[];
  return keys.filter((k) => runs.some((r) => JSON.stringify(r.spec[k]) !== JSON.stringify(runs[0].spec[k])));
}

/** The last finite training loss a run reported, or null. */
export function lastLoss(r: RunRecord): number | null {
  for (let i = r.results.steps.length - 1; i >= 0; i--) {
    const v = r.results.steps[i].loss;
    if (Number.isFinite(v)) return v;
  }
  return null;
}
