// Training loss per step, and eval loss at the end of each epoch when the worker measured it — and
// before the first step (epoch 0, at step 0), so the curve starts where the untrained model stood.
// As in TensorBoard, the training loss can be smoothed (debiased EMA; the raw curve stays, faint)
// and the y axis made logarithmic; the chart, its data and the run's per-step metrics export.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useId, useMemo, useRef, useState } from 'react';
import { useRunStore } from '../../store/run';
import { epochZero, lossSeries } from '../../store/run-events';
import { useChartColors } from '../sweep/chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { download } from '../download';
import { exportFileName, toCsv } from '../chart-export';
import { DEFAULT_SMOOTHING, emaSmooth, logDomain, logTicks, MAX_SMOOTHING } from './loss-smoothing';
import { lossChartTable, stepMetricsTable } from './run-tables';

const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v));

export function LossChart() {
  const steps = useRunStore((s) => s.steps);
  const epochs = useRunStore((s) => s.epochs);
  const before = useRunStore((s) => epochZero(s.evaluations)?.evalLoss ?? null);
  // A fresh model's training loss covers the document too; the eval loss is always the summary's.
  const onDocument = useRunStore((s) => s.model?.lossOnDocument === true);
  const c = useChartColors();
  const series = useMemo(() => lossSeries(steps, epochs, undefined, before), [steps, epochs, before]);
  const hasEval = before !== null || epochs.some((e) => e.evalLoss !== null);
  const first = steps[0];
  const last = steps[steps.length - 1];
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const [logScale, setLogScale] = useState(false);
  const smoothingId = useId();
  const chartRef = useRef<HTMLDivElement>(null);
  // Smoothed over every step, then looked up at the steps the chart keeps (it thins long runs).
  const smoothedAt = useMemo(() => {
    const s = emaSmooth(
      steps.map((p) => p.loss),
      smoothing,
    );
    return new Map(steps.map((p, i) => [p.step, s[i]]));
  }, [steps, smoothing]);
  const data = useMemo(() => {
    // A log axis has no place for 0 or below: those points become gaps.
    const y = (v: number | null | undefined) => (v == null || (logScale && !(v > 0)) ? null : v);
    return series.map((r) => ({
      step: r.step,
      loss: y(r.loss),
      smoothed: y(smoothedAt.get(r.step) ?? null),
      evalLoss: y(r.evalLoss),
    }));
  }, [series, smoothedAt, logScale]);
  const domain = logScale ? logDomain(data.flatMap((r) => [r.loss, r.smoothed, r.evalLoss])) : null;
  const smoothed = smoothing > 0;
  const trainName = onDocument ? 'train loss (document + summary)' : 'train loss';

  return (
    <section className="panel" aria-label="Loss">
      <div className="panel__head">
        <h2>Loss</h2>
        {first && last && (
          // Full precision on purpose: the e2e test compares these numbers, not a rounded display.
          <p className="loss-summary">
            first <code data-testid="loss-first">{String(first.loss)}</code>
            {' → '}latest <code data-testid="loss-last">{String(last.loss)}</code>
          </p>
        )}
      </div>
      {data.length > 0 && (
        <div className="chart-tools">
          <label htmlFor={smoothingId}>Smoothing</label>
          <input
            id={smoothingId}
            type="range"
            min={0}
            max={MAX_SMOOTHING}
            step={0.001}
            value={smoothing}
            data-testid="loss-smoothing"
            aria-valuetext={smoothed ? `${smoothing.toFixed(3)} (exponential moving average)` : '0 (raw loss)'}
            onChange={(e) => setSmoothing(Math.min(MAX_SMOOTHING, Math.max(0, Number(e.target.value))))}
          />
          <output htmlFor={smoothingId}>{smoothing.toFixed(3)}</output>
          <label>
            <input
              type="checkbox"
              checked={logScale}
              data-testid="loss-log-scale"
              onChange={(e) => setLogScale(e.target.checked)}
            />
            Log scale
          </label>
          <span className="chart-tools__spacer" />
          <button
            type="button"
            className="chart-export__button"
            data-testid="run-metrics-csv"
            aria-label="Export run metrics (every step) as CSV"
            title="Download every step's loss, learning rate, gradient norm, tokens/s and elapsed time as CSV"
            onClick={() => download(exportFileName('run metrics', 'csv'), toCsv(stepMetricsTable(steps)), 'text/csv')}
          >
            Run metrics CSV
          </button>
          <ChartExportMenu
            name="loss chart"
            title="Loss"
            target={chartRef}
            testId="loss-export"
            table={() => lossChartTable(steps, epochs, before, smoothing)}
          />
        </div>
      )}
      <div className="chart" data-testid="loss-chart" ref={chartRef}>
        {data.length === 0 ? (
          <p className="chart__empty">The loss curve appears here once training starts.</p>
        ) : (
          <ResponsiveContainer width="100%" height={300}>
            <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
              <XAxis
                dataKey="step"
                type="number"
                domain={['dataMin', 'dataMax']}
                allowDecimals={false}
                label={{ value: 'step', position: 'insideBottomRight', offset: -4 }}
              />
              {domain ? (
                <YAxis
                  scale="log"
                  domain={domain}
                  ticks={logTicks(domain[0], domain[1])}
                  allowDataOverflow
                  tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
                  width={56}
                />
              ) : (
                <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} width={56} />
              )}
              <Tooltip formatter={fmt} labelFormatter={(l) => `step ${String(l)}`} />
              <Legend />
              <Line
                name={smoothed ? `${trainName}, raw` : trainName}
                dataKey="loss"
                stroke={c.series[0]}
                strokeOpacity={smoothed ? 0.3 : 1}
                dot={false}
                strokeWidth={1.5}
                isAnimationActive={false}
                connectNulls={false}
              />
              {smoothed && (
                <Line
                  name={`${trainName}, smoothed ${smoothing.toFixed(3)}`}
                  dataKey="smoothed"
                  stroke={c.series[0]}
                  dot={false}
                  strokeWidth={2}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              )}
              {hasEval && (
                <Line
                  name="eval loss (summary, per epoch)"
                  dataKey="evalLoss"
                  stroke={c.series[1]}
                  strokeWidth={2}
                  dot={{ r: 4 }}
                  isAnimationActive={false}
                  connectNulls
                />
              )}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
}
