// Parameter distributions in Optuna's terms (FloatDistribution, IntDistribution,
// CategoricalDistribution), with validation that names the parameter and the field.
//
// Internal representation (what samplers and Parzen estimators work on) follows Optuna:
// floats and ints are themselves, a categorical value is its index in `choices`.
// The JSON shape is Optuna's distribution_to_json: {name: 'FloatDistribution', attributes: {...}}.

export type CategoricalChoice = string | number | boolean | null;
export type ParamValue = CategoricalChoice;

export type DistributionField = 'low' | 'high' | 'step' | 'log' | 'choices';

export interface DistributionIssue {
  field: DistributionField;
  /** Message without the parameter name, e.g. "low 1e-3 is greater than high 1e-4". */
  detail: string;
}

/** Thrown for an invalid distribution; `message` names the parameter when it is known. */
export class DistributionError extends Error {
  constructor(
    readonly param: string | undefined,
    readonly field: DistributionField,
    readonly detail: string,
  ) {
    super(paramMessage(param, detail));
    this.name = 'DistributionError';
  }

  /** The same error, now naming the parameter (suggest* knows the name; the constructor does not). */
  withParam(param: string): DistributionError {
    return new DistributionError(param, this.field, this.detail);
  }
}

export function paramMessage(param: string | undefined, detail: string): string {
  return param === undefined ? detail : `parameter "${param}": ${detail}`;
}

/** Short numbers for messages: 1e-3 rather than 0.001, so learning-rate bounds read naturally. */
export function fmt(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  return a < 1e-2 || a >= 1e6 ? x.toExponential().replace('e+', 'e') : String(x);
}

const isNum = (x: unknown): x is number => typeof x === 'number';

function boundIssues(low: unknown, high: unknown, integer: boolean): DistributionIssue[] {
  const issues: DistributionIssue[] = [];
  for (const [field, v] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (!isNum(v) || !Number.isFinite(v))
      issues.push({ field, detail: `${field} must be a finite number, got ${String(v)}` });
    else if (integer && !Number.isInteger(v))
      issues.push({ field, detail: `${field} must be an integer, got ${fmt(v)}` });
  }
  if (issues.length === 0 && (low as number) > (high as number)) {
    issues.push({ field: 'low', detail: `low ${fmt(low as number)} is greater than high ${fmt(high as number)}` });
  }
  return issues;
}

/** Everything wrong with FloatDistribution(low, high, log, step); empty when valid. */
export function floatDistributionIssues(
  low: unknown,
  high: unknown,
  log: unknown = false,
  step: unknown = null,
): DistributionIssue[] {
  const issues = boundIssues(low, high, false);
  if (typeof log !== 'boolean') issues.push({ field: 'log', detail: `log must be true or false, got ${String(log)}` });
  if (step !== null && step !== undefined) {
    if (!isNum(step) || !Number.isFinite(step) || step <= 0)
      issues.push({ field: 'step', detail: `step must be a positive number, got ${String(step)}` });
    else if (log === true) issues.push({ field: 'step', detail: 'step is not supported together with log scale' });
  }
  if (log === true && isNum(low) && Number.isFinite(low) && low <= 0) {
    issues.push({ field: 'low', detail: `log scale needs low > 0, got low ${fmt(low)}` });
  }
  return issues;
}

/** Everything wrong with IntDistribution(low, high, log, step); empty when valid. */
export function intDistributionIssues(
  low: unknown,
  high: unknown,
  log: unknown = false,
  step: unknown = 1,
): DistributionIssue[] {
  const issues = boundIssues(low, high, true);
  if (typeof log !== 'boolean') issues.push({ field: 'log', detail: `log must be true or false, got ${String(log)}` });
  if (!isNum(step) || !Number.isInteger(step) || step <= 0)
    issues.push({ field: 'step', detail: `step must be a positive integer, got ${String(step)}` });
  else if (log === true && step !== 1)
    issues.push({ field: 'step', detail: `step must be 1 with log scale, got ${step}` });
  if (log === true && isNum(low) && Number.isFinite(low) && low < 1) {
    issues.push({ field: 'low', detail: `log scale needs low >= 1 for an int, got low ${fmt(low)}` });
  }
  return issues;
}

/** Everything wrong with CategoricalDistribution(choices); empty when valid. */
export function categoricalDistributionIssues(choices: unknown): DistributionIssue[] {
  if (!Array.isArray(choices)) return [{ field: 'choices', detail: 'choices must be an array' }];
  if (choices.length === 0) return [{ field: 'choices', detail: 'choices must not be empty' }];
  const issues: DistributionIssue[] = [];
  choices.forEach((c, i) => {
    const ok =
      c === null || typeof c === 'string' || typeof c === 'boolean' || (typeof c === 'number' && Number.isFinite(c));
    // Non-finite numbers are refused because StudyData must survive JSON exactly.
    if (!ok)
      issues.push({
        field: 'choices',
        detail: `choices[${i}] must be a string, a finite number, a boolean or null, got ${String(c)}`,
      });
  });
  return issues;
}

function throwFirst(issues: DistributionIssue[]): void {
  if (issues.length > 0) throw new DistributionError(undefined, issues[0].field, issues[0].detail);
}

// `high` is snapped down onto the step grid like Optuna's _adjust_discrete_uniform_high, but with
// a relative tolerance instead of Decimal: (1 − 0) / 0.1 must count as exactly 10 steps.
function stepCount(low: number, high: number, step: number): number {
  const n = (high - low) / step;
  const k = Math.round(n);
  return Math.abs(n - k) <= 1e-9 * Math.max(1, Math.abs(n)) ? k : Math.floor(n);
}

export interface DistributionData {
  name: 'FloatDistribution' | 'IntDistribution' | 'CategoricalDistribution';
  attributes: Record<string, unknown>;
}

export class FloatDistribution {
  readonly kind = 'float' as const;
  readonly high: number;

  constructor(
    readonly low: number,
    high: number,
    readonly log: boolean = false,
    readonly step: number | null = null,
  ) {
    throwFirst(floatDistributionIssues(low, high, log, step));
    if (step === null) this.high = high;
    else {
      // Keep the caller's high when it is on the grid up to rounding (0.1 + 3·0.2 ≠ 0.7 in floats).
      const snapped = low + stepCount(low, high, step) * step;
      this.high = Math.abs(snapped - high) <= 1e-9 * Math.max(1, Math.abs(high)) ? high : snapped;
    }
  }

  single(): boolean {
    if (this.low === this.high) return true;
    return this.step !== null && stepCount(this.low, this.high, this.step) === 0;
  }

  contains(x: number): boolean {
    if (!(this.low <= x && x <= this.high)) return false;
    if (this.step === null) return true;
    const k = (x - this.low) / this.step;
    return Math.abs(k - Math.round(k)) < 1e-8;
  }

  toInternal(value: ParamValue): number {
    if (typeof value !== 'number' || Number.isNaN(value))
      throw new TypeError(`float parameter value must be a number, got ${String(value)}`);
    return value;
  }

  toExternal(internal: number): number {
    return internal;
  }

  equals(other: Distribution): boolean {
    return (
      other instanceof FloatDistribution &&
      other.low === this.low &&
      other.high === this.high &&
      other.log === this.log &&
      other.step === this.step
    );
  }

  toJSON(): DistributionData {
    return {
      name: 'FloatDistribution',
      attributes: { low: this.low, high: this.high, log: this.log, step: this.step },
    };
  }
}

export class IntDistribution {
  readonly kind = 'int' as const;
  readonly high: number;

  constructor(
    readonly low: number,
    high: number,
    readonly log: boolean = false,
    readonly step: number = 1,
  ) {
    throwFirst(intDistributionIssues(low, high, log, step));
    this.high = low + Math.floor((high - low) / step) * step;
  }

  single(): boolean {
    return this.low === this.high || this.high - this.low < this.step;
  }

  contains(x: number): boolean {
    return this.low <= x && x <= this.high && (x - this.low) % this.step === 0;
  }

  toInternal(value: ParamValue): number {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new TypeError(`int parameter value must be a finite number, got ${String(value)}`);
    return value;
  }

  toExternal(internal: number): number {
    return Math.round(internal);
  }

  equals(other: Distribution): boolean {
    return (
      other instanceof IntDistribution &&
      other.low === this.low &&
      other.high === this.high &&
      other.log === this.log &&
      other.step === this.step
    );
  }

  toJSON(): DistributionData {
    return { name: 'IntDistribution', attributes: { low: this.low, high: this.high, log: this.log, step: this.step } };
  }
}

export class CategoricalDistribution<T extends CategoricalChoice = CategoricalChoice> {
  readonly kind = 'categorical' as const;
  readonly choices: readonly T[];

  constructor(choices: readonly T[]) {
    throwFirst(categoricalDistributionIssues(choices));
    this.choices = Object.freeze([...choices]);
  }

  single(): boolean {
    return this.choices.length === 1;
  }

  contains(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.choices.length;
  }

  toInternal(value: ParamValue): number {
    const i = this.choices.indexOf(value as T);
    if (i < 0)
      throw new RangeError(`${JSON.stringify(value)} is not one of the choices ${JSON.stringify(this.choices)}`);
    return i;
  }

  toExternal(internal: number): T {
    return this.choices[internal];
  }

  equals(other: Distribution): boolean {
    return (
      other instanceof CategoricalDistribution &&
      other.choices.length === this.choices.length &&
      other.choices.every((c, i) => c === this.choices[i])
    );
  }

  toJSON(): DistributionData {
    return { name: 'CategoricalDistribution', attributes: { choices: [...this.choices] } };
  }
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** Numeric (float or int) distributions: the ones a Parzen estimator treats as continuous. */
export type NumericalDistribution = FloatDistribution | IntDistribution;

export function distributionFromJSON(data: DistributionData): Distribution {
  const a = data.attributes;
  switch (data.name) {
    case 'FloatDistribution':
      return new FloatDistribution(
        a.low as number,
        a.high as number,
        a.log as boolean,
        (a.step ?? null) as number | null,
      );
    case 'IntDistribution':
      return new IntDistribution(a.low as number, a.high as number, a.log as boolean, a.step as number);
    case 'CategoricalDistribution':
      return new CategoricalDistribution(a.choices as CategoricalChoice[]);
    default:
      throw new TypeError(`unknown distribution ${JSON.stringify((data as { name?: unknown }).name)}`);
  }
}

/** The only value of a single() distribution (Optuna's _get_single_value). */
export function singleValue(d: Distribution): ParamValue {
  return d.kind === 'categorical' ? d.choices[0] : d.low;
}

/**
 * Optuna's check_distribution_compatibility: one name may not change kind (or log scale) within
 * a study; ranges may change. Categorical choices must stay the same.
 */
export function checkDistributionCompatibility(param: string, old: Distribution, next: Distribution): void {
  if (old.kind !== next.kind) {
    throw new DistributionError(
      param,
      'low',
      `cannot change from ${article(old.kind)} distribution to ${article(next.kind)} distribution`,
    );
  }
  if (old.kind !== 'categorical' && next.kind !== 'categorical' && old.log !== next.log) {
    throw new DistributionError(param, 'log', `cannot change log from ${old.log} to ${next.log}`);
  }
  if (old.kind === 'categorical' && !old.equals(next)) {
    throw new DistributionError(
      param,
      'choices',
      `cannot change choices from ${JSON.stringify(old.choices)} to ${JSON.stringify((next as CategoricalDistribution).choices)}`,
    );
  }
}

const article = (kind: Distribution['kind']): string => (kind === 'int' ? `an ${kind}` : `a ${kind}`);
