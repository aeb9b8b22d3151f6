// Parallel coordinates, drawn as plain SVG (recharts has none): one vertical axis per parameter
// (log axes for log parameters, categories evenly spaced) and one for the objective; one
// polyline per complete trial, coloured light → dark from worst to best. Labels are text nodes.
import { useMemo } from 'react';
import type { StudyView } from '../../store/sweep-view';
import { formatNumber } from './number-format';
import { parallelCoordinates } from './parallel-coordinates-data';
import { useChartColors, useElementWidth, valueColor, valueGradient } from './chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { completeTrialsTable } from './chart-tables';
import './sweep.css';

const HEIGHT = 320;
const TOP = 40;
const BOTTOM = 18;
const SIDE = 64;

/** Cuts a label to about `px` wide at ~6.6px per character. */
const fit = (s: string, px: number) => {
  const n = Math.max(4, Math.floor(px / 6.6));
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

export function ParallelCoordinates({ study, highlight = [] }: { study: StudyView; highlight?: readonly number[] }) {
  const data = useMemo(() => parallelCoordinates(study), [study]);
  const [ref, width] = useElementWidth<HTMLDivElement>(720);
  const focus = new Set(highlight);
  const c = useChartColors();
  const n = data.axes.length;
  const spacing = n > 1 ? (width - 2 * SIDE) / (n - 1) : 0;
  const xAt = (i: number) => (n > 1 ? SIDE + i * spacing : width / 2);
  const yAt = (t: number) => TOP + (1 - t) * (HEIGHT - TOP - BOTTOM);
  const values = data.lines.map((l) => l.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const better = study.direction === 'maximize' ? hi : lo;
  const worse = study.direction === 'maximize' ? lo : hi;

  return (
    <section className="panel sweep-panel" aria-label="Parallel coordinates" data-testid="parallel-coordinates">
      <div className="panel__head">
        <h2>Parallel coordinates</h2>
        <p className="sweep-caption">complete trials · one line each · hover a line for its trial</p>
        {data.lines.length > 0 && (
          <ChartExportMenu
            name="parallel coordinates chart"
            title={`Parallel coordinates: ${study.name}`}
            target={ref}
            testId="parallel-export"
            legend={[
              { label: `${formatNumber(worse, 4)} worse`, color: valueColor(0) },
              { label: `${formatNumber(better, 4)} better`, color: valueColor(1) },
            ]}
            table={() => completeTrialsTable(study)}
          />
        )}
      </div>
      {data.note && (
        <p className="sweep-caption" data-testid="parallel-note">
          {data.note}
        </p>
      )}
      <div ref={ref} className="pc">
        {data.lines.length === 0 ? (
          <p className="chart__empty">Lines appear once a trial completes.</p>
        ) : (
          <svg
            className="pc__svg"
            width={width}
            height={HEIGHT}
            viewBox={`0 0 ${width} ${HEIGHT}`}
            role="img"
            aria-label={`Parallel coordinates of ${data.lines.length} complete trials`}
          >
            <g className="pc__lines">
              {data.lines.map((l) => {
                const picked = focus.has(l.number);
                return (
                  <polyline
                    key={l.number}
                    className={picked ? 'pc__line pc__line--picked' : 'pc__line'}
                    data-number={l.number}
                    points={l.points.map((p, i) => `${xAt(i).toFixed(1)},${yAt(p).toFixed(1)}`).join(' ')}
                    stroke={valueColor(l.shade, c)}
                    strokeOpacity={focus.size === 0 || picked ? 0.9 : 0.3}
                    strokeWidth={picked ? 3.5 : l.shade === 1 ? 2.75 : 1.75}
                  >
                    <title>{`Trial #${l.number}: ${study.objective} ${formatNumber(l.value, 4)}`}</title>
                  </polyline>
                );
              })}
            </g>
            {data.axes.map((a, i) => {
              const x = xAt(i);
              const last = i === n - 1;
              return (
                <g key={a.name} className={last ? 'pc__axis pc__axis--objective' : 'pc__axis'}>
                  <line x1={x} x2={x} y1={yAt(0)} y2={yAt(1)} />
                  <text className="pc__label" x={x} y={TOP - 18} textAnchor="middle">
                    {fit(a.label, n > 1 ? spacing - 8 : width)}
                    <title>{a.label}</title>
                  </text>
                  {a.ticks.map((t, k) => (
                    <g key={k}>
                      {/* The objective's ticks face outwards, on the right, clear of the lines. */}
                      <line x1={last ? x : x - 4} x2={last ? x + 4 : x} y1={yAt(t.at)} y2={yAt(t.at)} />
                      <text
                        className="pc__tick"
                        x={last ? x + 7 : x - 7}
                        y={yAt(t.at)}
                        dy="0.32em"
                        textAnchor={last ? 'start' : 'end'}
                      >
                        {t.label}
                      </text>
                    </g>
                  ))}
                </g>
              );
            })}
          </svg>
        )}
      </div>
      {data.lines.length > 0 && (
        <div className="pc__legend" aria-label="Line colour scale">
          <span>{formatNumber(worse, 4)} worse</span>
          <span className="pc__gradient" style={{ background: valueGradient(c) }} />
          <span>better {formatNumber(better, 4)}</span>
        </div>
      )}
    </section>
  );
}
