// Shared bits of the charts (sweep, train, data): the theme's colours, a width hook for the hand-drawn SVG, and the tooltip
// the multi-trial line charts use (text nodes only).
import { useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { TooltipContentProps } from 'recharts';
import { useTheme } from '../theme';
import { formatTooltipValue } from './number-format';

/** The light theme's colours: the first render's, and what a page without styles.css gets. */
const LIGHT: ChartColors = {
  series: [
    '#2563eb',
    '#dc2626',
    '#059669',
    '#d97706',
    '#7c3aed',
    '#0891b2',
    '#db2777',
    '#65a30d',
    '#4b5563',
    '#ea580c',
  ],
  grid: '#e5e7eb',
  axis: '#4b5563',
  text: '#374151',
  surface: '#ffffff',
  muted: '#6b7280',
  warn: '#f59e0b',
  warnStroke: '#92400e',
  danger: '#b91c1c',
  sequential: ['#bfdbfe', '#3b82f6', '#1e3a8a'],
};

/**
 * Chart colours, one CSS custom property each (`--chart-1`…`--chart-10`, `--chart-grid`, … in
 * styles.css, per theme). Plain colour strings, not `var(...)`: an exported SVG or PNG is drawn
 * outside the page, where the variables do not exist.
 */
export interface ChartColors {
  /** Series in order: trials (by number), ROUGE lines, train then eval loss. */
  series: readonly string[];
  grid: string;
  axis: string;
  /** Labels drawn inside the plot (reference lines). */
  text: string;
  /** The panel behind the plot (hollow markers are filled with it). */
  surface: string;
  muted: string;
  /** Highlights: best-so-far line, truncated bars, the best trial's marker. */
  warn: string;
  warnStroke: string;
  /** Failures and limits: failed trials, the max-length line. */
  danger: string;
  /** Worst → best, for a value's shade. */
  sequential: readonly [string, string, string];
}

/** Reads the theme's chart colours from the root element's custom properties. */
export function readChartColors(root: Element | null = globalThis.document?.documentElement ?? null): ChartColors {
  if (!root || typeof getComputedStyle !== 'function') return LIGHT;
  const style = getComputedStyle(root);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    series: LIGHT.series.map((c, i) => v(`--chart-${i + 1}`, c)),
    grid: v('--chart-grid', LIGHT.grid),
    axis: v('--chart-axis', LIGHT.axis),
    text: v('--chart-text', LIGHT.text),
    surface: v('--chart-surface', LIGHT.surface),
    muted: v('--chart-muted', LIGHT.muted),
    warn: v('--chart-warn', LIGHT.warn),
    warnStroke: v('--chart-warn-stroke', LIGHT.warnStroke),
    danger: v('--chart-danger', LIGHT.danger),
    sequential: [
      v('--chart-seq-0', LIGHT.sequential[0]),
      v('--chart-seq-1', LIGHT.sequential[1]),
      v('--chart-seq-2', LIGHT.sequential[2]),
    ],
  };
}

/** The chart colours of the theme in effect; a theme change re-renders the chart with new ones. */
export function useChartColors(): ChartColors {
  const theme = useTheme();
  return useMemo(() => readChartColors(), [theme]); // eslint-disable-line react-hooks/exhaustive-deps
}

/** A stable colour per trial number, the same in every chart. */
export const trialColor = (n: number, colors: ChartColors = LIGHT) => {
  const p = colors.series;
  return p[((n % p.length) + p.length) % p.length];
};

const rgbOf = (hex: string): [number, number, number] => {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
};

/** Sequential colour for a value's shade in [0, 1] (1 = best), along the theme's worst → best stops. */
export function valueColor(shade: number, colors: ChartColors = LIGHT): string {
  const stops = colors.sequential.map(rgbOf);
  const t = Math.min(1, Math.max(0, Number.isFinite(shade) ? shade : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export const valueGradient = (colors: ChartColors = LIGHT) =>
  `linear-gradient(to right, ${valueColor(0, colors)}, ${valueColor(0.5, colors)}, ${valueColor(1, colors)})`;

/** The element's content width, kept current with a ResizeObserver (fallback until measured). */
export function useElementWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth(w);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export const fmtValue = formatTooltipValue; // ±inf as ∞ / −∞, as every other place prints them

/**
 * Tooltip for charts with one line per trial (dataKey `t<number>`): the trials at the hovered x,
 * best first for the direction, at most `max` of them.
 */
export function TrialLinesTooltip({
  active,
  payload,
  label,
  xName,
  higherIsBetter,
  max = 8,
}: Partial<TooltipContentProps> & { xName: string; higherIsBetter: boolean; max?: number }) {
  if (!active || !payload || payload.length === 0) return null;
  const rows = payload
    .filter((p) => typeof p.value === 'number')
    .map((p) => ({
      key: String(p.dataKey),
      name: String(p.name),
      value: p.value as number,
      color: p.stroke ?? p.color ?? 'currentColor',
    }))
    .sort((a, b) => (higherIsBetter ? b.value - a.value : a.value - b.value));
  return (
    <div className="sweep-tooltip">
      <div className="sweep-tooltip__title">
        {xName} {String(label)}
      </div>
      {rows.slice(0, max).map((r) => (
        <div key={r.key} className="sweep-tooltip__row">
          <span className="sweep-swatch" style={{ background: r.color }} />
          <span>{r.name}</span>
          <span className="sweep-tooltip__value">{fmtValue(r.value)}</span>
        </div>
      ))}
      {rows.length > max && <div className="sweep-tooltip__more">+{rows.length - max} more</div>}
    </div>
  );
}

/** Tooltip for point charts whose data rows carry `number`, a value and optional extra lines. */
export function PointTooltip({ active, payload }: Partial<TooltipContentProps>) {
  if (!active || !payload || payload.length === 0) return null;
  const p = payload[0].payload as
    { number?: number; value?: number; y?: number; state?: string; label?: string; best?: number | null } | undefined;
  if (!p || typeof p.number !== 'number') return null;
  const value = p.value ?? p.y ?? p.best;
  return (
    <div className="sweep-tooltip">
      <div className="sweep-tooltip__title">Trial #{p.number}</div>
      {p.state && <div className="sweep-tooltip__row">{p.state}</div>}
      {p.label !== undefined && <div className="sweep-tooltip__row">{p.label}</div>}
      {typeof value === 'number' && p.state !== 'failed' && (
        <div className="sweep-tooltip__row">
          {p.best !== undefined && p.value === undefined ? 'best so far' : 'value'}{' '}
          <span className="sweep-tooltip__value">{fmtValue(value)}</span>
        </div>
      )}
    </div>
  );
}
