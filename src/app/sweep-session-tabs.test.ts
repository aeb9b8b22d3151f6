// Two tabs, one study: a tab that finds a running study's lease held by another tab shows it
// read-only and writes nothing; the same study with no lease held (its page died) is resumed.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStudyStore } from '../sweep/persist/storage';
import { createSweepStudy, DEFAULT_SWEEP } from '../sweep/studio/default-study';
import { trialToData } from '../sweep/engine/study-data';
import { defaultSpec } from '../train/spec';
import { SweepSession, type SweepChange } from './sweep-session';
import { memoryLeases, studyLeaseName, STUDY_HELD_MESSAGE, type LeaseManager } from './tab-lease';

const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((s) => s.close()));

/** A study as the driving tab leaves it mid-trial: status running, trial 0 complete, trial 1 running. */
async function runningStudy(): Promise<string> {
  const store = await openStudyStore();
  opened.push(store);
  const sweep = { ...DEFAULT_SWEEP, nTrials: 3, sampler: 'random' as const, pruner: 'nop' as const };
  const study = createSweepStudy(sweep);
  const data = study.toJSON();
  const id = await store.createStudy({
    name: 'shared',
    config: { sweep, base: defaultSpec('tiny') } as never,
    direction: data.direction,
    sampler: data.sampler,
    pruner: data.pruner,
  });
  const t0 = study.ask();
  study.tell(t0, 0.5);
  await store.saveTrial(id, trialToData(study.trials[0]));
  study.ask();
  await store.saveTrial(id, trialToData(study.trials[1]));
  return id;
}

/** A second tab: its own session on the same storage and the same leases. */
function tab(leases: LeaseManager) {
  const changes: SweepChange[] = [];
  const session = new SweepSession({
    changed: (c) => changes.push(c),
    data: () => null, // a resume that gets as far as training fails for want of data: enough to see it tried
    models: { base: null, setTrained: async () => undefined },
    leases,
  });
  return { session, changes, last: <K extends keyof SweepChange>(k: K) => changes.filter((c) => k in c).at(-1)?.[k] };
}

async function trialStates(id: string): Promise<string[]> {
  const store = await openStudyStore();
  opened.push(store);
  return (await store.loadStudy(id)).data.trials.map((t) => t.state);
}

describe('SweepSession: one tab drives a study', () => {
  it('does not resume a study another tab holds: shown read-only, said so, nothing written; free again once that tab lets go', async () => {
    const id = await runningStudy();
    const leases = memoryLeases();
    const driver = await leases.tryAcquire(studyLeaseName(id)); // the first tab, mid-sweep
    expect(driver).not.toBeNull();
    const second = tab(leases);
    await second.session.resumeInterrupted();
    expect(second.last('message')).toBe(STUDY_HELD_MESSAGE);
    expect(second.last('elsewhere')).toEqual([id]);
    expect((second.last('shown') as { id: string } | undefined)?.id).toBe(id);
    expect(second.changes.some((c) => c.status === 'running' || c.status === 'error')).toBe(false);
    expect(second.session.busy).toBe(false);
    expect(await trialStates(id)).toEqual(['complete', 'running']); // trial 1 is not marked failed
    // A Resume click is refused the same way.
    await second.session.resume(id);
    expect(second.last('message')).toBe(STUDY_HELD_MESSAGE);
    expect(await trialStates(id)).toEqual(['complete', 'running']);

    driver!.release(); // the first tab finished (or closed)
    await vi.waitFor(() => expect(second.last('elsewhere')).toEqual([]));
    expect(second.last('message')).toBeNull();
  });

  it('resumes a running study whose lease nobody holds (its page died), marking the cut-off trial', async () => {
    const id = await runningStudy();
    const leases = memoryLeases();
    const t = tab(leases);
    await t.session.resumeInterrupted();
    // It took the lease and resumed: the interrupted trial is marked, and the drive failed only for want of data.
    expect(await trialStates(id)).toEqual(['complete', 'failed']);
    expect(t.last('message')).toMatch(/no training data/);
    expect(await leases.isHeld(studyLeaseName(id))).toBe(false); // let go when the drive ended
  });
});
