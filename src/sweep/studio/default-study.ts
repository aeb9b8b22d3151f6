// The studio's default sweep, from the seed recipe (transformers' hyperparameter_search with the
// Optuna backend): learning_rate log-uniform in [1e-6, 1e-4], per_device_train_batch_size in
// {4, 8, 16, 32}, 20 trials, maximize, a fresh model per trial, then a final training with the
// best parameters (the caller's job).
//
// Default objective: 'sum' = rouge1 + rouge2 + rougeL + rougeLsum. transformers'
// default_compute_objective returns eval_loss only when there are no other metrics; otherwise
// the SUM of all remaining metrics (after dropping eval_loss, epoch and *_runtime /
// *_per_second / *_compilation_time). With a compute_metrics that returns the four ROUGE scores
// that is exactly this sum, so 'sum' reproduces hyperparameter_search's default. (If a recipe's
// compute_metrics also returned gen_len, transformers would add that too; the studio does not.)
// 'eval_loss' (minimize) is the objective default_compute_objective falls back to: the summary
// tokens' cross-entropy on the validation pairs, which still ranks trials when every one of them
// scores ROUGE 0 (a fresh model after a few steps). With a ROUGE objective, trials with equal
// values are ranked by their evaluation loss (the engine's TIE_BREAK_ATTR; the runner sets it).
//
// The learning-rate range follows the model (defaultSearchSpace): the seed's [1e-6, 1e-4] is for
// fine-tuning a pretrained base, where a larger step wrecks what it knows; a fresh preset starts
// from random weights and learns in a few hundred steps only with a much larger one.
import { clipText } from '../../core/bounded-text';
import type { RougeSummary } from '../../core/events';
import {
  categoricalDistributionIssues,
  CategoricalDistribution,
  FloatDistribution,
  floatDistributionIssues,
  IntDistribution,
  intDistributionIssues,
  paramMessage,
  type CategoricalChoice,
  type Distribution,
  type DistributionField,
  type ParamValue,
} from '../engine/distributions';
import type { Pruner } from '../engine/pruners/base';
import { MedianPruner } from '../engine/pruners/median';
import { NopPruner } from '../engine/pruners/nop';
import { SuccessiveHalvingPruner } from '../engine/pruners/successive-halving';
import type { Sampler } from '../engine/samplers/base';
import { GridSampler } from '../engine/samplers/grid';
import { RandomSampler } from '../engine/samplers/random';
import { TPESampler } from '../engine/samplers/tpe';
import { Study, type StudyDirection } from '../engine/study';
import type { Trial } from '../engine/trial';

export type RougeObjective = keyof RougeSummary | 'sum';
export const ROUGE_OBJECTIVES: readonly RougeObjective[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'sum'];
/** What a trial is scored by: a ROUGE objective (maximize) or the evaluation loss (minimize). */
export type SweepObjective = RougeObjective | 'eval_loss';
export const OBJECTIVES: readonly SweepObjective[] = [...ROUGE_OBJECTIVES, 'eval_loss'];
export const DEFAULT_OBJECTIVE: SweepObjective = 'sum';

/** The direction an objective is optimized in: a loss down, ROUGE up. */
export function objectiveDirection(objective: SweepObjective): StudyDirection {
  return objective === 'eval_loss' ? 'minimize' : 'maximize';
}

/**
 * The number a trial reports: one ROUGE score, their sum (transformers' default), or the
 * evaluation loss (NaN when the evaluation had none: the study then records the trial as failed).
 */
export function objectiveFrom(
  rouge: RougeSummary,
  objective: SweepObjective = DEFAULT_OBJECTIVE,
  evalLoss: number | null = null,
): number {
  if (objective === 'eval_loss') return evalLoss ?? NaN;
  if (objective === 'sum') return rouge.rouge1 + rouge.rouge2 + rouge.rougeL + rouge.rougeLsum;
  if (!ROUGE_OBJECTIVES.includes(objective)) throw new RangeError(`unknown objective ${JSON.stringify(objective)}`);
  return rouge[objective];
}

/** One parameter of the search space as the UI edits it (plain JSON). */
export interface ParamSpec {
  name: string;
  type: 'float' | 'int' | 'categorical';
  low?: number;
  high?: number;
  log?: boolean;
  step?: number | null;
  choices?: CategoricalChoice[];
}

export type SearchSpaceSpec = ParamSpec[];

export interface SearchSpaceIssue {
  /** Position in the spec (stable even when the name is missing). */
  index: number;
  /** The parameter's name, or '' when it has none. */
  param: string;
  field: 'name' | 'type' | DistributionField;
  /** e.g. `parameter "learning_rate": low 1e-3 is greater than high 1e-4`. */
  message: string;
}

/** Whether trials fine-tune a pretrained base (or any model the run starts from) or train a fresh preset. */
export type SweepModelKind = 'pretrained' | 'fresh';

/** The learning-rate range (log-uniform) of the default search space, by model. */
export const DEFAULT_LEARNING_RATES: Readonly<Record<SweepModelKind, { low: number; high: number }>> = {
  pretrained: { low: 1e-6, high: 1e-4 }, // the seed recipe's
  // A fresh preset: around its default 2e-3 (train/spec.ts). Measured on 'small', one epoch: 5e-4 learnt next to
  // nothing ("A a a a"), 2e-3 and 3e-3 learnt words, 5e-3 trailed 2e-3 early on.
  fresh: { low: 3e-4, high: 5e-3 },
};

/** The default search space for a model: its learning-rate range, batch size {4, 8, 16, 32} (the seed's). */
export function defaultSearchSpace(kind: SweepModelKind): SearchSpaceSpec {
  const lr = DEFAULT_LEARNING_RATES[kind];
  return [
    { name: 'learning_rate', type: 'float', low: lr.low, high: lr.high, log: true },
    { name: 'per_device_train_batch_size', type: 'categorical', choices: [4, 8, 16, 32] },
  ];
}

/** The seed's search space (a pretrained base's). */
export const DEFAULT_SEARCH_SPACE: SearchSpaceSpec = defaultSearchSpace('pretrained');

/**
 * The space a sweep on this model searches: a learning_rate left at either model's default range
 * becomes this model's default range; anything the user changed is theirs and kept as it is.
 */
export function searchSpaceForModel(space: SearchSpaceSpec, kind: SweepModelKind): SearchSpaceSpec {
  const isDefaultRange = (p: ParamSpec) =>
    p.name === 'learning_rate' &&
    p.type === 'float' &&
    p.log === true &&
    (p.step ?? null) === null &&
    Object.values(DEFAULT_LEARNING_RATES).some((r) => r.low === p.low && r.high === p.high);
  const lr = DEFAULT_LEARNING_RATES[kind];
  return space.map((p) => (isDefaultRange(p) ? { ...p, low: lr.low, high: lr.high } : p));
}

export type SamplerKind = 'tpe' | 'random' | 'grid';
export type PrunerKind = 'median' | 'successive-halving' | 'nop';

export interface SweepConfig {
  searchSpace: SearchSpaceSpec;
  nTrials: number;
  direction: StudyDirection; // objectiveDirection(objective): createSweepStudy refuses any other
  objective: SweepObjective;
  sampler: SamplerKind;
  /** Median (Optuna's default); only acts if trials report intermediate ROUGE during training. */
  pruner: PrunerKind;
  seed: number;
}

export const DEFAULT_SWEEP: Readonly<SweepConfig> = Object.freeze({
  searchSpace: DEFAULT_SEARCH_SPACE,
  nTrials: 20,
  direction: 'maximize',
  objective: DEFAULT_OBJECTIVE,
  sampler: 'tpe',
  pruner: 'median',
  seed: 42,
});

export const SAMPLER_KINDS: readonly SamplerKind[] = ['tpe', 'random', 'grid'];
export const PRUNER_KINDS: readonly PrunerKind[] = ['median', 'successive-halving', 'nop'];
/** The most trials a stored sweep config may ask for (a study of 10^5 trials is one the studio must handle). */
export const MAX_SWEEP_TRIALS = 1_000_000;

/** The most parameters a search space may have, and the longest name one may have. */
export const MAX_SEARCH_PARAMS = 1000;
export const MAX_PARAM_NAME_CHARS = 200;

/** One problem of a sweep config: the field's path inside it ("objective", "searchSpace[1].low") and what is wrong. */
export interface SweepConfigIssue {
  field: string;
  message: string;
}

const shown = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : typeof v === 'string'
      ? JSON.stringify(v.slice(0, 60))
      : Array.isArray(v)
        ? 'a list'
        : typeof v === 'object' && v !== null
          ? 'an object'
          : String(v);

/**
 * Every problem of a sweep config as it is stored (a study's config.sweep, the Sweep tab's saved
 * settings): each field the dashboard, the runner and a resume read, checked as createSweepStudy
 * would use it. Empty when the config is complete and valid.
 */
export function validateSweepConfig(v: unknown): SweepConfigIssue[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return [{ field: '', message: `expected the sweep settings (an object), got ${shown(v)}` }];
  const c = v as Record<string, unknown>;
  const out: SweepConfigIssue[] = [];
  const say = (field: string, message: string) => out.push({ field, message });
  const choice = (field: string, allowed: readonly string[]) => {
    const x = c[field];
    if (typeof x === 'string' && allowed.includes(x)) return true;
    say(
      field,
      `${x === undefined ? 'missing, expected' : 'expected'} one of ${allowed.join(', ')}${x === undefined ? '' : `, got ${shown(x)}`}`,
    );
    return false;
  };
  if (choice('objective', OBJECTIVES)) {
    const want = objectiveDirection(c.objective as SweepObjective);
    if (c.direction !== want)
      say(
        'direction',
        `expected "${want}" (the objective ${String(c.objective)} is to ${want}), got ${shown(c.direction)}`,
      );
  } else choice('direction', ['maximize', 'minimize']);
  const n = c.nTrials;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SWEEP_TRIALS)
    say(
      'nTrials',
      `expected a whole number of trials in [1, ${MAX_SWEEP_TRIALS.toLocaleString('en-US')}], got ${shown(n)}`,
    );
  const samplerOk = choice('sampler', SAMPLER_KINDS);
  choice('pruner', PRUNER_KINDS);
  const seed = c.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    say('seed', `expected an integer in [0, 2^32), got ${shown(seed)}`);
  const spaceIssues = validateSearchSpace(c.searchSpace);
  for (const i of spaceIssues) say(i.index < 0 ? 'searchSpace' : `searchSpace[${i.index}].${i.field}`, i.message);
  // A grid enumerates every value: each parameter needs choices or a step (what createSweepStudy builds).
  if (samplerOk && c.sampler === 'grid' && spaceIssues.length === 0) {
    try {
      gridFromSpec(c.searchSpace as SearchSpaceSpec);
    } catch (e) {
      say('searchSpace', `${e instanceof Error ? e.message : String(e)} (sampler is "grid")`);
    }
  }
  return out;
}

/** Every problem in a spec, each naming the parameter and field; empty when the spec is valid. */
export function validateSearchSpace(spec: unknown): SearchSpaceIssue[] {
  if (!Array.isArray(spec))
    return [{ index: -1, param: '', field: 'name', message: 'search space must be a list of parameters' }];
  if (spec.length === 0) return [{ index: -1, param: '', field: 'name', message: 'search space has no parameters' }];
  // Bounded before any per-parameter work: a file can hold any number of them.
  if (spec.length > MAX_SEARCH_PARAMS) {
    const message = `search space has ${spec.length.toLocaleString('en-US')} parameters; at most ${MAX_SEARCH_PARAMS.toLocaleString('en-US')} are allowed`;
    return [{ index: -1, param: '', field: 'name', message }];
  }
  const issues: SearchSpaceIssue[] = [];
  const seen = new Map<string, number>();
  spec.forEach((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) {
      issues.push({ index, param: '', field: 'name', message: `parameter #${index + 1}: must be an object` });
      return;
    }
    const p = raw as Partial<ParamSpec>;
    const hasName = typeof p.name === 'string' && p.name.trim() !== '';
    const param = hasName ? (p.name as string) : '';
    const say = (field: SearchSpaceIssue['field'], detail: string) =>
      issues.push({
        index,
        param,
        field,
        message: hasName ? paramMessage(clipText(param, 60), detail) : `parameter #${index + 1}: ${detail}`,
      });
    if (!hasName) say('name', 'name must be a non-empty string');
    else if (param.length > MAX_PARAM_NAME_CHARS)
      say(
        'name',
        `name is ${param.length.toLocaleString('en-US')} characters long; at most ${MAX_PARAM_NAME_CHARS} are allowed`,
      );
    else if (seen.has(param)) say('name', `name is also used by parameter #${seen.get(param)! + 1}`);
    else seen.set(param, index);

    if (p.type === 'float')
      floatDistributionIssues(p.low, p.high, p.log ?? false, p.step ?? null).forEach((i) => say(i.field, i.detail));
    else if (p.type === 'int')
      intDistributionIssues(p.low, p.high, p.log ?? false, p.step ?? 1).forEach((i) => say(i.field, i.detail));
    else if (p.type === 'categorical') {
      const found = categoricalDistributionIssues(p.choices);
      found.forEach((i) => say(i.field, i.detail));
      if (found.length === 0) {
        p.choices!.forEach((c, i) => {
          const first = p.choices!.indexOf(c);
          if (first !== i) say('choices', `choices[${i}] repeats choices[${first}] (${JSON.stringify(c)})`);
        });
      }
    } else say('type', `type must be 'float', 'int' or 'categorical', got ${JSON.stringify(p.type)}`);
  });
  return issues;
}

/** Distributions for a valid spec; throws with the first issue's message otherwise. */
export function distributionsFromSpec(spec: SearchSpaceSpec): Record<string, Distribution> {
  const issues = validateSearchSpace(spec);
  if (issues.length > 0) throw new RangeError(issues[0].message);
  const out: Record<string, Distribution> = {};
  for (const p of spec) {
    if (p.type === 'float') out[p.name] = new FloatDistribution(p.low!, p.high!, p.log ?? false, p.step ?? null);
    else if (p.type === 'int') out[p.name] = new IntDistribution(p.low!, p.high!, p.log ?? false, p.step ?? 1);
    else out[p.name] = new CategoricalDistribution(p.choices!);
  }
  return out;
}

/** Suggests every parameter of the spec, in spec order; returns name → value. */
export function suggestFromSpec(trial: Trial, spec: SearchSpaceSpec): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(distributionsFromSpec(spec))) out[name] = trial.suggest(name, d);
  return out;
}

/** Grid values per parameter: choices, or every step of a stepped/int range (≤ maxPerParam). */
export function gridFromSpec(spec: SearchSpaceSpec, maxPerParam = 1000): Record<string, CategoricalChoice[]> {
  const out: Record<string, CategoricalChoice[]> = {};
  for (const [name, d] of Object.entries(distributionsFromSpec(spec))) {
    if (d.kind === 'categorical') out[name] = [...d.choices];
    else if (d.step === null)
      throw new RangeError(paramMessage(name, 'a grid needs choices or a step for a float parameter'));
    else if (d.kind === 'int' && d.log)
      throw new RangeError(paramMessage(name, 'a grid cannot enumerate a log-scale int range; list choices instead'));
    else {
      const n = Math.round((d.high - d.low) / d.step) + 1;
      if (n > maxPerParam)
        throw new RangeError(paramMessage(name, `grid would have ${n} values (more than ${maxPerParam})`));
      out[name] = Array.from({ length: n }, (_, i) => d.low + i * d.step!);
    }
  }
  return out;
}

/** A study configured from a SweepConfig (defaults: the seed recipe). */
export function createSweepStudy(config: Partial<SweepConfig> = {}): Study {
  const c: SweepConfig = { ...DEFAULT_SWEEP, ...config };
  let sampler: Sampler;
  if (c.sampler === 'tpe') sampler = new TPESampler({ seed: c.seed });
  else if (c.sampler === 'random') sampler = new RandomSampler(c.seed);
  else sampler = new GridSampler(gridFromSpec(c.searchSpace), c.seed);
  let pruner: Pruner;
  if (c.pruner === 'median') pruner = new MedianPruner();
  else if (c.pruner === 'successive-halving') pruner = new SuccessiveHalvingPruner();
  else pruner = new NopPruner();
  const direction = objectiveDirection(c.objective);
  if (config.direction !== undefined && config.direction !== direction)
    throw new RangeError(`the objective ${c.objective} is to ${direction}, but the sweep says ${config.direction}`);
  const study = new Study({ direction, sampler, pruner });
  study.setUserAttr('objective', c.objective);
  study.setUserAttr('nTrials', c.nTrials);
  return study;
}
