import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SWEEP, type SweepConfig } from '../sweep/studio/default-study';
import { MAX_MESSAGE_CHARS } from '../core/bounded-text';
import {
  checkStoredSweepConfig,
  sweepConfigIssues,
  sweepConfigStorage,
  SWEEP_CONFIG_BACKUP_KEY,
  SWEEP_CONFIG_KEY,
} from './sweep-config-storage';
import { createLocalSettings, localSettings } from './local-settings';
import { sweepSession, useSweepStore } from './sweep';

const wrap = (config: unknown) => JSON.stringify({ state: { config }, version: 0 });
const saved: SweepConfig = { ...DEFAULT_SWEEP, nTrials: 3, sampler: 'random', pruner: 'nop', seed: 7 };

describe('checkStoredSweepConfig (what the Sweep tab accepts on reload)', () => {
  it('accepts a valid saved config as it is', () => {
    expect(checkStoredSweepConfig(wrap(saved))).toEqual({ ok: true, config: saved });
  });

  it('fills fields an older save lacks (direction from its objective) and drops unknown ones', () => {
    const { direction: _d, pruner: _p, ...older } = { ...saved, objective: 'eval_loss' as const };
    const r = checkStoredSweepConfig(wrap({ ...older, junk: '<img src=x>' }));
    expect(r).toEqual({
      ok: true,
      config: { ...saved, objective: 'eval_loss', direction: 'minimize', pruner: DEFAULT_SWEEP.pruner },
    });
  });

  // Each hostile stored value, with the exact first problem the notice names.
  const cases: [string, unknown, string][] = [
    ['unknown sampler', { ...saved, sampler: 'cmaes' }, 'sampler must be one of "tpe", "random", "grid", got "cmaes"'],
    [
      'unknown pruner',
      { ...saved, pruner: 'hyperband' },
      'pruner must be one of "median", "successive-halving", "nop", got "hyperband"',
    ],
    [
      'unknown objective',
      { ...saved, objective: 'bleu' },
      'objective must be one of "rouge1", "rouge2", "rougeL", "rougeLsum", "sum", "eval_loss", got "bleu"',
    ],
    [
      'direction against its objective',
      { ...saved, direction: 'minimize' },
      'direction "minimize" is not the objective\'s: sum is to maximize',
    ],
    ['zero trials', { ...saved, nTrials: 0 }, 'trials must be a positive integer, got 0'],
    ['a fractional seed', { ...saved, seed: 1.5 }, 'seed must be an integer in [0, 2^32), got 1.5'],
    ['an empty search space', { ...saved, searchSpace: [] }, 'search space: search space has no parameters'],
    [
      'a search space with low > high',
      { ...saved, searchSpace: [{ name: 'learning_rate', type: 'float', low: 1, high: 0.1 }] },
      'search space: parameter "learning_rate": low 1 is greater than high 0.1',
    ],
    ['a config that is a list', [1, 2], 'no sweep config object in the stored value'],
  ];
  for (const [what, config, problem] of cases) {
    it(`refuses ${what}, naming it`, () => {
      expect(checkStoredSweepConfig(wrap(config))).toEqual({ ok: false, problem });
    });
  }

  it('refuses broken JSON and a value with no config', () => {
    const r = checkStoredSweepConfig('{"state":');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(/^not valid JSON \(/);
    expect(checkStoredSweepConfig('null')).toEqual({
      ok: false,
      problem: 'no sweep config object in the stored value',
    });
  });

  it('stays short for a huge hostile value: the first problem, clipped, then a count', () => {
    // 900 bad parameters, two problems each (name too long, unknown type); a search space is at most
    // 1,000 parameters, so more would be one problem, said once.
    const searchSpace = Array.from({ length: 900 }, (_, i) => ({ name: `p${i}${'x'.repeat(200)}`, type: 'nope' }));
    const r = checkStoredSweepConfig(wrap({ ...saved, sampler: 's'.repeat(100_000), searchSpace }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatch(/^sampler must be one of "tpe", "random", "grid", got "s+… \(and 1,800 more\)$/);
    expect(r.problem.length).toBeLessThan(200);
    const listed = sweepConfigIssues({ ...saved, searchSpace } as unknown as SweepConfig);
    expect(listed).toHaveLength(6);
    expect(listed[5]).toBe('and 1,795 more problems');
    for (const m of listed) expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });
});

describe('sweepConfigStorage', () => {
  it('backs a corrupted config up, says so, and never writes identical values twice', () => {
    const data = new Map<string, string>();
    const ls = createLocalSettings(() => ({
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    }));
    const bad = wrap({ ...saved, sampler: 'cmaes' });
    ls.setItem(SWEEP_CONFIG_KEY, bad);
    const storage = sweepConfigStorage(ls);
    const loaded = storage.getItem(SWEEP_CONFIG_KEY) as { state: { configNotice: string; config?: unknown } };
    expect(loaded.state.config).toBeUndefined();
    expect(loaded.state.configNotice).toBe(
      `Saved sweep settings could not be used (sampler must be one of "tpe", "random", "grid", got "cmaes"), so the defaults are loaded and the sweep uses them. The saved value is kept in localStorage under "${SWEEP_CONFIG_BACKUP_KEY}".`,
    );
    expect(data.get(SWEEP_CONFIG_BACKUP_KEY)).toBe(bad);
    expect(data.get(SWEEP_CONFIG_KEY)).toBe(bad); // untouched until the user changes a setting
    const set = vi.spyOn(ls, 'setItem');
    storage.setItem(SWEEP_CONFIG_KEY, { state: { config: saved }, version: 0 });
    storage.setItem(SWEEP_CONFIG_KEY, { state: { config: saved }, version: 0 });
    expect(set).toHaveBeenCalledTimes(1);
    expect(data.get(SWEEP_CONFIG_KEY)).toBe(wrap(saved));
  });
});

describe('the Sweep tab with a corrupted saved config', () => {
  it('shows the defaults, says why, keeps a backup, and the sweep runs exactly what is shown', async () => {
    // In Node the page's layer has no browser storage: it holds values in memory, as it does when localStorage is full.
    const bad = wrap({ ...saved, sampler: 'cmaes', pruner: 'hyperband' });
    localSettings.setItem(SWEEP_CONFIG_KEY, bad);
    await useSweepStore.persist.rehydrate();
    const s = useSweepStore.getState();
    expect(s.config).toEqual(DEFAULT_SWEEP);
    expect(s.configNotice).toMatch(
      /^Saved sweep settings could not be used \(sampler must be one of .* got "cmaes" \(and 1 more\)\)/,
    );
    expect(s.configIssues()).toEqual([]);
    expect(localSettings.getItem(SWEEP_CONFIG_BACKUP_KEY)).toBe(bad);

    const start = vi.spyOn(sweepSession, 'start').mockResolvedValue(undefined);
    await useSweepStore.getState().start('t');
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0][1]!.sweep).toEqual(useSweepStore.getState().config);
    expect(start.mock.calls[0][1]!.sweep).toEqual(DEFAULT_SWEEP);

    // The first change writes the shown config over the corrupted one; the backup stays.
    useSweepStore.getState().setConfig({ nTrials: 2 });
    expect(JSON.parse(localSettings.getItem(SWEEP_CONFIG_KEY)!).state.config).toEqual({ ...DEFAULT_SWEEP, nTrials: 2 });
    expect(localSettings.getItem(SWEEP_CONFIG_BACKUP_KEY)).toBe(bad);
    useSweepStore.getState().dismissConfigNotice();
    expect(useSweepStore.getState().configNotice).toBeNull();
  });

  it('stores only a config the sweep can run: a typo in a field leaves the last sound one', () => {
    useSweepStore.getState().setConfig({ nTrials: 7 });
    const sound = localSettings.getItem(SWEEP_CONFIG_KEY);
    expect(JSON.parse(sound!).state.config.nTrials).toBe(7);
    useSweepStore.getState().setConfig({ nTrials: 0 }); // on the way to 10
    expect(useSweepStore.getState().configIssues()).toEqual(['trials must be a positive integer, got 0']);
    expect(localSettings.getItem(SWEEP_CONFIG_KEY)).toBe(sound);
    useSweepStore.getState().setConfig({ nTrials: 10 });
    expect(JSON.parse(localSettings.getItem(SWEEP_CONFIG_KEY)!).state.config.nTrials).toBe(10);
  });
});
