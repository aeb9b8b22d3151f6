// Numbers and parameter values as every sweep chart, tooltip and table cell prints them, so they
// all agree. Pure TS (no React): unit-tested in Node.
//
// Non-finite objective values follow Optuna: ±inf is a value a complete trial may have (+inf is
// the best there is when maximizing, -inf when minimizing), NaN is not (the trial fails). They
// print as "∞" and "−∞" everywhere a value is shown (trials table, best value, study list, chart
// tooltips, trial comparison); charts draw them on their edge and say so (optimization history)
// or leave them out and say so (parallel coordinates, slice plots). Exports keep them exact:
// the JSON file writes the strings "Infinity" / "-Infinity" (JSON has no Infinity) and reads them
// back as numbers; the CSVs write pandas' inf / -inf.

/** Short human form: 3 significant digits, exponent for very small or large magnitudes; ±inf as ∞ / −∞. */
export function formatNumber(v: number, digits = 3): string {
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5)
    return v
      .toExponential(Math.max(0, digits - 1))
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

export const formatParam = (v: number | string): string =>
  typeof v === 'string' ? v : Number.isInteger(v) ? String(v) : formatNumber(v);

/** A study's best value in the studies list: three decimals, ±inf as ∞ / −∞, nothing when there is none. */
export const formatBestValue = (v: number | null | undefined): string =>
  v === null || v === undefined ? '' : Number.isFinite(v) ? v.toFixed(3) : formatNumber(v);

/** A value in a chart tooltip: three decimals (one from 100 up), ±inf as ∞ / −∞. */
export const formatTooltipValue = (v: unknown): string =>
  typeof v === 'number' && Number.isFinite(v)
    ? Math.abs(v) >= 100
      ? v.toFixed(1)
      : v.toFixed(3)
    : typeof v === 'number'
      ? formatNumber(v)
      : String(v);

/** Where a ±inf value sits on a chart: its top edge (+inf) or bottom edge (−inf). */
export type OffScale = 'top' | 'bottom';

/** A sentence saying which trials a chart drew on its edge or left out: "Trial #3 (∞) is drawn on the top edge." */
export function offScaleNote(trials: readonly { number: number; value: number }[], drawn: boolean): string | null {
  if (trials.length === 0) return null;
  const shown = trials.slice(0, 3).map((t) => `#${t.number} (${formatNumber(t.value)})`);
  const more = trials.length > 3 ? ` and ${(trials.length - 3).toLocaleString('en-US')} more` : '';
  const one = trials.length === 1;
  const which = `${one ? 'Trial' : 'Trials'} ${shown.join(', ')}${more}`;
  if (!drawn) return `${which} ${one ? 'has' : 'have'} an infinite value and ${one ? 'is' : 'are'} left out.`;
  const where = trials.every((t) => t.value > 0)
    ? 'on the top edge'
    : trials.every((t) => t.value < 0)
      ? 'on the bottom edge'
      : 'on the top (∞) or bottom (−∞) edge';
  return `${which} ${one ? 'is' : 'are'} infinite, drawn ${where}.`;
}
