// Page layout: header with the backend badge, settings on the left, progress and charts right.
import { useEffect } from 'react';
import { useDataStore } from '../store/data';
import { useRunStore } from '../store/run';
import { DataPanel } from './DataPanel';
import { ErrorBanner } from './ErrorBanner';
import { LossChart } from './LossChart';
import { ProgressBar } from './ProgressBar';
import { ReplicasPanel } from './ReplicasPanel';
import { RougeChart } from './RougeChart';
import { RunInfo } from './RunInfo';
import { SamplesTable } from './SamplesTable';
import { SettingsPanel } from './SettingsPanel';
import { TrainControls } from './TrainControls';

export function App() {
  const backend = useRunStore((s) => s.backend);
  const checkDefault = useDataStore((s) => s.checkDefault);

  useEffect(() => {
    void checkDefault();
  }, [checkDefault]);

  return (
    <div className="app">
      <header className="app__header">
        <h1>Training Studio</h1>
        <div className="badge" aria-label="Compute backend">
          {backend ? (
            <>
              <span className="badge__backend" data-testid="backend-name">{backend.backend}</span>
              <span className="badge__adapter" data-testid="adapter-name">{backend.adapter}</span>
            </>
          ) : (
            <span className="badge__pending">backend chosen when training starts</span>
          )}
        </div>
      </header>
      <main className="app__main">
        <div className="column column--left">
          <DataPanel />
          <SettingsPanel />
        </div>
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
          <ReplicasPanel />
        </div>
      </main>
    </div>
  );
}
