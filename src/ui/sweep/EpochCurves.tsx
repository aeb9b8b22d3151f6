// The objective after each epoch, one line per trial (the numbers the pruner saw). Pruned trials
// are dashed and end in a cross where they were stopped; picked trials stand out.
import { useMemo, useRef } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
} from 'recharts';
import type { StudyView, TrialView } from '../../store/sweep-view';
import { epochRows } from './epoch-curves-data';
import { formatNumber } from './number-format';
import { trialKey } from './trial-series';
import { TrialLinesTooltip, trialColor, useChartColors } from './chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { epochTable } from './chart-tables';
import './sweep.css';

/** A cross on a pruned trial's last epoch; nothing on the other points. */
function prunedEnd(lastEpoch: number, color: string) {
  return function PrunedDot(props: DotItemDotProps) {
    const { cx, cy, payload } = props;
    const at = payload as Record<string, number> | undefined;
    if (typeof cx !== 'number' || typeof cy !== 'number' || at?.epoch !== lastEpoch) return <g key={props.index} />;
    const r = 4.5;
    return (
      <g key={props.index} stroke={color} strokeWidth={2} data-pruned-end="">
        <line x1={cx - r} y1={cy - r} x2={cx + r} y2={cy + r} />
        <line x1={cx - r} y1={cy + r} x2={cx + r} y2={cy - r} />
      </g>
    );
  };
}

export function EpochCurves({ study, highlight = [] }: { study: StudyView; highlight?: readonly number[] }) {
  const trials = useMemo(
    () => study.trials.filter((t) => t.epochs.length > 0).sort((a, b) => a.number - b.number),
    [study],
  );
  const rows = useMemo(() => epochRows(trials, 'objective'), [trials]);
  const maxEpoch = rows.reduce((m, r) => Math.max(m, r.epoch), 1);
  // Epoch 0 (the untrained model) is on the axis when a trial reported it.
  const minEpoch = rows.some((r) => r.epoch === 0) ? 0 : 1;
  const focus = new Set(highlight);
  const c = useChartColors();
  const opacity = (t: TrialView) => (focus.size === 0 || focus.has(t.number) ? 0.95 : 0.2);
  const chartRef = useRef<HTMLDivElement>(null);

  return (
    <section className="panel sweep-panel" aria-label="Per-epoch objective" data-testid="epoch-curves">
      <div className="panel__head">
        <h2>Per-epoch objective</h2>
        <p className="sweep-caption">
          <span className="sweep-key sweep-key--solid" /> complete/running{' '}
          <span className="sweep-key sweep-key--dashed" /> pruned (✕ where stopped)
        </p>
        {rows.length > 0 && (
          <ChartExportMenu
            name="per-epoch objective chart"
            title={`Per-epoch objective: ${study.name}`}
            target={chartRef}
            testId="epoch-curves-export"
            legend={trials.map((t) => ({
              label: `#${t.number} ${t.state}`,
              color: trialColor(t.number),
              dashed: t.state === 'pruned',
            }))}
            table={() => epochTable(trials, 'objective')}
          />
        )}
      </div>
      <div className="chart" ref={chartRef}>
        {rows.length === 0 ? (
          <p className="chart__empty">Per-epoch curves appear after each trial's first evaluation.</p>
        ) : (
          <ResponsiveContainer width="100%" height={300}>
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
              <XAxis
                dataKey="epoch"
                type="number"
                domain={[minEpoch, Math.max(2, maxEpoch)]}
                allowDecimals={false}
                label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
              />
              <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} width={52} />
              <Tooltip
                content={(p) => (
                  <TrialLinesTooltip {...p} xName="epoch" higherIsBetter={study.direction === 'maximize'} />
                )}
              />
              {trials.map((t) => {
                const color = trialColor(t.number, c);
                const pruned = t.state === 'pruned';
                const lastEpoch = t.epochs[t.epochs.length - 1].epoch;
                return (
                  <Line
                    key={t.number}
                    name={`#${t.number} ${t.state}`}
                    dataKey={trialKey(t.number)}
                    stroke={color}
                    strokeOpacity={opacity(t)}
                    strokeWidth={focus.has(t.number) ? 3 : 1.75}
                    strokeDasharray={pruned ? '6 4' : undefined}
                    dot={
                      pruned
                        ? prunedEnd(lastEpoch, color)
                        : t.epochs.length === 1
                          ? { r: 3, fill: color, strokeDasharray: '0' }
                          : false
                    }
                    activeDot={{ r: 4, strokeDasharray: '0' }}
                    isAnimationActive={false}
                    connectNulls
                  />
                );
              })}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
}
