// Objective per trial (Optuna's optimization history): complete trials as dots, pruned ones as
// triangles at their last reported value, failed ones as red crosses on the chart's floor, and
// the best-so-far as a step line.
import { useMemo, useRef } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from 'recharts';
import { bestTrial, type StudyView } from '../../store/sweep-view';
import { formatNumber, formatParam } from './number-format';
import { historyData, type HistoryData } from './optimization-history-data';
import { fmtValue, useChartColors } from './chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { historyTable } from './chart-tables';
import './sweep.css';

/** A red ✕ for a failed trial (it has no value; it sits on the chart's floor). */
function FailedMark(props: unknown) {
  // The Scatter's fill (the theme's danger colour) strokes the cross.
  const { cx, cy, fill } = props as { cx?: number; cy?: number; fill?: string };
  if (typeof cx !== 'number' || typeof cy !== 'number') return <g />;
  return (
    <path
      d={`M${cx - 4.5} ${cy - 4.5} L${cx + 4.5} ${cy + 4.5} M${cx + 4.5} ${cy - 4.5} L${cx - 4.5} ${cy + 4.5}`}
      stroke={fill}
      strokeWidth={2.2}
    />
  );
}

/** The hovered trial: state, value (or why it failed), parameters and the best so far. */
function HistoryTooltip({
  active,
  payload,
  label,
  study,
  h,
}: Partial<TooltipContentProps> & { study: StudyView; h: HistoryData }) {
  if (!active) return null;
  const fromPayload = (payload ?? [])
    .map((p) => (p.payload as { number?: unknown } | undefined)?.number)
    .find((n) => typeof n === 'number');
  const number = typeof fromPayload === 'number' ? fromPayload : Number(label);
  const t = study.trials.find((x) => x.number === number);
  if (!t) return null;
  const best = h.best.find((b) => b.number === number)?.best ?? null;
  const shown = [...h.pruned, ...h.running].find((p) => p.number === number);
  return (
    <div className="sweep-tooltip">
      <div className="sweep-tooltip__title">
        Trial #{t.number} · {t.state}
      </div>
      {t.value !== null && (
        <div className="sweep-tooltip__row">
          {t.state === 'pruned' ? 'last value' : 'value'}
          <span className="sweep-tooltip__value">{fmtValue(t.value)}</span>
        </div>
      )}
      {t.value === null && shown && t.state !== 'failed' && (
        <div className="sweep-tooltip__row">
          latest epoch<span className="sweep-tooltip__value">{fmtValue(shown.value)}</span>
        </div>
      )}
      {t.state === 'failed' && (
        <div className="sweep-tooltip__row sweep-tooltip__reason">{t.failReason ?? 'failed'}</div>
      )}
      {study.paramSpec.map(
        (p) =>
          t.params[p.name] !== undefined && (
            <div key={p.name} className="sweep-tooltip__row sweep-tooltip__param">
              {p.name} = {formatParam(t.params[p.name])}
            </div>
          ),
      )}
      {best !== null && (
        <div className="sweep-tooltip__row sweep-tooltip__best">
          best so far<span className="sweep-tooltip__value">{fmtValue(best)}</span>
        </div>
      )}
    </div>
  );
}

export function OptimizationHistory({ study }: { study: StudyView }) {
  const h = useMemo(() => historyData(study), [study]);
  const c = useChartColors();
  const best = useMemo(() => bestTrial(study), [study]);
  const total = study.trials.length;
  const maxNumber = h.xTicks[h.xTicks.length - 1] ?? 0;
  const lastNumber = study.trials.reduce((m, t) => Math.max(m, t.number), 0);
  const chartRef = useRef<HTMLDivElement>(null);
  // The legend above is HTML: the exported image draws these instead.
  const exportLegend = [
    { label: 'best so far', color: c.warn },
    { label: 'complete', color: c.series[0] },
    ...(h.pruned.length > 0 ? [{ label: 'pruned (last value)', color: c.muted }] : []),
    ...(h.running.length > 0 ? [{ label: 'running (latest epoch)', color: c.series[0], dashed: true }] : []),
    ...(h.failed.length > 0 ? [{ label: 'failed (no value)', color: c.danger }] : []),
  ];

  return (
    <section className="panel sweep-panel" aria-label="Optimization history" data-testid="optimization-history">
      <div className="panel__head">
        <h2>Optimization history</h2>
        <p className="sweep-caption">
          {study.objective} · {study.direction}
          {best && (
            <>
              {' · best '}
              <strong>{formatNumber(best.value!, 4)}</strong> (#{best.number})
            </>
          )}
        </p>
        {total > 0 && (
          <ChartExportMenu
            name="optimization history"
            title={`Optimization history: ${study.name}`}
            target={chartRef}
            testId="history-export"
            legend={exportLegend}
            table={() => historyTable(study)}
          />
        )}
      </div>
      {h.note && (
        <p className="sweep-caption" data-testid="history-note">
          {h.note}
        </p>
      )}
      <ul className="history__legend" aria-label="Legend">
        <li>
          <svg width="18" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="17" y2="5" stroke={c.warn} strokeWidth="2" />
          </svg>
          best so far
        </li>
        <li>
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="4.5" fill={c.series[0]} />
          </svg>
          complete
        </li>
        {h.pruned.length > 0 && (
          <li>
            <svg width="12" height="12" aria-hidden="true">
              <path d="M6 1.5 L10.5 10 L1.5 10 Z" fill={c.surface} stroke={c.muted} strokeWidth="1.5" />
            </svg>
            pruned (last value)
          </li>
        )}
        {h.running.length > 0 && (
          <li>
            <svg width="12" height="12" aria-hidden="true">
              <circle cx="6" cy="6" r="4.2" fill={c.surface} stroke={c.series[0]} strokeWidth="1.5" />
            </svg>
            running (latest epoch)
          </li>
        )}
        {h.failed.length > 0 && (
          <li>
            <svg width="12" height="12" aria-hidden="true">
              <path d="M2 2 L10 10 M10 2 L2 10" stroke={c.danger} strokeWidth="2.2" />
            </svg>
            failed (no value)
          </li>
        )}
      </ul>
      <div className="chart" ref={chartRef}>
        {total === 0 ? (
          <p className="chart__empty">Trials appear here as the sweep runs.</p>
        ) : (
          <ResponsiveContainer width="100%" height={300}>
            <ComposedChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
              <XAxis
                dataKey="number"
                type="number"
                domain={[-0.5, Math.max(maxNumber, lastNumber) + 0.5]}
                ticks={h.xTicks}
                interval={0}
                label={{ value: 'trial', position: 'insideBottomRight', offset: -4 }}
              />
              <YAxis
                type="number"
                domain={h.domain}
                ticks={h.ticks}
                interval={0}
                allowDataOverflow
                tickFormatter={(v: number) => formatNumber(v)}
                width={52}
              />
              <Tooltip
                content={(p) => <HistoryTooltip {...p} study={study} h={h} />}
                cursor={{ strokeDasharray: '3 3' }}
              />
              <Line
                name="best so far"
                data={h.best}
                dataKey="y"
                type="stepAfter"
                stroke={c.warn}
                strokeWidth={2}
                dot={false}
                activeDot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
              <Scatter
                name="complete"
                data={h.complete}
                dataKey="value"
                fill={c.series[0]}
                shape="circle"
                isAnimationActive={false}
              />
              {h.pruned.length > 0 && (
                <Scatter
                  name="pruned (last value)"
                  data={h.pruned}
                  dataKey="value"
                  fill={c.surface}
                  stroke={c.muted}
                  strokeWidth={1.5}
                  shape="triangle"
                  isAnimationActive={false}
                />
              )}
              {h.running.length > 0 && (
                <Scatter
                  name="running (latest epoch)"
                  data={h.running}
                  dataKey="value"
                  fill={c.surface}
                  stroke={c.series[0]}
                  strokeWidth={1.5}
                  shape="circle"
                  isAnimationActive={false}
                />
              )}
              {h.failed.length > 0 && (
                <Scatter
                  name="failed"
                  data={h.failed}
                  dataKey="value"
                  fill={c.danger}
                  shape={FailedMark}
                  isAnimationActive={false}
                />
              )}
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
}
