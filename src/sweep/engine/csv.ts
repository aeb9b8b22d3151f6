// trialsToCsv: one row per trial, like Optuna's study.trials_dataframe().to_csv() restricted to
// number, state, value, params_* (sorted by name), datetime_start, datetime_complete, duration.
// Differences from pandas' output: state uses this module's names ('complete', 'pruned', …),
// datetimes are ISO 8601 strings, and duration is in seconds (pandas prints a Timedelta).
import type { ParamValue } from './distributions';
import type { Study } from './study';
import type { Trial } from './trial';

export function trialsToCsv(study: Study | readonly Trial[]): string {
  const trials: readonly Trial[] = Array.isArray(study) ? study : (study as Study).trials;
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const header = [
    'number',
    'state',
    'value',
    ...paramNames.map((n) => `params_${n}`),
    'datetime_start',
    'datetime_complete',
    'duration',
  ];
  const rows = trials.map((t) => {
    const duration = t.duration;
    return [
      String(t.number),
      t.state,
      t.value === null ? '' : num(t.value),
      ...paramNames.map((n) => (n in t.params ? param(t.params[n]) : '')),
      t.datetimeStart ?? '',
      t.datetimeComplete ?? '',
      duration === null ? '' : String(duration / 1000),
    ];
  });
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

// pandas spells non-finite floats nan / inf / -inf.
function num(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

function param(v: ParamValue): string {
  if (v === null) return '';
  return typeof v === 'number' ? num(v) : String(v);
}

function cell(s: string): string {
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
