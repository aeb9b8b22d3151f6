// Bad-input rows for settings: sweep search spaces and the sweep CLI config, run specs, the settings
// the store saved, and study files (a sweep's settings and trials as exported).
import { checkStoredSettings } from '../store/run';
import { validateSearchSpace } from '../sweep/studio/default-study';
import { parseSweepCliConfig } from '../sweep/studio/cli-config';
import { specForParams } from '../sweep/studio/runner';
import { importStudyJSON } from '../sweep/persist/transfer';
import { defaultSpec, validateSpec } from '../train/spec';
import type { Row } from './bad-input-row';
import { studyText } from './fixtures';

const spec = (patch: Record<string, unknown>) => validateSpec({ ...defaultSpec('tiny'), ...patch });
const issues = (x: ReturnType<typeof validateSearchSpace>) => x.map((i) => i.message).join('; ');

export const settingsRows: Row[] = [
  // ---- sweeps and run settings ----
  {
    what: 'sweep search space low > high',
    run: () => issues(validateSearchSpace([{ name: 'learning_rate', type: 'float', low: 1e-3, high: 1e-6 }])),
    message: /^parameter "learning_rate": low 1e-3 is greater than high 1e-6$/,
  },
  {
    what: 'log bound ≤ 0',
    run: () => issues(validateSearchSpace([{ name: 'learning_rate', type: 'float', low: 0, high: 1e-4, log: true }])),
    message: /parameter "learning_rate": log scale needs low > 0, got low 0/,
  },
  {
    what: 'categorical with no choices',
    run: () => issues(validateSearchSpace([{ name: 'per_device_train_batch_size', type: 'categorical', choices: [] }])),
    message: /parameter "per_device_train_batch_size": choices must not be empty/,
  },
  {
    what: 'unknown distribution type',
    run: () => issues(validateSearchSpace([{ name: 'learning_rate', type: 'normal', low: 0, high: 1 }])),
    message: /parameter "learning_rate": type must be 'float', 'int' or 'categorical', got "normal"/,
  },
  {
    what: 'unknown parameter',
    run: () => specForParams(defaultSpec('tiny'), { dropout: 0.1 }),
    message: /parameter "dropout" does not set any training setting; known: learning_rate, per_device_train_batch_size/,
  },
  {
    what: 'run spec unknown backend',
    run: () => spec({ backend: 'cuda' }),
    message: /backend must be auto, webgpu, wasm or cpu, got "cuda"/,
  },
  {
    what: 'negative learning rate',
    run: () => spec({ learningRate: -1e-3 }),
    message: /learningRate must be a number in \(0, 1\), got -0\.001/,
  },
  {
    what: 'batch size 0',
    run: () => spec({ batchSize: 0 }),
    message: /batchSize must be an integer in \[1, 1024\], got 0/,
  },
  {
    what: 'unknown preset',
    run: () => spec({ preset: 'huge' }),
    message: /preset must be one of tiny, small, base, got "huge"/,
  },
  {
    what: 'stored settings: corrupt JSON',
    run: () => checkStoredSettings('{"state": {"settings": '),
    message: /^not valid JSON \(/,
  },
  {
    what: 'stored settings: a bad field',
    run: () => checkStoredSettings(JSON.stringify({ state: { settings: { preset: 'tiny', epochs: 0 } } })),
    message: /epochs must be an integer in \[1, 1000\], got 0/,
  },

  // ---- sweep CLI config ----
  {
    what: 'sweep CLI config with low > high and an unknown backend',
    run: () => {
      const r = parseSweepCliConfig({
        searchSpace: { learning_rate: { type: 'float', low: 1, high: 0.1, log: true } },
        run: { backend: 'cuda' },
      });
      return r.ok ? r : r.issues.join('; ');
    },
    message:
      /searchSpace\.learning_rate\.low: low 1 is greater than high 0\.1.*run\.backend: must be auto, webgpu, wasm or cpu, got "cuda"|run\.backend: must be auto, webgpu, wasm or cpu, got "cuda".*searchSpace\.learning_rate\.low: low 1 is greater than high 0\.1/,
  },

  // ---- study files ----
  {
    what: 'study import: empty file',
    run: () => importStudyJSON(''),
    message: /cannot import this file: the file is empty/,
  },
  {
    what: 'study import: not JSON',
    run: () => importStudyJSON('{"format": '),
    message: /cannot import this file: not valid JSON/,
  },
  {
    what: 'study import: wrong format',
    run: () => importStudyJSON(studyText((f) => (f.format = 'optuna-journal'))),
    message: /format: expected "training-studio-study", got "optuna-journal"/,
  },
  {
    what: 'study import: newer version',
    run: () => importStudyJSON(studyText((f) => (f.version = 9))),
    message: /version 9 of the study format; this studio reads only version 1/,
  },
  {
    what: 'study import: missing trials',
    run: () => importStudyJSON(studyText((f) => delete (f.study as Record<string, unknown>).trials)),
    message: /study\.trials: missing, expected an array of trials/,
  },
];
