// A trial: one evaluation of the objective (Optuna's Trial and FrozenTrial in one object).
// While 'running' the objective calls suggest*/report/shouldPrune on it; once the study has
// told it, it is a read-only record that samplers, pruners and exports read.
import {
  CategoricalDistribution,
  checkDistributionCompatibility,
  DistributionError,
  FloatDistribution,
  IntDistribution,
  singleValue,
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
} from './distributions';
import type { Study } from './study';

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';
export const TRIAL_STATES: readonly TrialState[] = ['running', 'complete', 'pruned', 'failed'];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface SuggestFloatOptions {
  log?: boolean;
  step?: number | null;
}

export interface SuggestIntOptions {
  log?: boolean;
  step?: number;
}

export class Trial {
  state: TrialState = 'running';
  /** Objective value; for a pruned trial, its last intermediate value (as Optuna's tell does). */
  value: number | null = null;
  readonly params: Record<string, ParamValue> = {};
  readonly distributions: Record<string, Distribution> = {};
  /** step → intermediate value, in report order. */
  readonly intermediateValues = new Map<number, number>();
  datetimeComplete: string | null = null;
  readonly userAttrs: Record<string, JsonValue> = {};
  /** Bookkeeping written by samplers and pruners (grid_id, completed_rung_N, …), as in Optuna. */
  readonly systemAttrs: Record<string, JsonValue> = {};
  /** Why a failed trial failed (the error message), else null. */
  failReason: string | null = null;

  /** Set by Study.ask: the sampler's joint search space (Optuna infers it when the trial starts). */
  relativeSearchSpace: Record<string, Distribution> = {};
  // Sampled on first suggest, like Optuna's lazy relative_params.
  private relativeParams: Record<string, ParamValue> | null = null;

  constructor(
    readonly number: number,
    private readonly study: Study | null,
    public datetimeStart: string | null,
  ) {}

  /** The largest step reported so far, or null (Optuna's FrozenTrial.last_step). */
  get lastStep(): number | null {
    let last: number | null = null;
    for (const step of this.intermediateValues.keys()) if (last === null || step > last) last = step;
    return last;
  }

  /** Milliseconds from start to completion, or null while running / when unknown. */
  get duration(): number | null {
    if (this.datetimeStart === null || this.datetimeComplete === null) return null;
    return Date.parse(this.datetimeComplete) - Date.parse(this.datetimeStart);
  }

  isFinished(): boolean {
    return this.state !== 'running';
  }

  suggestFloat(name: string, low: number, high: number, options: SuggestFloatOptions = {}): number {
    const dist = named(name, () => new FloatDistribution(low, high, options.log ?? false, options.step ?? null));
    return this.suggest(name, dist) as number;
  }

  suggestInt(name: string, low: number, high: number, options: SuggestIntOptions = {}): number {
    const dist = named(name, () => new IntDistribution(low, high, options.log ?? false, options.step ?? 1));
    return this.suggest(name, dist) as number;
  }

  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    const dist = named(name, () => new CategoricalDistribution<T>(choices));
    return this.suggest(name, dist as unknown as Distribution) as T;
  }

  /** Optuna's Trial._suggest: reuse, single value, relative sample, or independent sample. */
  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertRunning();
    const previous = this.distributions[name];
    if (previous !== undefined) {
      // Asking again for the same name returns the value already drawn in this trial.
      checkDistributionCompatibility(name, previous, distribution);
      return this.params[name];
    }
    const study = this.requireStudy();
    study.registerParamDistribution(name, distribution);
    let value: ParamValue;
    if (distribution.single()) value = singleValue(distribution);
    else if (this.isRelativeParam(study, name, distribution)) value = this.relativeParams![name];
    else value = study.sampler.sampleIndependent(study, this, name, distribution);
    distribution.toInternal(value); // rejects NaN / non-members, as Optuna's to_internal_repr does
    this.distributions[name] = distribution;
    this.params[name] = value;
    return value;
  }

  /** Records an intermediate value. A step already reported is ignored (Optuna warns and ignores). */
  report(value: number, step: number): void {
    this.assertRunning();
    if (typeof value !== 'number')
      throw new TypeError(`trial ${this.number}: reported value ${String(value)} is not a number`);
    if (!Number.isInteger(step) || step < 0)
      throw new RangeError(`trial ${this.number}: step must be a non-negative integer, got ${step}`);
    if (this.intermediateValues.has(step)) return;
    this.intermediateValues.set(step, value);
  }

  /** Asks the study's pruner whether this trial should stop now. */
  shouldPrune(): boolean {
    this.assertRunning();
    const study = this.requireStudy();
    return study.pruner.prune(study, this);
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.userAttrs[key] = value;
  }

  private isRelativeParam(study: Study, name: string, distribution: Distribution): boolean {
    if (this.relativeParams === null) {
      this.relativeParams = study.sampler.sampleRelative(study, this, this.relativeSearchSpace);
    }
    if (!(name in this.relativeParams)) return false;
    const relative = this.relativeSearchSpace[name];
    if (relative === undefined) {
      throw new Error(`parameter "${name}" was sampled by sampleRelative but is not in the relative search space`);
    }
    checkDistributionCompatibility(name, relative, distribution);
    return distribution.contains(distribution.toInternal(this.relativeParams[name]));
  }

  private assertRunning(): void {
    if (this.state !== 'running')
      throw new Error(`trial ${this.number} has already finished (${this.state}) and cannot be updated`);
  }

  private requireStudy(): Study {
    if (this.study === null) throw new Error(`trial ${this.number} is not attached to a study`);
    return this.study;
  }
}

function named<D>(name: string, make: () => D): D {
  try {
    return make();
  } catch (err) {
    throw err instanceof DistributionError ? err.withParam(name) : err;
  }
}

/** The trial's parameters as numbers and strings (other categorical choices in words): what tables, charts and drivers show. */
export function plainParams(t: Trial): Record<string, number | string> {
  const params: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(t.params)) params[k] = typeof v === 'number' ? v : String(v);
  return params;
}
