// Entry point: install the automation API and mount the studio.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installHeadless } from './app/headless';
import { useDataStore } from './store/data';
import { modelSession } from './store/model';
import { runSession, useRunStore } from './store/run';
import { runBaselines } from './store/run-events';
import { sweepSession, useSweepStore } from './store/sweep';
import { App } from './ui/App';
import { startThemeSync } from './ui/theme';
import './ui/styles.css';

installHeadless({
  run: runSession,
  sweep: sweepSession,
  models: modelSession,
  page: () => {
    const d = useDataStore.getState();
    const s = useSweepStore.getState();
    return {
      data: { status: d.status, label: d.label },
      sweep: { status: s.status, message: s.message, objective: s.config.objective, view: s.view },
      baselines: runBaselines(useRunStore.getState()),
    };
  },
});

// Before the first render: the page and its charts start in the theme they will keep.
startThemeSync();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
