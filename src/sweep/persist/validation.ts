// The field-by-field checks of study data, shared by import (a hand-edited file) and storage (what
// the runner saves). Validation collects all problems rather than stopping at the first, so one
// round of edits can fix a hand-edited file; whatever passes must also load with Study.fromJSON.
import { checkDistributionCompatibility, distributionFromJSON, fmt, type Distribution } from '../engine/distributions';
import type { PrunerSpec } from '../engine/pruners/base';
import { prunerFromJSON } from '../engine/pruners/from-json';
import type { SamplerSpec } from '../engine/samplers/base';
import { samplerFromJSON } from '../engine/samplers/from-json';
import { Study, type StudyDirection } from '../engine/study';
import type { StudyData, TrialData } from '../engine/study-data';
import { TRIAL_STATES } from '../engine/trial';
import { absorb, at, attempt, describe, expectation, isPlainObject, oneOf, say } from './issues';
import { MAX_JSON_NESTING } from './json-nesting';
import { STUDY_STATUSES, studyBody, studyData, type StudyMeta } from './study-record';

const DIRECTIONS: readonly StudyDirection[] = ['maximize', 'minimize'];
const MAX_NAME_LENGTH = 200;

// Each validate* returns every problem as "path: what is wrong"; empty when valid.
const collect = (check: (out: string[]) => unknown): string[] => {
  const out: string[] = [];
  check(out);
  return out;
};

export const validateStudy = (meta: StudyMeta, data: StudyData): string[] =>
  collect((out) =>
    data?.format !== 'sweep-study' || data.version !== 1
      ? say(out, 'study', 'the engine data is not a sweep-study version 1 StudyData')
      : checkBody(studyBody(meta, data), 'study', out, true),
  );
export const validateTrial = (trial: unknown, path = 'trial'): string[] =>
  collect((out) => checkTrial(trial, path, out));
export const validateStatus = (status: unknown, path = 'status'): string[] =>
  collect((out) => oneOf(out, path, status, STUDY_STATUSES));
export const validateStudyName = (name: unknown, path = 'name'): string[] =>
  collect((out) => {
    if (typeof name !== 'string' || name.trim() === '') say(out, path, expectation('a non-empty name', name));
    else if (name.length > MAX_NAME_LENGTH)
      say(out, path, `is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  });

/** Checks a study body ({…meta, trials}); `requireId` is false for a file, whose id is replaced. */
export function checkBody(v: unknown, path: string, out: string[], requireId: boolean): void {
  if (!isPlainObject(v)) return void say(out, path, expectation('a study object', v));
  if (requireId && (typeof v.id !== 'string' || v.id === ''))
    say(out, at(path, 'id'), expectation('a non-empty string', v.id));
  absorb(out, validateStudyName(v.name, at(path, 'name')));
  for (const key of ['createdAt', 'updatedAt']) checkDate(out, at(path, key), v[key], false);
  oneOf(out, at(path, 'status'), v.status, STUDY_STATUSES);
  if (v.config === undefined)
    say(out, at(path, 'config'), 'missing, expected the sweep config {sweep, base} (the search and the run settings)');
  else checkJson(v.config, at(path, 'config'), out, 0);
  if (typeof v.studyName !== 'string') say(out, at(path, 'studyName'), expectation('a string', v.studyName));
  oneOf(out, at(path, 'direction'), v.direction, DIRECTIONS);
  checkJsonObject(out, at(path, 'userAttrs'), v.userAttrs);
  checkSpec(out, at(path, 'sampler'), v.sampler, SAMPLER_FIELDS, (s) => samplerFromJSON(s as SamplerSpec));
  checkSpec(out, at(path, 'pruner'), v.pruner, PRUNER_FIELDS, (s) => prunerFromJSON(s as PrunerSpec));
  if (!Array.isArray(v.trials)) return void say(out, at(path, 'trials'), expectation('an array of trials', v.trials));

  // A parameter may not change kind, log scale or choices between trials (Optuna's rule).
  const first = new Map<string, Distribution>();
  v.trials.forEach((t: unknown, i: number) => {
    const p = at(at(path, 'trials'), i);
    for (const [name, d] of Object.entries(checkTrial(t, p, out, i))) {
      const seen = first.get(name);
      if (seen === undefined) first.set(name, d);
      else attempt(out, at(at(p, 'distributions'), name), () => checkDistributionCompatibility(name, seen, d));
    }
  });
  if (out.length === 0) {
    // The last word: whatever passed the checks must also load, or the user could not open it.
    const data = studyData(v as unknown as StudyMeta, v.trials as TrialData[]);
    attempt(out, path, () => Study.fromJSON(data), 'cannot be restored: ');
  }
}

/** Checks one trial; returns its distributions (for the cross-trial check). */
function checkTrial(v: unknown, path: string, out: string[], expectedNumber?: number): Record<string, Distribution> {
  const dists: Record<string, Distribution> = {};
  if (!isPlainObject(v)) {
    say(out, path, expectation('a trial object', v));
    return dists;
  }
  const n = v.number;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    say(out, at(path, 'number'), expectation('a non-negative integer', n));
  else if (expectedNumber !== undefined && n !== expectedNumber) {
    say(out, at(path, 'number'), `expected ${expectedNumber} (trials are numbered 0, 1, 2, … in order), got ${n}`);
  }
  const stateOk = oneOf(out, at(path, 'state'), v.state, TRIAL_STATES);

  const valuePath = at(path, 'value');
  if (v.value === undefined) say(out, valuePath, 'missing, expected a number or null');
  else if (v.value !== null && checkJsonNumber(out, valuePath, v.value) && stateOk) {
    if (v.state === 'running' || v.state === 'failed')
      say(out, valuePath, `a ${String(v.state)} trial has no value; expected null, got ${describe(v.value)}`);
  }
  if (v.state === 'complete' && (v.value === null || v.value === 'NaN'))
    say(out, valuePath, `a complete trial needs a value that is not NaN, got ${describe(v.value)}`);

  const distPath = at(path, 'distributions');
  if (!isPlainObject(v.distributions))
    say(out, distPath, expectation('an object of parameter distributions', v.distributions));
  else {
    for (const [name, d] of Object.entries(v.distributions)) {
      const p = at(distPath, name);
      if (!isPlainObject(d) || !isPlainObject(d.attributes))
        say(out, p, expectation('a distribution {name, attributes}', d));
      else if (oneOf(out, at(p, 'name'), d.name, DISTRIBUTION_NAMES)) {
        attempt(out, p, () => (dists[name] = distributionFromJSON(d as never)));
      }
    }
  }
  const paramPath = at(path, 'params');
  if (!isPlainObject(v.params)) say(out, paramPath, expectation('an object of parameter values', v.params));
  else {
    for (const [name, value] of Object.entries(v.params)) {
      const p = at(paramPath, name);
      const d = dists[name];
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
        say(out, p, expectation('a string, number, boolean or null', value));
      else if (d !== undefined) {
        attempt(out, p, () => {
          if (!d.contains(d.toInternal(value as never)))
            throw new RangeError(`${describe(value)} is outside its distribution ${describeDistribution(d)}`);
        });
      } else if (isPlainObject(v.distributions) && !(name in v.distributions))
        say(out, p, `has no distribution in ${distPath}`);
    }
  }

  const ivPath = at(path, 'intermediateValues');
  if (!Array.isArray(v.intermediateValues))
    say(out, ivPath, expectation('an array of [step, value] pairs', v.intermediateValues));
  else {
    const steps = new Set<number>();
    v.intermediateValues.forEach((pair: unknown, i: number) => {
      const p = at(ivPath, i);
      if (!Array.isArray(pair) || pair.length !== 2) return say(out, p, expectation('a [step, value] pair', pair));
      const [step, value] = pair as [unknown, unknown];
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
        say(out, at(p, 0), expectation('a non-negative integer step', step));
      else if (steps.has(step)) say(out, at(p, 0), `step ${step} is reported twice`);
      else steps.add(step);
      checkJsonNumber(out, at(p, 1), value);
    });
  }
  checkDate(out, at(path, 'datetimeStart'), v.datetimeStart, true);
  checkDate(out, at(path, 'datetimeComplete'), v.datetimeComplete, true);
  if (v.state === 'running' && typeof v.datetimeComplete === 'string')
    say(out, at(path, 'datetimeComplete'), 'a running trial has no completion time; expected null');
  checkJsonObject(out, at(path, 'userAttrs'), v.userAttrs);
  checkJsonObject(out, at(path, 'systemAttrs'), v.systemAttrs);
  if (v.failReason !== null && typeof v.failReason !== 'string')
    say(out, at(path, 'failReason'), expectation('a string or null', v.failReason));
  return dists;
}

// Field types of each sampler/pruner spec; the constructors then check ranges and combinations.
type FieldKind = 'int' | 'count' | 'number' | 'bool' | 'grid' | 'resource' | 'countOrNull';
const SAMPLER_FIELDS: Record<string, Record<string, FieldKind>> = {
  tpe: {
    seed: 'int',
    draws: 'count',
    randomDraws: 'count',
    nStartupTrials: 'count',
    nEiCandidates: 'count',
    priorWeight: 'number',
    considerMagicClip: 'bool',
    considerEndpoints: 'bool',
    multivariate: 'bool',
    constantLiar: 'bool',
    customFunctions: 'bool',
  },
  random: { seed: 'int', draws: 'count' },
  grid: { searchSpace: 'grid', seed: 'int', draws: 'count' },
};
const PERCENTILE: Record<string, FieldKind> = {
  percentile: 'number',
  nStartupTrials: 'count',
  nWarmupSteps: 'count',
  intervalSteps: 'count',
  nMinTrials: 'count',
};
const PRUNER_FIELDS: Record<string, Record<string, FieldKind>> = {
  median: PERCENTILE,
  percentile: PERCENTILE,
  'successive-halving': {
    minResource: 'resource',
    estimatedMinResource: 'countOrNull',
    reductionFactor: 'count',
    minEarlyStoppingRate: 'count',
    bootstrapCount: 'count',
  },
  nop: {},
};
const DISTRIBUTION_NAMES = ['FloatDistribution', 'IntDistribution', 'CategoricalDistribution'] as const;

function checkSpec(
  out: string[],
  path: string,
  v: unknown,
  fields: Record<string, Record<string, FieldKind>>,
  build: (spec: unknown) => unknown,
): void {
  if (!isPlainObject(v)) return void say(out, path, expectation('an object with a "kind"', v));
  if (!oneOf(out, at(path, 'kind'), v.kind, Object.keys(fields))) return;
  const before = out.length;
  for (const [field, kind] of Object.entries(fields[v.kind as string])) {
    const x = v[field];
    const p = at(path, field);
    const isCount = typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (kind === 'int' && !(typeof x === 'number' && Number.isInteger(x))) say(out, p, expectation('an integer', x));
    else if (kind === 'count' && !isCount) say(out, p, expectation('a non-negative integer', x));
    else if (kind === 'countOrNull' && x !== null && !isCount)
      say(out, p, expectation('a non-negative integer or null', x));
    else if (kind === 'number' && !(typeof x === 'number' && Number.isFinite(x)))
      say(out, p, expectation('a finite number', x));
    else if (kind === 'bool' && typeof x !== 'boolean') say(out, p, expectation('true or false', x));
    else if (kind === 'resource' && x !== 'auto' && !isCount)
      say(out, p, expectation('"auto" or a positive integer', x));
    else if (kind === 'grid') {
      if (!isPlainObject(x)) say(out, p, expectation('an object of parameter → values', x));
      else
        for (const [name, values] of Object.entries(x))
          if (!Array.isArray(values)) say(out, at(p, name), expectation('an array of values', values));
      checkJson(x, p, out, 0);
    }
  }
  if (out.length === before) attempt(out, path, () => build(v));
}

function checkDate(out: string[], path: string, v: unknown, nullable: boolean): void {
  if (nullable && v === null) return;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
    say(out, path, expectation(nullable ? 'an ISO 8601 date or null' : 'an ISO 8601 date', v));
}

// JSON has no NaN or ±Infinity, so StudyData writes them as strings (see study-data.ts).
function checkJsonNumber(out: string[], path: string, v: unknown): boolean {
  if ((typeof v === 'number' && Number.isFinite(v)) || v === 'NaN' || v === 'Infinity' || v === '-Infinity')
    return true;
  say(out, path, expectation('a finite number or "NaN", "Infinity", "-Infinity"', v));
  return false;
}

function checkJsonObject(out: string[], path: string, v: unknown): void {
  if (!isPlainObject(v)) say(out, path, expectation('an object', v));
  else checkJson(v, path, out, 0);
}

function checkJson(v: unknown, path: string, out: string[], depth: number): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      say(out, path, `${v} cannot be stored as JSON (it would become null); use null or a string`);
    return;
  }
  // Bounded recursion: a value nested deeper is refused before it could overflow the stack.
  if (depth >= MAX_JSON_NESTING)
    return say(out, path, `nested more than ${MAX_JSON_NESTING} levels deep (at most ${MAX_JSON_NESTING} are allowed)`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) say(out, at(path, i), 'undefined cannot be stored as JSON (it would become null)');
      else checkJson(v[i], at(path, i), out, depth + 1);
    }
  } else if (isPlainObject(v)) {
    // An undefined property is simply absent in JSON, so it loses nothing.
    for (const [k, x] of Object.entries(v)) if (x !== undefined) checkJson(x, at(path, k), out, depth + 1);
  } else say(out, path, expectation('a JSON value (null, boolean, number, string, array or plain object)', v));
}

function describeDistribution(d: Distribution): string {
  const { name, attributes } = d.toJSON();
  const args = Object.entries(attributes).map(([k, x]) => `${k}=${typeof x === 'number' ? fmt(x) : JSON.stringify(x)}`);
  return `${name}(${args.join(', ')})`;
}
