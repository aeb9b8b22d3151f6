// The run comparison's rows. Kept Train runs and sweep trials are compared alike, each first made
// a CompareItem (its settings, curves and samples); then each item's training loss by step and
// per-epoch eval loss and ROUGE-L become one line per item (keyed by its position in the
// comparison, which also picks its colour), and its newest samples a column.
// Pure TS (no React): unit-tested in Node.
import type { RunRecord } from '../../store/run-record';
import type { StudyView, TrialView } from '../../store/sweep-view';
import type { Sample } from '../../core/events';
import { mergeSeries, thin } from '../sweep/trial-series';

export interface CompareItem {
  /** A run's id, or `trial:<studyId>:<number>`. */
  id: string;
  name: string;
  status: string;
  /** Drawn dashed: a run a reload cut off, a pruned trial. */
  dashed: boolean;
  /** A run's RunSpec, a trial's sampled parameters. */
  settings: Record<string, unknown>;
  backend: string | null;
  modelSource: string;
  losses: { step: number; loss: number }[];
  epochs: { epoch: number; evalLoss: number | null; rougeL: number | null }[];
  /** The newest evaluation's sample predictions. */
  samples: Sample[];
}

export const trialItemId = (studyId: string, n: number) => `trial:${studyId}:${n}`;

export function runItem(r: RunRecord): CompareItem {
  const byEpoch = new Map<number, CompareItem['epochs'][number]>();
  const at = (epoch: number) => {
    let row = byEpoch.get(epoch);
    if (!row) byEpoch.set(epoch, (row = { epoch, evalLoss: null, rougeL: null }));
    return row;
  };
  for (const e of r.results.epochs) at(e.epoch).evalLoss = e.evalLoss;
  for (const e of r.results.evaluations) at(e.epoch).rougeL = e.rougeL;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    dashed: r.status === 'interrupted',
    settings: { ...r.spec },
    backend: r.results.backend ? `${r.results.backend.backend} (${r.results.backend.adapter})` : null,
    modelSource: r.modelSource,
    losses: r.results.steps.map((p) => ({ step: p.step, loss: p.loss })),
    epochs: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch),
    samples: r.results.samples[0]?.samples ?? [],
  };
}

export function trialItem(study: Pick<StudyView, 'id' | 'name'>, t: TrialView): CompareItem {
  return {
    id: trialItemId(study.id, t.number),
    name: `${study.name} trial #${t.number}`,
    status: t.state,
    dashed: t.state === 'pruned',
    settings: { ...t.params },
    backend: null,
    modelSource: `sweep study ${study.name}`,
    losses: t.losses,
    epochs: t.epochs.map((e) => ({ epoch: e.epoch, evalLoss: e.evalLoss, rougeL: e.rougeL })),
    samples: t.samples,
  };
}

export const lossRows = (items: readonly CompareItem[], maxPointsPerItem = 300) =>
  mergeSeries(
    items.map((r, i) => ({
      number: i,
      points: thin(r.losses, maxPointsPerItem).map((p) => ({ x: p.step, y: p.loss })),
    })),
    'step',
  );

export type EpochKey = 'evalLoss' | 'rougeL';

export const epochRows = (items: readonly CompareItem[], key: EpochKey) =>
  mergeSeries(
    items.map((r, i) => ({ number: i, points: r.epochs.map((e) => ({ x: e.epoch, y: e[key] })) })),
    'epoch',
  );

/**
 * The settings every item has and not all alike, in the first item's order. A trial's settings
 * are its sampled parameters only, so beside a run the parameters are what is compared.
 */
export function differingSettings(items: readonly CompareItem[]): string[] {
  if (items.length === 0) return [];
  const keys = Object.keys(items[0].settings).filter((k) => items.every((r) => k in r.settings));
  const same = (k: string) =>
    items.every((r) => JSON.stringify(r.settings[k]) === JSON.stringify(items[0].settings[k]));
  return keys.filter((k) => !same(k));
}

/** The last finite training loss a run reported, or null. */
export function lastLoss(r: RunRecord): number | null {
  for (let i = r.results.steps.length - 1; i >= 0; i--) {
    const v = r.results.steps[i].loss;
    if (Number.isFinite(v)) return v;
  }
  return null;
}
