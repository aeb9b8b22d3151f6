// Page layout: header with the backend badge, settings on the left, progress and charts right.
import { useEffect, useState } from 'react';
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

type Tab = 'train' | 'sweep';
// The tab lives in the URL hash so a reload (or a shared link) opens the same view.
const tabFromHash = (): Tab => (window.location.hash === '#sweep' ? 'sweep' : 'train');

export function App() {
  const backend = useRunStore((s) => s.backend);
  const checkDefault = useDataStore((s) => s.checkDefault);
  const resumeInterrupted = useSweepStore((s) => s.resumeInterrupted);
  const studyView = useSweepStore((s) => s.view);
  const [tab, setTab] = useState<Tab>(tabFromHash);

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
    window.location.hash = t === 'sweep' ? 'sweep' : '';
    setTab(t);
  };

  return (
    <div className="app">
      <header className="app__header">
        <h1>Training Studio</h1>
        <nav className="tabs" aria-label="View">
          <button
            type="button"
            className={tab === 'train' ? 'tab is-active' : 'tab'}
            data-testid="tab-train"
            onClick={() => go('train')}
          >
            Train
          </button>
          <button
            type="button"
            className={tab === 'sweep' ? 'tab is-active' : 'tab'}
            data-testid="tab-sweep"
            onClick={() => go('sweep')}
          >
            Sweep
          </button>
        </nav>
        <div className="badge" aria-label="Compute backend">
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
      <main className="app__main">
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
      </main>
    </div>
  );
}
