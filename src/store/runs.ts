// The Runs view's state: the kept Train runs (run-history.ts keeps them; the run store reports its
// run's start and events here), the filter, which runs are picked for comparison, and the one
// notice a storage failure leaves.
import { create } from 'zustand';
import { openRunDatabase } from '../app/run-database';
import { browserLeases } from '../app/tab-lease';
import { RunHistory } from './run-history';
import { parseTags, type RunRecord } from './run-record';
import { modelSession } from './model';

export interface RunsStore {
  runs: RunRecord[];
  loaded: boolean;
  filter: string;
  /** Ids picked for comparison, in the order picked. */
  picked: string[];
  notice: string | null;
  /** Runs another tab is running: shown read-only (no edits, no delete) until that tab ends them. */
  elsewhere: string[];
  load(): Promise<void>;
  setFilter(text: string): void;
  togglePick(id: string): void;
  /**
   * Name, notes and tags in one write (the editor's Save): three separate writes could be cut
   * between by a reload, keeping the name and losing the tags. Resolves once the write has landed
   * (or failed over to memory), when `savedId` names the run.
   */
  saveDetails(id: string, details: { name: string; notes: string; tags: string }): Promise<void>;
  /** The run whose details were last saved and written (the editor says "Saved"). */
  savedId: string | null;
  remove(id: string): void;
  dismissNotice(): void;
}

export const runHistory = new RunHistory({
  open: () => openRunDatabase<RunRecord>(),
  onChange: (runs) => useRunsStore.setState({ runs, elsewhere: runHistory.drivenElsewhere }),
  onNotice: (notice) => useRunsStore.setState({ notice }),
  finalModel: () => modelSession.trained?.label ?? null,
  leases: browserLeases(),
});

export const useRunsStore = create<RunsStore>()((set) => ({
  runs: [],
  loaded: false,
  filter: '',
  picked: [],
  notice: null,
  elsewhere: [],
  async load() {
    await runHistory.load();
    set({ loaded: true });
  },
  setFilter: (filter) => set({ filter }),
  togglePick: (id) =>
    set((s) => ({ picked: s.picked.includes(id) ? s.picked.filter((p) => p !== id) : [...s.picked, id] })),
  savedId: null,
  async saveDetails(id, d) {
    set({ savedId: null });
    runHistory.edit(id, { name: d.name, notes: d.notes, tags: parseTags(d.tags) });
    await runHistory.flush();
    set({ savedId: id });
  },
  remove(id) {
    if (runHistory.remove(id)) set((s) => ({ picked: s.picked.filter((p) => p !== id) }));
  },
  dismissNotice: () => set({ notice: null }),
}));
