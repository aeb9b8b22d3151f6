// The run's state as a pure function of its session's events, plus pure read-outs of it (ETA,
// chart series). Kept free of zustand, React and the DOM so the unit tests run it in plain Node.
import type { RougeSummary, Sample } from '../core/events';
import type { ReplicaInfo } from '../core/run-types';
import type { SessionEvent } from '../core/session-events';

export type RunStatus = 'idle' | 'running' | 'finished' | 'stopped' | 'error';

// The chart and panel shapes are the events' own fields (one declaration, in core/events.ts).
type Fields<T extends SessionEvent['type']> = Omit<Extract<SessionEvent, { type: T }>, 'type'>;

/** One optimizer step as the loss chart plots it (skipped: the update was not applied). */
export type StepPoint = Omit<Fields<'step'>, 'totalSteps'>;

export type EpochPoint = Fields<'epoch'>;

/** One epoch's generation metrics on the validation split (the seed's compute_metrics output): ROUGE F × 100, flattened. */
export type EvaluationPoint = Omit<Fields<'evaluation'>, 'rouge' | 'samples'> & RougeSummary;

/** A score that needs no training (LEAD), on the same validation pairs and ROUGE as the evaluations, flattened. */
export type BaselinePoint = Omit<Fields<'baseline'>, 'rouge'> & RougeSummary;

/** The sample predictions one evaluation produced, kept per epoch so earlier epochs stay comparable. */
export interface EpochSamples {
  epoch: number;
  step: number;
  samples: Sample[];
}

export type BackendInfo = Fields<'backend'>;

export type ModelInfo = Fields<'model'>;

// ---- auto batch size ----
/** What the auto batch search settled on (rank 0's report; every rank uses the same size). */
export type AutoBatchInfo = Fields<'autoBatch'>;

/** "Auto batch size: 16 (tried 32 ✗ out of memory, 16 ✓), accumulation 2" */
export function formatAutoBatch(a: AutoBatchInfo): string {
  const how = a.cached
    ? 'remembered for this model and adapter'
    : `tried ${a.tried.map((t) => `${t.batchSize} ${t.ok ? '✓' : `✗ ${t.reason ?? 'failed'}`}`).join(', ')}`;
  return `Auto batch size: ${a.batchSize} (${how}), accumulation ${a.gradientAccumulation}`;
}
// ---- end auto batch size ----

export interface RunState {
  /** idle → running → finished | stopped | error; `running` is simply status === 'running'. */
  status: RunStatus;
  /** The worker's latest human-readable status line. */
  statusLine: string;
  backend: BackendInfo | null;
  model: ModelInfo | null;
  steps: StepPoint[];
  epochs: EpochPoint[];
  /** Per-epoch evaluation metrics, oldest epoch first (the order a chart's x axis wants). */
  evaluations: EvaluationPoint[];
  /** Reference scores reported once per run (LEAD), one per name; epoch 0 lives in `evaluations`. */
  baselines: BaselinePoint[];
  /** Per-epoch sample predictions, newest epoch first (the order the table shows them). */
  samples: EpochSamples[];
  /** Planned optimizer steps, as the worker last reported them (0 until the first step). */
  totalSteps: number;
  /** The user asked to stop and the worker has not yet confirmed with 'done'. */
  stopping: boolean;
  error: string | null;
  /** Wall time the worker reported in its 'done' event. */
  finalElapsedMs: number | null;
  /** The checksum the worker reported with 'done', shown so two runs can be compared. */
  checksum: number | null;
  /** Rank 0's optimizer-state bytes (AdamW moments; a shard of them under ZeRO-1), from 'done'. */
  optimizerBytes: number | null;
  /** The data-parallel group as the client last summarized it, by rank; empty until the run spawns it. */
  replicas: ReplicaInfo[];
  /** The per-device batch the auto batch search found (null unless the run asked for it). */
  autoBatch: AutoBatchInfo | null;
}

export const initialRunState: RunState = {
  status: 'idle',
  statusLine: 'Ready',
  backend: null,
  model: null,
  steps: [],
  epochs: [],
  evaluations: [],
  baselines: [],
  samples: [],
  totalSteps: 0,
  stopping: false,
  error: null,
  finalElapsedMs: null,
  checksum: null,
  optimizerBytes: null,
  replicas: [],
  autoBatch: null,
};

export const isRunning = (s: Pick<RunState, 'status'>): boolean => s.status === 'running';

/**
 * A new run starts from a clean slate: the client spawns a fresh worker per run, so nothing the
 * old one reported (backend included) describes the new one.
 */
export function beginRun(): RunState {
  return { ...initialRunState, status: 'running', statusLine: 'Starting the training worker…' };
}

/** The user pressed Stop; the status stays 'running' until the worker confirms with 'done'. */
export function requestStop(s: RunState): RunState {
  if (s.status !== 'running') return s;
  return { ...s, stopping: true, statusLine: 'Stopping after the current step…' };
}

/** Pure reducer: the state after one session event. Returns the same object when nothing changes. */
export function applyEvent(s: RunState, e: SessionEvent): RunState {
  switch (e.type) {
    case 'status':
      return { ...s, statusLine: e.message };
    case 'backend':
      return { ...s, backend: { backend: e.backend, reason: e.reason, adapter: e.adapter } };
    case 'model':
      return {
        ...s,
        model: {
          paramCount: e.paramCount,
          ...(e.trainableParams !== undefined ? { trainableParams: e.trainableParams } : {}),
          ...(e.lossOnDocument !== undefined ? { lossOnDocument: e.lossOnDocument } : {}),
          vocabSize: e.vocabSize,
          preset: e.preset,
          trainExamples: e.trainExamples,
          validationExamples: e.validationExamples,
        },
      };
    case 'step': {
      const last = s.steps[s.steps.length - 1];
      // A step at or before the last one can only come from a stale worker; plotting it would
      // draw the loss line backwards.
      if (last && e.step <= last.step) return s;
      const point: StepPoint = {
        step: e.step,
        loss: e.loss,
        lr: e.lr,
        tokensPerSec: e.tokensPerSec,
        elapsedMs: e.elapsedMs,
        epoch: e.epoch,
        gradNorm: e.gradNorm,
        skipped: e.skipped,
      };
      return { ...s, steps: [...s.steps, point], totalSteps: e.totalSteps };
    }
    case 'epoch': {
      const point: EpochPoint = { epoch: e.epoch, trainLoss: e.trainLoss, evalLoss: e.evalLoss };
      // Replace rather than duplicate if an epoch is reported twice.
      const epochs = s.epochs.filter((p) => p.epoch !== e.epoch);
      epochs.push(point);
      epochs.sort((a, b) => a.epoch - b.epoch);
      return { ...s, epochs };
    }
    case 'evaluation': {
      const point: EvaluationPoint = {
        epoch: e.epoch,
        step: e.step,
        rouge1: e.rouge.rouge1,
        rouge2: e.rouge.rouge2,
        rougeL: e.rouge.rougeL,
        rougeLsum: e.rouge.rougeLsum,
        genLen: e.genLen,
        evalLoss: e.evalLoss,
        examples: e.examples,
      };
      // Copy field by field: only these three strings are ever rendered, and anything else the
      // worker attached has no business living in the state.
      const pairs = e.samples.map((x) => ({ document: x.document, reference: x.reference, prediction: x.prediction }));
      // A re-reported epoch replaces the old numbers rather than drawing a second point for it.
      const evaluations = s.evaluations.filter((p) => p.epoch !== e.epoch);
      evaluations.push(point);
      evaluations.sort((a, b) => a.epoch - b.epoch);
      const samples = s.samples.filter((p) => p.epoch !== e.epoch);
      samples.push({ epoch: e.epoch, step: e.step, samples: pairs });
      samples.sort((a, b) => b.epoch - a.epoch);
      return { ...s, evaluations, samples };
    }
    case 'baseline': {
      const point: BaselinePoint = {
        name: e.name,
        rouge1: e.rouge.rouge1,
        rouge2: e.rouge.rouge2,
        rougeL: e.rouge.rougeL,
        rougeLsum: e.rouge.rougeLsum,
        examples: e.examples,
      };
      // One per name: a recovered or resumed run reports it again with the same numbers.
      return { ...s, baselines: [...s.baselines.filter((b) => b.name !== e.name), point] };
    }
    case 'autoBatch': {
      const tried = e.tried.map((t) =>
        t.reason === undefined
          ? { batchSize: t.batchSize, ok: t.ok }
          : { batchSize: t.batchSize, ok: t.ok, reason: t.reason },
      );
      return {
        ...s,
        autoBatch: { batchSize: e.batchSize, gradientAccumulation: e.gradientAccumulation, tried, cached: e.cached },
      };
    }
    case 'done': {
      // An error is the more important fact: a 'done' after it must not paint the run green.
      if (s.status === 'error')
        return { ...s, stopping: false, checksum: e.checksum, optimizerBytes: e.optimizerBytes };
      const secs = (e.elapsedMs / 1000).toFixed(1);
      const line =
        e.reason === 'finished'
          ? `Finished: ${e.steps} steps in ${secs} s`
          : `Stopped after ${e.steps} steps (${secs} s)`;
      return {
        ...s,
        status: e.reason,
        statusLine: line,
        stopping: false,
        finalElapsedMs: e.elapsedMs,
        checksum: e.checksum,
        optimizerBytes: e.optimizerBytes,
      };
    }
    case 'error':
      return { ...s, status: 'error', error: e.message, statusLine: 'Failed', stopping: false };
    case 'replicas': {
      // Copy field by field (only these are rendered) and order by rank, whatever order they came in.
      const replicas: ReplicaInfo[] = e.replicas
        .map((r) => ({
          rank: r.rank,
          state: r.state,
          backend: r.backend,
          adapter: r.adapter,
          checksum: r.checksum ?? null,
          optimizerBytes: r.optimizerBytes ?? null,
        }))
        .sort((a, b) => a.rank - b.rank);
      return { ...s, replicas };
    }
  }
}

/** The newest epoch's evaluation (what the numbers above the ROUGE chart show), or null. */
export function latestEvaluation(evaluations: readonly EvaluationPoint[]): EvaluationPoint | null {
  return evaluations.length > 0 ? evaluations[evaluations.length - 1] : null;
}

/** The model before its first step (the epoch-0 evaluation), or null when the run did not report one. */
export function epochZero(evaluations: readonly EvaluationPoint[]): EvaluationPoint | null {
  return evaluations.find((p) => p.epoch === 0) ?? null;
}

/** The LEAD baseline's scores, or null until the run reports them. */
export function leadBaseline(baselines: readonly BaselinePoint[]): BaselinePoint | null {
  return baselines.find((b) => b.name === 'lead') ?? null;
}

/** The baselines beside the newest evaluation (what `__studio.baselines()` reports: app/headless.ts). */
export function runBaselines(s: Pick<RunState, 'evaluations' | 'baselines'>): {
  lead: BaselinePoint | null;
  epoch0: EvaluationPoint | null;
  latest: EvaluationPoint | null;
} {
  return { lead: leadBaseline(s.baselines), epoch0: epochZero(s.evaluations), latest: latestEvaluation(s.evaluations) };
}

export type RougeKey = keyof RougeSummary;

/**
 * LEAD as horizontal reference lines, one per distinct value among the metrics shown, labelled
 * with every metric it stands for: LEAD is one sentence, so its R-L and R-Lsum are equal and
 * would otherwise draw two labels on one line. Order: the metrics' order.
 */
export function leadReferenceLines(
  lead: BaselinePoint | null,
  shown: readonly { key: RougeKey; label: string }[],
): { y: number; keys: RougeKey[]; label: string }[] {
  if (!lead) return [];
  const lines: { y: number; keys: RougeKey[]; labels: string[] }[] = [];
  for (const m of shown) {
    const y = lead[m.key];
    if (!Number.isFinite(y)) continue;
    const same = lines.find((l) => l.y === y);
    if (same) {
      same.keys.push(m.key);
      same.labels.push(m.label);
    } else lines.push({ y, keys: [m.key], labels: [m.label] });
  }
  return lines.map((l) => ({ y: l.y, keys: l.keys, label: `LEAD ${l.labels.join('/')} ${l.y.toFixed(2)}` }));
}

/**
 * Milliseconds left, from the pace of the last `window` steps (recent pace, because the first
 * steps include shader compilation and would make the estimate far too pessimistic).
 * Null when there is not enough to go on.
 */
export function estimateEtaMs(steps: readonly StepPoint[], totalSteps: number, window = 10): number | null {
  const n = steps.length;
  if (n < 2 || totalSteps <= 0) return null;
  const last = steps[n - 1];
  const first = steps[Math.max(0, n - 1 - window)];
  const dSteps = last.step - first.step;
  const dMs = last.elapsedMs - first.elapsedMs;
  if (dSteps <= 0 || dMs < 0) return null;
  return Math.max(0, totalSteps - last.step) * (dMs / dSteps);
}

export interface LossPoint {
  step: number;
  loss: number | null;
  evalLoss?: number | null;
}

/**
 * Chart rows keyed by step: the training loss at every step (thinned to about `maxPoints` so a
 * long run keeps the chart responsive; the last step is always kept), and each epoch's eval loss
 * placed at that epoch's last step; `before`, the eval loss of the model before its first step (the
 * epoch-0 evaluation's), at step 0. Non-finite losses become gaps instead of breaking the axis.
 */
export function lossSeries(
  steps: readonly StepPoint[],
  epochs: readonly EpochPoint[],
  maxPoints = 1500,
  before: number | null = null,
): LossPoint[] {
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  const stride = Math.max(1, Math.ceil(steps.length / maxPoints));
  const rows = new Map<number, LossPoint>();
  if (before !== null && Number.isFinite(before)) rows.set(0, { step: 0, loss: null, evalLoss: before });
  steps.forEach((p, i) => {
    if (i % stride === 0 || i === steps.length - 1) rows.set(p.step, { step: p.step, loss: finite(p.loss) });
  });
  for (const ep of epochs) {
    if (ep.evalLoss === null) continue;
    let at = -1;
    for (const p of steps) if (p.epoch === ep.epoch) at = p.step;
    if (at < 0) continue;
    const row = rows.get(at) ?? { step: at, loss: null };
    rows.set(at, { ...row, evalLoss: finite(ep.evalLoss) });
  }
  return [...rows.values()].sort((a, b) => a.step - b.step);
}
