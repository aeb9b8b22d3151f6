// Sweeps on the page: the study storage (IndexedDB), and the one sweep that runs at a time. Trials
// run as ordinary training runs in fresh workers; every trial change is saved as it happens, so a
// reload loses nothing and a running study resumes. The session reports each change (status,
// study list, the study to show, the live trial) to its listener, which the sweep store applies.
import { strToU8, zipSync } from 'fflate';
import type { DataSource } from '../core/run-types';
import { exportScaleOutBundle } from '../export/bundle';
import type { ModelFile } from '../model/io/model-files';
import { Study } from '../sweep/engine/study';
import type { Trial } from '../sweep/engine/trial';
import { openStudyStore, type StudyStore, type StudySummary } from '../sweep/persist/storage';
import { studyConfigOf } from '../sweep/persist/study-config';
import { exportStudyJSON, exportTrialsCSV, importStudyJSON, studyFileName } from '../sweep/persist/transfer';
import { createSweepStudy, searchSpaceForModel, type SweepConfig } from '../sweep/studio/default-study';
import { SweepRunner } from '../sweep/studio/runner';
import { validateSpec, type RunSpec } from '../train/spec';
import { workerExecutor } from '../runtime/train/trial-executor';
import { hubIdentityOf, modelFilesOf, type ModelSession } from './model-session';
import { SweepProgressTracker } from './sweep-progress';
import { errorMessage } from '../core/errors';
import { browserLeases, studyLeaseName, STUDY_HELD_MESSAGE, type LeaseManager, type TabLease } from './tab-lease';

export type SweepStatus = 'idle' | 'running' | 'paused' | 'complete' | 'stopped' | 'error';

/** What a study keeps of how it was started: the sweep and the run settings it varies. */
export interface StoredConfig {
  sweep: SweepConfig;
  base: RunSpec;
}

/** The sweep to start: the search and the run settings it varies. */
export interface SweepSetup {
  sweep: SweepConfig;
  base: RunSpec;
  /** Called with the new study's id once it is saved (the sweep itself then runs to its end). */
  onCreated?(id: string): void;
}

/** A study to show on the dashboard, as the engine holds it. */
export interface ShownStudy {
  id: string;
  name: string;
  status: string;
  study: Study;
  config: SweepConfig;
}

/** The trial in progress and how far it is. */
export interface LiveTrial {
  trial: number;
  step: number;
  totalSteps: number;
}

/** One change the page should show; absent fields are unchanged. */
export interface SweepChange {
  status?: SweepStatus;
  message?: string | null;
  studies?: StudySummary[];
  shown?: ShownStudy | null;
  live?: LiveTrial | null;
  /** Studies another tab drives (this tab shows them read-only and will not resume them). */
  elsewhere?: string[];
}

/** The study being driven (the page may show another). */
export interface ActiveSweep {
  id: string;
  study: Study;
  cfg: StoredConfig;
  progress: SweepProgressTracker;
}

export interface SweepSessionDeps {
  changed(c: SweepChange): void;
  /** The training data at the moment a sweep starts or resumes (null: none yet). */
  data(): DataSource | null;
  /** Trials fine-tune the base model when there is one; the final training's model goes back here. */
  models: Pick<ModelSession, 'base' | 'setTrained'>;
  /** Which tab drives a study (default: the browser's Web Locks, see tab-lease.ts). */
  leases?: LeaseManager;
}

export class SweepSession {
  private db: Promise<StudyStore> | null = null;
  private runner: SweepRunner | null = null;
  private launching = false; // start/resume in progress (before the runner exists)
  private activeSweep: ActiveSweep | null = null;
  private shown: { id: string; name: string } | null = null;
  private studies: StudySummary[] = [];
  private resumeChecked = false;
  /** This tab's hold on the study it drives, from before the first write until the drive ends. */
  private lease: TabLease | null = null;
  private readonly elsewhere = new Set<string>();

  constructor(private readonly deps: SweepSessionDeps) {}

  private leases(): LeaseManager {
    return (this.deps.leases ??= browserLeases());
  }

  /** Studies another tab was found driving (their Resume is off here until that tab lets go). */
  get drivenElsewhere(): string[] {
    return [...this.elsewhere];
  }

  private letGo(): void {
    this.lease?.release();
    this.lease = null;
  }

  /**
   * Another tab drives `id`: show it read-only and say so; once that tab lets go (finished, paused,
   * closed), list the studies again and show its final state.
   */
  private async heldElsewhere(id: string): Promise<void> {
    const first = !this.elsewhere.has(id);
    this.elsewhere.add(id);
    this.deps.changed({ message: STUDY_HELD_MESSAGE, elsewhere: this.drivenElsewhere });
    await this.show(id);
    if (!first) return;
    void this.leases()
      .whenFree(studyLeaseName(id))
      .then(async () => {
        this.elsewhere.delete(id);
        this.deps.changed({ message: null, elsewhere: this.drivenElsewhere });
        await this.refresh();
        if (this.shown?.id === id && !this.busy) await this.select(id);
      })
      .catch(() => undefined); // a watch that fails only leaves Resume off until a reload
  }

  /** A sweep is starting or running on this page. */
  get busy(): boolean {
    return this.runner !== null || this.launching;
  }

  get active(): ActiveSweep | null {
    return this.activeSweep;
  }

  private storage(): Promise<StudyStore> {
    return (this.db ??= openStudyStore());
  }

  private fail(e: unknown): void {
    this.deps.changed({ status: 'error', message: errorMessage(e) });
  }

  private showStudy(s: ShownStudy): void {
    this.shown = { id: s.id, name: s.name };
    this.deps.changed({ shown: s });
  }

  private async show(id: string, study?: Study): Promise<void> {
    const loaded = await (await this.storage()).loadStudy(id);
    const s = study ?? Study.fromJSON(loaded.data);
    const cfg = studyConfigOf(loaded.meta).sweep; // a clear refusal if the stored config is incomplete
    this.showStudy({ id, name: loaded.meta.name, status: loaded.meta.status, study: s, config: cfg });
  }

  /** Drive a study to its end (or a pause), saving every trial change. */
  private async drive(id: string, study: Study, cfg: StoredConfig): Promise<void> {
    const store = await this.storage();
    const source = this.deps.data();
    if (!source) throw new Error('no training data: pick a file or serve the default data first');
    const save = async (t: Trial) => {
      const data = study.toJSON();
      const trial = data.trials.find((x) => x.number === t.number);
      if (trial)
        await store.saveTrial(id, trial, { sampler: data.sampler, pruner: data.pruner, userAttrs: data.userAttrs });
      this.showStudy({ id, name: this.shown?.name ?? id, status: 'running', study, config: cfg.sweep });
    };
    this.launching = false;
    const progress = new SweepProgressTracker(cfg.sweep.nTrials, cfg.sweep.objective);
    this.activeSweep = { id, study, cfg, progress };
    // Epochs of a run: a searched num_train_epochs wins over the base settings (the final run uses the best's).
    const epochsOf = (trial: number) => {
      const params = trial < 0 ? study.bestTrial?.params : study.trials.find((t) => t.number === trial)?.params;
      const e = Number(params?.num_train_epochs);
      return Number.isInteger(e) && e > 0 ? e : cfg.base.epochs;
    };
    const base = this.deps.models.base;
    let lastTrained: { files: ModelFile[]; adapter?: ModelFile[] } | null = null;
    const sweepRunner = new SweepRunner({
      study,
      config: cfg.sweep,
      baseSpec: cfg.base,
      // Trials fine-tune the imported model when there is one; each run's model arrives as
      // 'trained', and the last is the final training's (kept once the sweep completes).
      execute: workerExecutor(
        source,
        (e) => {
          if (e.type === 'trained') lastTrained = { files: e.files, adapter: e.adapter };
        },
        {
          model: base ? modelFilesOf(base) : undefined,
          modelBase: hubIdentityOf(base),
        },
      ),
      onTrialChange: save,
      onEvent: (trial, e) => {
        progress.event(trial, e, { finished: sweepRunner.finishedTrials(), epochs: epochsOf(trial), now: Date.now() });
        if (e.type === 'step') this.deps.changed({ live: { trial, step: e.step, totalSteps: e.totalSteps } });
      },
    });
    this.runner = sweepRunner;
    this.deps.changed({ status: 'running', message: null });
    await store.setStatus(id, 'running');
    const outcome = await sweepRunner.run();
    this.runner = null;
    if (outcome === 'complete' && lastTrained && study.bestTrial) {
      const t: { files: ModelFile[]; adapter?: ModelFile[] } = lastTrained;
      await this.deps.models.setTrained(
        t.files,
        `Sweep ${this.shown?.name ?? id}: final training with the best parameters (trial #${study.bestTrial.number})`,
        t.adapter ? { adapter: t.adapter, onBase: base } : undefined,
      );
    }
    const data = study.toJSON();
    await store.saveEngineState(id, { sampler: data.sampler, pruner: data.pruner, userAttrs: data.userAttrs });
    await store.setStatus(id, outcome);
    this.deps.changed({ status: outcome, live: null });
    await this.refresh();
    await this.show(id, study);
  }

  async refresh(): Promise<void> {
    try {
      this.studies = await (await this.storage()).listStudies();
      this.deps.changed({ studies: this.studies });
    } catch (e) {
      this.fail(e);
    }
  }

  async select(id: string): Promise<void> {
    try {
      await this.show(id);
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * Creates a study for `setup` and drives it to its end; nothing happens while a sweep is busy.
   * Failures end up in the status ('error') and message.
   */
  async start(name: string | undefined, setup: SweepSetup): Promise<void> {
    if (this.busy) return;
    this.launching = true;
    try {
      const base = validateSpec({ ...setup.base });
      // A default learning-rate range follows the model the trials train: a base model's, or a fresh preset's.
      const kind = this.deps.models.base ? 'pretrained' : 'fresh';
      const sweep = { ...setup.sweep, searchSpace: searchSpaceForModel(setup.sweep.searchSpace, kind) };
      const study = createSweepStudy(sweep);
      const data = study.toJSON();
      const cfg: StoredConfig = { sweep, base };
      const id = await (
        await this.storage()
      ).createStudy({
        name: name ?? `sweep ${new Date().toLocaleString()}`,
        config: cfg as never,
        direction: data.direction,
        sampler: data.sampler,
        pruner: data.pruner,
        userAttrs: data.userAttrs,
      });
      // A new study's id is new to every tab: the lease is free, and held before it shows as running.
      this.lease = await this.leases().tryAcquire(studyLeaseName(id));
      if (!this.lease) throw new Error(`study ${id} is already held by another tab`);
      setup.onCreated?.(id);
      await this.refresh();
      await this.show(id, study);
      await this.drive(id, study, cfg);
    } catch (e) {
      this.runner = null;
      this.launching = false;
      this.fail(e);
    } finally {
      this.letGo();
    }
  }

  /**
   * Continues a paused or interrupted study — unless another tab drives it: then it is shown
   * read-only with STUDY_HELD_MESSAGE, and nothing of it is written.
   */
  async resume(id: string): Promise<void> {
    if (this.busy) return;
    this.launching = true;
    try {
      // Before anything is written: resumePoint marks running trials failed, which is right only
      // when no tab is running them.
      this.lease = await this.leases().tryAcquire(studyLeaseName(id));
      if (!this.lease) {
        this.launching = false;
        await this.heldElsewhere(id);
        return;
      }
      if (this.elsewhere.delete(id)) this.deps.changed({ elsewhere: this.drivenElsewhere });
      const store = await this.storage();
      await store.resumePoint(id); // trials cut off by a reload are kept, marked failed
      const loaded = await store.loadStudy(id);
      const study = Study.fromJSON(loaded.data);
      await this.show(id, study);
      await this.drive(id, study, studyConfigOf(loaded.meta));
    } catch (e) {
      this.runner = null;
      this.launching = false;
      this.fail(e);
    } finally {
      this.letGo();
    }
  }

  pause(): void {
    this.runner?.pause();
  }

  stop(): void {
    this.runner?.stop();
  }

  /** Forgets the last driven study and clears the status (a headless driver starting afresh). */
  reset(): void {
    this.activeSweep = null;
    this.deps.changed({ status: 'idle', message: null });
  }

  async exportJSON(id: string): Promise<{ name: string; text: string }> {
    const { meta, data } = await (await this.storage()).loadStudy(id);
    return { name: studyFileName(meta, 'json'), text: exportStudyJSON(meta, data) };
  }

  async exportCSV(id: string): Promise<{ name: string; text: string }> {
    const { meta, data } = await (await this.storage()).loadStudy(id);
    return { name: studyFileName(meta, 'csv'), text: exportTrialsCSV(data) };
  }

  /** The scale-out bundle (train.py, optuna_search.py, accelerate and DeepSpeed configs) with the best trial's parameters, zipped. */
  async exportBundle(id: string): Promise<{ name: string; bytes: Uint8Array }> {
    const { meta, data } = await (await this.storage()).loadStudy(id);
    const cfg = studyConfigOf(meta);
    const best = Study.fromJSON(data).bestTrial;
    const files = exportScaleOutBundle({
      spec: cfg.base,
      sweep: cfg.sweep,
      bestParams: best?.params as Record<string, number | string> | undefined,
    });
    const name = studyFileName(meta, 'json').replace(/\.json$/, '-scale-out.zip');
    return { name, bytes: zipSync(Object.fromEntries(Object.entries(files).map(([f, text]) => [f, strToU8(text)]))) };
  }

  async importJSON(text: string): Promise<void> {
    try {
      const id = await (await this.storage()).importStudy(importStudyJSON(text));
      await this.refresh();
      await this.show(id);
      this.deps.changed({ message: null });
    } catch (e) {
      this.fail(e);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await (await this.storage()).deleteStudy(id);
      if (this.shown?.id === id) {
        this.shown = null;
        this.deps.changed({ shown: null });
      }
      await this.refresh();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * On load (once, even under StrictMode's double effects): list the studies, and resume one whose
   * page died while it ran. A study still running in another tab is not resumed: resume() finds
   * its lease held and shows it read-only.
   */
  async resumeInterrupted(): Promise<void> {
    if (this.resumeChecked) return;
    this.resumeChecked = true;
    await this.refresh();
    const running = this.studies.filter((x) => x.status === 'running');
    // One whose lease nobody holds is one whose page died: resume it. The others run in other tabs.
    let held: string | null = null;
    for (const r of running) {
      if (await this.leases().isHeld(studyLeaseName(r.id))) held ??= r.id;
      else return this.resume(r.id);
    }
    if (held)
      await this.resume(held); // refused (held): shown read-only, saying another tab runs it
    else if (this.studies.length > 0) await this.select(this.studies[0].id);
  }
}
