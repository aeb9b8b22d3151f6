// The trial comparison's training-loss rows: each picked trial's loss curve, thinned, by step.
// Pure TS (no React): unit-tested in Node.
import type { TrialView } from '../../store/sweep-view';
import { mergeSeries, thin } from './trial-series';

export const lossRows = (trials: readonly TrialView[], maxPointsPerTrial = 300) =>
  mergeSeries(
    trials.map((t) => ({
      number: t.number,
      points: thin(t.losses, maxPointsPerTrial).map((p) => ({ x: p.step, y: p.loss })),
    })),
    'step',
  );
