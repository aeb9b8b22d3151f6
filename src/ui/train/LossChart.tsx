// Training loss per step, and eval loss at the end of each epoch when the worker measured it — and
// before the first step (epoch 0, at step 0), so the curve starts where the untrained model stood.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useMemo } from 'react';
import { useRunStore } from '../../store/run';
import { epochZero, lossSeries } from '../../store/run-events';
import { useChartColors } from '../sweep/chart-kit';

const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v));

export function LossChart() {
  const steps = useRunStore((s) => s.steps);
  const epochs = useRunStore((s) => s.epochs);
  const before = useRunStore((s) => epochZero(s.evaluations)?.evalLoss ?? null);
  // A fresh model's training loss covers the document too; the eval loss is always the summary's.
  const onDocument = useRunStore((s) => s.model?.lossOnDocument === true);
  const c = useChartColors();
  const data = useMemo(() => lossSeries(steps, epochs, undefined, before), [steps, epochs, before]);
  const hasEval = before !== null || epochs.some((e) => e.evalLoss !== null);
  const first = steps[0];
  const last = steps[steps.length - 1];

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
      <div className="chart" data-testid="loss-chart">
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
              <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} width={56} />
              <Tooltip formatter={fmt} labelFormatter={(l) => `step ${String(l)}`} />
              <Legend />
              <Line
                name={onDocument ? 'train loss (document + summary)' : 'train loss'}
                dataKey="loss"
                stroke={c.series[0]}
                dot={false}
                strokeWidth={1.5}
                isAnimationActive={false}
                connectNulls={false}
              />
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
