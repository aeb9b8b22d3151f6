import { describe, expect, it } from 'vitest';
import { Study } from '../../sweep/engine/study';
import { RandomSampler } from '../../sweep/engine/samplers/random';
import { NopPruner } from '../../sweep/engine/pruners/nop';
import type { StudyMeta } from '../../sweep/persist/study-record';
import { trialDataView } from '../../store/study-view';
import { bestSoFar, bestTrial, stateCounts, type TrialView } from '../../store/sweep-view';
import { filterTrials, sortTrials, type SortKey } from '../../ui/sweep/trials-table-data';
import { studyDigest, SAMPLE_LIMITS } from './digest';
import { TrialsPager } from './trials-page';

// The digest against the dashboard's own read-outs over the whole study (the oracle: what the page
// would show if it held every trial), and the worker's table pages against the table's own sort.

function bigStudy(n: number, direction: 'maximize' | 'minimize' = 'maximize') {
  let t = Date.parse('2024-01-01T00:00:00Z');
  const study = new Study({
    direction,
    sampler: new RandomSampler(3),
    pruner: new NopPruner(),
    now: () => new Date((t += 1000)),
  });
  for (let i = 0; i < n; i++) {
    const trial = study.ask();
    const x = trial.suggestFloat('x', 0, 1);
    trial.suggestCategorical('bs', [4, 8, 16]);
    trial.report(x, 1);
    if (i % 7 === 3) study.tell(trial, 'pruned');
    else if (i % 13 === 5) study.tell(trial, 'failed', i % 2 ? 'out of memory' : 'diverged');
    else if (i === n - 1)
      continue; // left running
    else study.tell(trial, Math.sin(i) + i / n);
  }
  const data = study.toJSON();
  const meta = {
    id: 'big',
    name: 'big',
    direction: data.direction,
    studyName: data.studyName,
    userAttrs: data.userAttrs,
    sampler: data.sampler,
    pruner: data.pruner,
  } as StudyMeta;
  return { meta, trials: data.trials, views: data.trials.map(trialDataView) };
}

describe('studyDigest', () => {
  it('a big study: counts, best and best-so-far of every trial; a bounded sample holding the best, first and last', () => {
    const { meta, trials, views } = bigStudy(6000);
    const d = studyDigest(meta, trials);
    const whole = { trials: views, direction: meta.direction };
    expect(d.sampled).toBe(true);
    expect(d.trialCount).toBe(6000);
    expect(d.counts).toEqual(stateCounts(views));
    expect(d.best).toBe(bestTrial(whole)?.number);
    const limit = Object.values(SAMPLE_LIMITS).reduce((a, b) => a + b, 0);
    expect(d.sample.length).toBeLessThanOrEqual(limit + 3);
    const nums = d.sample.map((t) => t.number);
    expect(nums).toContain(d.best);
    expect(nums[0]).toBe(0);
    expect(nums.at(-1)).toBe(5999);
    expect(nums).toEqual([...nums].sort((a, b) => a - b));
    // The step line equals the per-trial line at every trial.
    const full = bestSoFar(whole);
    for (const p of full) expect(d.bestSoFar.filter((s) => s.number <= p.number).at(-1)?.best ?? null).toBe(p.best);
    // Per state, the sample keeps the lowest and highest value drawn.
    const completes = views.filter((t) => t.state === 'complete').map((t) => t.value!);
    const sampledValues = d.sample.filter((t) => t.state === 'complete').map((t) => t.value);
    expect(sampledValues).toContain(Math.min(...completes));
    expect(sampledValues).toContain(Math.max(...completes));
    expect(d.importances).not.toBeNull();
  });

  it('a study within the limits is sent whole', () => {
    const { meta, trials } = bigStudy(40, 'minimize');
    const d = studyDigest(meta, trials);
    expect(d.sampled).toBe(false);
    expect(d.sample).toEqual(trials);
  });
});

describe('TrialsPager', () => {
  const { trials, views } = bigStudy(900);
  const pager = new TrialsPager(trials);
  const numbers = (ts: { number: number }[]) => ts.map((t) => t.number);

  it('pages in the trials table own order for every column and direction, with and without a filter', () => {
    const keys: SortKey[] = ['number', 'state', 'value', 'duration', 'epochs', 'param:x', 'param:bs'];
    for (const key of keys)
      for (const dir of ['asc', 'desc'] as const)
        for (const filter of ['', 'complete', 'bs=8', '#17', 'memory']) {
          const want: TrialView[] = sortTrials(filterTrials(views, filter), { key, dir });
          const page = pager.page({ sort: { key, dir }, filter, offset: 100, limit: 100 });
          expect(page.matched).toBe(want.length);
          expect(numbers(page.rows)).toEqual(numbers(want.slice(page.offset, page.offset + 100)));
        }
  });

  it('bounds a page, whatever is asked', () => {
    const p = pager.page({ sort: { key: 'number', dir: 'asc' }, filter: '', offset: -5, limit: 1e9 });
    expect(p.offset).toBe(0);
    expect(p.rows.length).toBe(500);
  });
});
