// Study: Optuna's Study for one objective — ask/tell, optimize with TrialPruned handling and
// failed trials recorded, best trial, and an exact JSON form (StudyData).
import { checkDistributionCompatibility, type Distribution, type ParamValue } from './distributions';
import { isTrialPruned } from './errors';
import type { Pruner } from './pruners/base';
import { prunerFromJSON } from './pruners/from-json';
import { MedianPruner } from './pruners/median';
import type { Sampler } from './samplers/base';
import { samplerFromJSON } from './samplers/from-json';
import { TPESampler } from './samplers/tpe';
import { trialFromData, trialToData, type StudyData } from './study-data';
import { Trial, type JsonValue, type TrialState } from './trial';
import { errorMessage } from '../../core/errors';

export type StudyDirection = 'maximize' | 'minimize';

/**
 * The user attribute that breaks ties between complete trials with exactly equal values (an
 * extension of Optuna, whose best_trial takes the earliest): the lower finite number wins. The
 * studio stores each trial's evaluation loss here, so a study whose trials all scored ROUGE 0
 * still names the one that learnt most. Values stay Optuna's — the tie-break never changes one —
 * and an export carries it as an ordinary user attribute.
 */
export const TIE_BREAK_ATTR = 'tie_break';

/** A trial's tie-break number (TIE_BREAK_ATTR), or null when it has none. */
export function tieBreakOf(userAttrs: Record<string, JsonValue>): number | null {
  const v = userAttrs[TIE_BREAK_ATTR];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A result as ranked: its value and, for exact ties, its tie-break (lower wins; none loses to one). */
export interface RankedResult {
  value: number;
  tieBreak: number | null;
}

/** a beats b: a better value, or an equal one with a lower tie-break. Otherwise b (the earlier, as Optuna) stays best. */
export function betterResult(a: RankedResult, b: RankedResult, direction: StudyDirection): boolean {
  if (a.value !== b.value) return direction === 'maximize' ? a.value > b.value : a.value < b.value;
  if (a.tieBreak === null) return false;
  return b.tieBreak === null || a.tieBreak < b.tieBreak;
}
export type FinishedState = Exclude<TrialState, 'running'>;

export interface StudyOptions {
  direction?: StudyDirection;
  /** Default: TPESampler() (Optuna's default sampler for one objective). */
  sampler?: Sampler;
  /** Default: MedianPruner() (Optuna's default pruner). */
  pruner?: Pruner;
  studyName?: string;
  /** Clock for datetime_start/complete; injectable so tests and exports are deterministic. */
  now?: () => Date;
}

export type Objective = (trial: Trial) => Promise<number> | number;

export interface OptimizeOptions {
  nTrials: number;
  /** Trials in flight at once (Optuna's n_jobs; here concurrent async objectives). Default 1. */
  nConcurrent?: number;
  /**
   * Which objective errors to record and carry on after. Like Optuna's catch=(): by default a
   * failing objective is recorded as 'failed' (message kept) and the error is then re-thrown.
   */
  catch?: boolean | ((error: unknown) => boolean);
  /** Called after each finished trial (Optuna's callbacks), e.g. to persist the study. */
  callbacks?: ReadonlyArray<(study: Study, trial: Trial) => void>;
}

/** A finished (or running) trial to insert as-is: Optuna's create_trial + add_trial. */
export interface TrialInit {
  state?: TrialState;
  value?: number | null;
  params?: Record<string, ParamValue>;
  distributions?: Record<string, Distribution>;
  intermediateValues?: Iterable<readonly [number, number]> | Record<number, number>;
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
  datetimeStart?: string | null;
  datetimeComplete?: string | null;
  failReason?: string | null;
}

export interface StudyRestoreOptions {
  sampler?: Sampler;
  pruner?: Pruner;
  now?: () => Date;
}

export class Study {
  readonly studyName: string;
  readonly direction: StudyDirection;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly userAttrs: Record<string, JsonValue> = {};
  private readonly trialList: Trial[] = [];
  // The first distribution seen per name: later ones must be compatible (Optuna's storage check).
  private readonly paramDistributions = new Map<string, Distribution>();
  private readonly now: () => Date;
  private stopRequested = false;

  constructor(options: StudyOptions = {}) {
    this.direction = options.direction ?? 'minimize';
    if (this.direction !== 'maximize' && this.direction !== 'minimize')
      throw new RangeError(`direction must be 'maximize' or 'minimize', got ${String(this.direction)}`);
    this.sampler = options.sampler ?? new TPESampler();
    this.pruner = options.pruner ?? new MedianPruner();
    this.studyName = options.studyName ?? 'study';
    this.now = options.now ?? (() => new Date());
  }

  /** All trials in creation order (trial.number is the index). */
  get trials(): readonly Trial[] {
    return this.trialList;
  }

  getTrials(states?: readonly TrialState[]): Trial[] {
    return states === undefined ? [...this.trialList] : this.trialList.filter((t) => states.includes(t.state));
  }

  /** Best complete trial; on equal values the lower TIE_BREAK_ATTR, then the earliest (Optuna's max/min); undefined if none. */
  get bestTrial(): Trial | undefined {
    let best: Trial | undefined;
    const ranked = (t: Trial): RankedResult => ({ value: t.value!, tieBreak: tieBreakOf(t.userAttrs) });
    for (const t of this.trialList) {
      if (t.state !== 'complete' || t.value === null) continue;
      if (best === undefined || betterResult(ranked(t), ranked(best), this.direction)) best = t;
    }
    return best;
  }

  get bestValue(): number | undefined {
    return this.bestTrial?.value ?? undefined;
  }

  get bestParams(): Record<string, ParamValue> | undefined {
    const best = this.bestTrial;
    return best === undefined ? undefined : { ...best.params };
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.userAttrs[key] = value;
  }

  /** Makes optimize() launch no further trials (running ones finish). GridSampler calls it. */
  stop(): void {
    this.stopRequested = true;
  }

  /** @internal Trial.suggest registers each parameter's distribution here. */
  registerParamDistribution(name: string, distribution: Distribution): void {
    const first = this.paramDistributions.get(name);
    if (first === undefined) this.paramDistributions.set(name, distribution);
    else checkDistributionCompatibility(name, first, distribution);
  }

  /** Starts a trial. `fixedDistributions` are suggested right away (Optuna's ask(fixed_distributions)). */
  ask(fixedDistributions?: Record<string, Distribution>): Trial {
    const trial = new Trial(this.trialList.length, this, this.now().toISOString());
    this.trialList.push(trial);
    this.sampler.beforeTrial?.(this, trial);
    trial.relativeSearchSpace = this.sampler.inferRelativeSearchSpace(this, trial);
    if (fixedDistributions) for (const [name, d] of Object.entries(fixedDistributions)) trial.suggest(name, d);
    return trial;
  }

  /**
   * Finishes a running trial (Optuna's tell):
   *   - a number completes it; NaN or a non-number fails it ("not acceptable"), as Optuna does
   *     when no state is given;
   *   - 'pruned' stores the last intermediate value (unless NaN) as its value, as Optuna does;
   *   - 'failed' keeps `failReason`.
   */
  tell(trial: Trial | number, result: number | 'pruned' | 'failed', failReason?: string): Trial {
    const t = typeof trial === 'number' ? this.trialList[trial] : trial;
    if (t === undefined || this.trialList[t.number] !== t)
      throw new RangeError(
        `trial ${String(typeof trial === 'number' ? trial : trial.number)} does not belong to this study`,
      );
    if (t.state !== 'running') throw new Error(`cannot tell trial ${t.number}: it is already ${t.state}`);

    let state: FinishedState;
    let value: number | null = null;
    let reason: string | null = null;
    if (result === 'pruned') {
      state = 'pruned';
      const last = t.lastStep;
      const v = last === null ? undefined : t.intermediateValues.get(last);
      if (v !== undefined && !Number.isNaN(v)) value = v;
    } else if (result === 'failed') {
      state = 'failed';
      reason = failReason ?? null;
    } else if (typeof result === 'number' && !Number.isNaN(result)) {
      state = 'complete';
      value = result;
    } else {
      state = 'failed';
      reason =
        failReason ??
        (typeof result === 'number'
          ? `The value ${result} is not acceptable.`
          : `The value ${String(result)} could not be cast to float.`);
    }

    try {
      this.sampler.afterTrial?.(this, t, state, value);
    } finally {
      t.state = state;
      t.value = value;
      t.failReason = reason;
      t.datetimeComplete = this.now().toISOString();
    }
    return t;
  }

  /** Inserts a trial record as-is (samplers and pruners see it like any other). */
  addTrial(init: TrialInit): Trial {
    const state = init.state ?? 'complete';
    const value = init.value ?? null;
    if (state === 'complete' && (value === null || Number.isNaN(value)))
      throw new RangeError('a complete trial needs a value that is not NaN');
    if (state !== 'complete' && state !== 'pruned' && value !== null)
      throw new RangeError(`a ${state} trial cannot have a value`);
    const params = init.params ?? {};
    const distributions = init.distributions ?? {};
    for (const name of Object.keys(params)) {
      const d = distributions[name];
      if (d === undefined) throw new RangeError(`parameter "${name}" has no distribution`);
      if (!d.contains(d.toInternal(params[name])))
        throw new RangeError(`parameter "${name}": value ${String(params[name])} is not in its distribution`);
    }
    for (const [name, d] of Object.entries(distributions)) this.registerParamDistribution(name, d);

    const stamp = this.now().toISOString();
    const t = new Trial(this.trialList.length, this, init.datetimeStart === undefined ? stamp : init.datetimeStart);
    Object.assign(t.params, params);
    Object.assign(t.distributions, distributions);
    const iv = init.intermediateValues ?? [];
    const entries: Iterable<readonly [number, number]> =
      Symbol.iterator in iv
        ? (iv as Iterable<readonly [number, number]>)
        : Object.entries(iv).map(([s, v]) => [Number(s), v] as const);
    for (const [s, v] of entries) t.intermediateValues.set(s, v);
    Object.assign(t.userAttrs, init.userAttrs ?? {});
    Object.assign(t.systemAttrs, init.systemAttrs ?? {});
    t.state = state;
    t.value = value;
    t.failReason = init.failReason ?? null;
    t.datetimeComplete =
      state === 'running' ? null : init.datetimeComplete === undefined ? stamp : init.datetimeComplete;
    this.trialList.push(t);
    return t;
  }

  /**
   * Runs nTrials trials, up to nConcurrent at a time. TrialPruned → 'pruned'; any other error →
   * 'failed' with its message, then re-thrown (after in-flight trials finish) unless `catch`
   * accepts it. A non-number or NaN return value fails the trial without throwing (as Optuna).
   */
  async optimize(objective: Objective, options: OptimizeOptions): Promise<void> {
    const { nTrials } = options;
    const nConcurrent = options.nConcurrent ?? 1;
    if (!(Number.isInteger(nTrials) && nTrials >= 0))
      throw new RangeError(`nTrials must be a non-negative integer, got ${nTrials}`);
    if (!(Number.isInteger(nConcurrent) && nConcurrent >= 1))
      throw new RangeError(`nConcurrent must be a positive integer, got ${nConcurrent}`);
    const catches = (err: unknown): boolean =>
      typeof options.catch === 'function' ? options.catch(err) : options.catch === true;

    this.stopRequested = false;
    let launched = 0;
    let error: { err: unknown } | null = null;
    const running = new Set<Promise<void>>();

    const runOne = async (trial: Trial): Promise<void> => {
      try {
        const value = await objective(trial);
        this.tell(trial, value);
      } catch (err) {
        if (trial.state !== 'running') throw err; // the objective told the trial itself
        if (isTrialPruned(err)) this.tell(trial, 'pruned');
        else {
          this.tell(trial, 'failed', errorMessage(err));
          if (!catches(err)) throw err;
        }
      }
      for (const cb of options.callbacks ?? []) cb(this, trial);
    };

    while (true) {
      while (!this.stopRequested && error === null && launched < nTrials && running.size < nConcurrent) {
        let trial: Trial;
        try {
          trial = this.ask();
        } catch (err) {
          error = { err }; // a sampler failure: stop launching, let in-flight trials finish
          break;
        }
        launched++;
        const p: Promise<void> = runOne(trial)
          .catch((err: unknown) => {
            if (error === null) error = { err };
          })
          .finally(() => running.delete(p));
        running.add(p);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    if (error !== null) throw (error as { err: unknown }).err;
  }

  toJSON(): StudyData {
    return {
      format: 'sweep-study',
      version: 1,
      studyName: this.studyName,
      direction: this.direction,
      userAttrs: JSON.parse(JSON.stringify(this.userAttrs)) as Record<string, JsonValue>,
      sampler: this.sampler.toJSON(),
      pruner: this.pruner.toJSON(),
      trials: this.trialList.map(trialToData),
    };
  }

  /**
   * Rebuilds a study from StudyData: same trials, and sampler/pruner with their saved
   * configuration and RNG position (pass `sampler`/`pruner` to override, e.g. for a TPE sampler
   * with custom gamma/weights functions, which JSON cannot carry).
   */
  static fromJSON(data: StudyData, options: StudyRestoreOptions = {}): Study {
    if (data?.format !== 'sweep-study' || data.version !== 1)
      throw new TypeError('not a sweep-study v1 StudyData object');
    const study = new Study({
      direction: data.direction,
      studyName: data.studyName,
      sampler: options.sampler ?? samplerFromJSON(data.sampler),
      pruner: options.pruner ?? prunerFromJSON(data.pruner),
      now: options.now,
    });
    Object.assign(study.userAttrs, JSON.parse(JSON.stringify(data.userAttrs)));
    data.trials.forEach((td, i) => {
      if (td.number !== i)
        throw new RangeError(`trial numbers must be 0..n-1 in order; found ${td.number} at index ${i}`);
      const t = trialFromData(td, study);
      for (const [name, d] of Object.entries(t.distributions)) study.registerParamDistribution(name, d);
      study.trialList.push(t);
    });
    return study;
  }
}

export function createStudy(options: StudyOptions = {}): Study {
  return new Study(options);
}
