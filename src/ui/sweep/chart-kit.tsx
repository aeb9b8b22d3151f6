// Shared bits of the sweep charts: colours, a width hook for the hand-drawn SVG, and the tooltip
// the multi-trial line charts use (text nodes only).
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { TooltipContentProps } from 'recharts';

const PALETTE = [
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
];

/** A stable colour per trial number, the same in every chart. */
export const trialColor = (n: number) => PALETTE[((n % PALETTE.length) + PALETTE.length) % PALETTE.length];

const STOPS: [number, number, number][] = [
  [0xbf, 0xdb, 0xfe], // worst: blue-200
  [0x3b, 0x82, 0xf6], // blue-500
  [0x1e, 0x3a, 0x8a], // best: blue-900
];

/** Sequential colour for a value's shade in [0, 1] (1 = best): light → dark blue. */
export function valueColor(shade: number): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(shade) ? shade : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const c = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export const VALUE_GRADIENT = `linear-gradient(to right, ${valueColor(0)}, ${valueColor(0.5)}, ${valueColor(1)})`;

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

export const fmtValue = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)) : String(v);

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
      color: p.stroke ?? p.color ?? '#111827',
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
