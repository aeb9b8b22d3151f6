// A big finished study as the studio exports it (format training-studio-study): the small
// fixture's study (e2e/study-fixture.ts) with `count` trials of the default search space and no
// per-epoch data, written as text directly (building 10^5 engine trials would take longer than the
// test's budget). Mostly complete trials, every 7th pruned, every 13th failed; values follow a
// seeded noise around a slow trend, so the best-so-far line steps a few times and the extremes are
// known. 100,000 trials make about 31 MB, the size issue 18 reported.
import { studyFixtureJSON } from './study-fixture';
import { mulberry32 } from '../src/core/prng';

export interface BigStudy {
  text: string;
  /** Best complete value (the study maximizes) and its trial. */
  best: { value: number; number: number };
  counts: { complete: number; pruned: number; failed: number };
}

export function bigStudyJSON(count: number, name: string): BigStudy {
  const file = JSON.parse(studyFixtureJSON()) as { study: Record<string, unknown> };
  const r = mulberry32(18); // the same study on every run
  const dist =
    '{"learning_rate":{"name":"FloatDistribution","attributes":{"low":0.000001,"high":0.0001,"log":true,"step":null}},' +
    '"per_device_train_batch_size":{"name":"CategoricalDistribution","attributes":{"choices":[4,8,16,32]}}}';
  const t0 = Date.parse('2026-12-01T00:00:00.000Z');
  const counts = { complete: 0, pruned: 0, failed: 0 };
  let best = { value: -Infinity, number: -1 };
  const trials: string[] = [];
  for (let n = 0; n < count; n++) {
    const lr = Math.exp(Math.log(1e-6) + r() * Math.log(100));
    const bs = [4, 8, 16, 32][Math.floor(r() * 4)];
    const start = new Date(t0 + n * 60_000).toISOString();
    const end = new Date(t0 + n * 60_000 + 30_000 + Math.floor(r() * 20_000)).toISOString();
    const value = Math.round((20 + 10 * (n / count) + 8 * r()) * 1e6) / 1e6;
    const state = n % 13 === 5 ? 'failed' : n % 7 === 3 ? 'pruned' : 'complete';
    counts[state]++;
    if (state === 'complete' && value > best.value) best = { value, number: n };
    const v = state === 'complete' ? String(value) : 'null';
    const iv = state === 'pruned' ? `[[1,${value}]]` : '[]';
    const reason = state === 'failed' ? '"out of memory"' : 'null';
    trials.push(
      `{"number":${n},"state":"${state}","value":${v},"params":{"learning_rate":${lr},"per_device_train_batch_size":${bs}},` +
        `"distributions":${dist},"intermediateValues":${iv},"datetimeStart":"${start}","datetimeComplete":"${end}",` +
        `"userAttrs":{},"systemAttrs":{},"failReason":${reason}}`,
    );
  }
  const study = { ...file.study, name, status: 'complete', trials: [] as unknown[] };
  const head = JSON.stringify({ ...file, study }).replace(/"trials":\[\]\}\}$/, '');
  return { text: `${head}"trials":[${trials.join(',')}]}}`, best, counts };
}
