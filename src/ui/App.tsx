// Page layout: header with the backend badge, settings on the left, progress and charts right.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useSweepStore } from '../store/sweep';
import { SweepControls } from './sweep/SweepControls';
import { SweepDashboard } from './sweep/SweepDashboard';
import { SweepSettings } from './sweep/SweepSettings';
import { useDataStore } from '../store/data';
import { useRunStore } from '../store/run';
import { CheckpointsPanel } from './train/CheckpointsPanel';
import { DataPanel } from './data/DataPanel';
import { ErrorBanner } from './ErrorBanner';
import { LossChart } from './train/LossChart';
import { ModelPanel } from './train/ModelPanel';
import { ProgressBar } from './ProgressBar';
import { ReplicasPanel } from './train/ReplicasPanel';
import { RougeChart } from './train/RougeChart';
import { RunInfo } from './train/RunInfo';
import { SamplesTable } from './train/SamplesTable';
import { SettingsPanel } from './train/SettingsPanel';
import { TrainControls } from './train/TrainControls';
import { PagePreferences } from './PagePreferences';
import { StorageNotice } from './StorageNotice';
import { RunsView } from './runs/RunsView';
import { useRunsStore } from '../store/runs';
import { useUnloadWarning } from './use-unload-warning';

type Tab = 'train' | 'sweep' | 'runs';
const TABS: { id: Tab; label: string }[] = [
  { id: 'train', label: 'Train' },
  { id: 'sweep', label: 'Sweep' },
  { id: 'runs', label: 'Runs' },
];
// The tab lives in the URL hash so a reload (or a shared link) opens the same view.
const tabFromHash = (): Tab => {
  const h = window.location.hash.slice(1);
  return h === 'sweep' || h === 'runs' ? h : 'train';
};
const showTabInUrl = (t: Tab) => {
  window.location.hash = t === 'train' ? '' : t;
};

export function App() {
  useUnloadWarning();
  const backend = useRunStore((s) => s.backend);
  const checkDefault = useDataStore((s) => s.checkDefault);
  const resumeInterrupted = useSweepStore((s) => s.resumeInterrupted);
  const studyView = useSweepStore((s) => s.view);
  const [tab, setTab] = useState<Tab>(tabFromHash);
  const loadRuns = useRunsStore((s) => s.load);

  useEffect(() => {
    void loadRuns(); // the kept runs (a run a reload cut off is marked interrupted here)
  }, [loadRuns]);

  useEffect(() => {
    // Data first: a sweep interrupted by a reload resumes once its training data is known.
    void checkDefault().then(() => resumeInterrupted());
  }, [checkDefault, resumeInterrupted]);

  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const go = (t: Tab) => {
    showTabInUrl(t);
    setTab(t);
  };

  // The WAI-ARIA tabs pattern: one tab in the Tab order, arrows (and Home/End) move between tabs
  // and select the one they land on.
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const to =
      e.key === 'ArrowRight'
        ? (i + 1) % TABS.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + TABS.length) % TABS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? TABS.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    go(TABS[to].id);
    tabRefs.current.get(TABS[to].id)?.focus();
  };

  return (
    <div className="app">
      <header className="app__header">
        <h1>Training Studio</h1>
        <div className="tabs" role="tablist" aria-label="View">
          {TABS.map((t) => {
            const selected = tab === t.id;
            return (
              <button
                key={t.id}
                ref={(el) => {
                  if (el) tabRefs.current.set(t.id, el);
                  else tabRefs.current.delete(t.id);
                }}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={selected}
                // Only the shown panel exists, so only the selected tab points at one.
                aria-controls={selected ? `panel-${t.id}` : undefined}
                tabIndex={selected ? 0 : -1}
                className={selected ? 'tab is-active' : 'tab'}
                data-testid={`tab-${t.id}`}
                onClick={() => go(t.id)}
                onKeyDown={onTabKey}
              >
                {t.label}
              </button>
            );
          })}
        </div>
        <PagePreferences />
        <div className="badge" role="group" aria-label="Compute backend">
          {backend ? (
            <>
              <span className="badge__backend" data-testid="backend-name">
                {backend.backend}
              </span>
              <span className="badge__adapter" data-testid="adapter-name">
                {backend.adapter}
              </span>
            </>
          ) : (
            <span className="badge__pending">backend chosen when training starts</span>
          )}
        </div>
      </header>
      <StorageNotice />
      <main>
        {tab === 'runs' ? (
          <div className="app__main" role="tabpanel" id="panel-runs" aria-labelledby="tab-runs">
            <RunsView />
          </div>
        ) : (
          <div className="app__main" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            <div className="column column--left">
              <DataPanel />
              <ModelPanel />
              <SettingsPanel />
              {tab === 'sweep' && <SweepSettings />}
            </div>
            {tab === 'sweep' ? (
              <div className="column column--right">
                <SweepControls />
                {studyView ? (
                  <SweepDashboard study={studyView} />
                ) : (
                  <p className="muted">Start a sweep, or pick a study, to see its trials here.</p>
                )}
              </div>
            ) : (
              <div className="column column--right">
                <TrainControls />
                <ErrorBanner />
                <ProgressBar />
                {/* Side by side when the column is wide enough for two readable charts, else stacked. */}
                <div className="charts">
                  <LossChart />
                  <RougeChart />
                </div>
                <SamplesTable />
                <RunInfo />
                <CheckpointsPanel />
                <ReplicasPanel />
              </div>
            )}
          </div>
        )}
      </main>
    </div>
  );
}
