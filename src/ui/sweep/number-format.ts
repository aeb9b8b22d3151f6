// Numbers and parameter values as every sweep chart, tooltip and table cell prints them, so they
// all agree. Pure TS (no React): unit-tested in Node.

/** Short human form: 3 significant digits, exponent for very small or large magnitudes. */
export function formatNumber(v: number, digits = 3): string {
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
