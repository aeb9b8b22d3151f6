// StudyData: the plain JSON form of a study, for IndexedDB persistence and export.
// Round trip is exact: Study.fromJSON(s.toJSON()).toJSON() equals s.toJSON() key for key, and
// survives JSON.stringify/parse. JSON has no NaN or ±Infinity (stringify would turn them into
// null), so non-finite numbers in values and intermediate values are written as strings.
import { distributionFromJSON, type DistributionData, type ParamValue } from './distributions';
import type { PrunerSpec } from './pruners/base';
import type { SamplerSpec } from './samplers/base';
import type { StudyDirection } from './study';
import { Trial, type JsonValue, type TrialState } from './trial';

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface TrialData {
  number: number;
  state: TrialState;
  value: JsonNumber | null;
  params: Record<string, ParamValue>;
  distributions: Record<string, DistributionData>;
  /** [step, value] pairs in report order. */
  intermediateValues: Array<[number, JsonNumber]>;
  datetimeStart: string | null;
  datetimeComplete: string | null;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  failReason: string | null;
}

export interface StudyData {
  format: 'sweep-study';
  version: 1;
  studyName: string;
  direction: StudyDirection;
  userAttrs: Record<string, JsonValue>;
  sampler: SamplerSpec;
  pruner: PrunerSpec;
  trials: TrialData[];
}

export function encodeNumber(x: number): JsonNumber {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

export function decodeNumber(x: JsonNumber): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new TypeError(`not a number: ${JSON.stringify(x)}`);
}

// Deep copies keep the record independent of the live trial (and vice versa).
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

export function trialToData(t: Trial): TrialData {
  const distributions: Record<string, DistributionData> = {};
  for (const [name, d] of Object.entries(t.distributions)) distributions[name] = d.toJSON();
  return {
    number: t.number,
    state: t.state,
    value: t.value === null ? null : encodeNumber(t.value),
    params: { ...t.params },
    distributions,
    intermediateValues: [...t.intermediateValues].map(([s, v]) => [s, encodeNumber(v)]),
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
    userAttrs: clone(t.userAttrs),
    systemAttrs: clone(t.systemAttrs),
    failReason: t.failReason,
  };
}

/** Rebuilds a trial record; `attach` is the study it belongs to (null for a detached copy). */
export function trialFromData(data: TrialData, attach: ConstructorParameters<typeof Trial>[1]): Trial {
  const t = new Trial(data.number, attach, data.datetimeStart);
  t.state = data.state;
  t.value = data.value === null ? null : decodeNumber(data.value);
  for (const [name, d] of Object.entries(data.distributions)) t.distributions[name] = distributionFromJSON(d);
  for (const [name, v] of Object.entries(data.params)) t.params[name] = v;
  for (const [s, v] of data.intermediateValues) t.intermediateValues.set(s, decodeNumber(v));
  t.datetimeComplete = data.datetimeComplete;
  Object.assign(t.userAttrs, clone(data.userAttrs));
  Object.assign(t.systemAttrs, clone(data.systemAttrs));
  t.failReason = data.failReason;
  return t;
}
