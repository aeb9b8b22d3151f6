// ROUGE on the validation split after each epoch, as the seed's compute_metrics reports it
// (mean F × 100, stemmed), with the newest epoch's numbers above the chart.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useRunStore } from '../../store/run';
import { latestEvaluation } from '../../store/run-events';

type RougeKey = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

const SERIES: { key: RougeKey; label: string; color: string }[] = [
  { key: 'rouge1', label: 'R-1', color: '#2563eb' },
  { key: 'rouge2', label: 'R-2', color: '#dc2626' },
  { key: 'rougeL', label: 'R-L', color: '#059669' },
  { key: 'rougeLsum', label: 'R-Lsum', color: '#d97706' },
];

const two = (v: number) => v.toFixed(2);
const fmt = (v: unknown) => (typeof v === 'number' ? two(v) : String(v));

/**
 * The y axis runs from 0 (so epochs compare honestly) to the next multiple of 5 above the highest
 * score, capped at 100: a small model scores around 5–20, which a fixed 0–100 axis would squash
 * into a flat band at the bottom. Five equal intervals keep the ticks round (0, 3, …, 15).
 */
function yAxisTicks(top: number): number[] {
  const max = Math.min(100, Math.max(5, Math.ceil(top / 5) * 5));
  return Array.from({ length: 6 }, (_, i) => (max * i) / 5);
}

export function RougeChart() {
  const points = useRunStore((s) => s.evaluations);
  // The worker's own count, not the settings: those may have been edited since the run started.
  const noValidation = useRunStore((s) => s.model !== null && s.model.validationExamples === 0);
  const latest = latestEvaluation(points);
  // Exact values for e2e tests: the rounded numbers on screen cannot be compared with the
  // worker's, and the SVG only holds pixel positions.
  const json = JSON.stringify(points);
  const top = points.reduce((m, p) => Math.max(m, p.rouge1, p.rouge2, p.rougeL, p.rougeLsum), 0);
  const ticks = yAxisTicks(Number.isFinite(top) ? top : 100);

  return (
    <section className="panel" aria-label="ROUGE">
      <div className="panel__head">
        <h2>ROUGE (validation)</h2>
        {latest && (
          <dl className="rouge-latest" data-testid="rouge-latest" aria-label={`ROUGE after epoch ${latest.epoch}`}>
            {SERIES.map((s) => (
              <div key={s.key}>
                <dt>{s.label}</dt>
                <dd data-testid={`rouge-${s.key}`}>{two(latest[s.key])}</dd>
              </div>
            ))}
            <div>
              <dt>Gen len</dt>
              <dd data-testid="rouge-genlen">{two(latest.genLen)}</dd>
            </div>
            <div title={`${latest.examples} validation examples generated`}>
              <dt>Epoch</dt>
              <dd data-testid="rouge-epoch">{latest.epoch}</dd>
            </div>
          </dl>
        )}
      </div>
      <div className="chart" data-testid="rouge-chart" data-points={json}>
        <output hidden data-testid="rouge-points">
          {json}
        </output>
        {points.length === 0 ? (
          <p className="chart__empty">
            {noValidation
              ? 'This run has no validation examples, so no ROUGE.'
              : 'ROUGE appears after the first epoch.'}
          </p>
        ) : (
          <ResponsiveContainer width="100%" height={300}>
            <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
              {/* A category axis: one tick per reported epoch, and a lone first epoch sits centred
                  instead of on a zero-width numeric domain. */}
              <XAxis
                dataKey="epoch"
                type="category"
                allowDuplicatedCategory={false}
                padding={{ left: 24, right: 24 }}
                label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
              />
              <YAxis domain={[0, ticks[ticks.length - 1]]} ticks={ticks} width={40} allowDataOverflow />
              <Tooltip formatter={fmt} labelFormatter={(l) => `epoch ${String(l)}`} />
              <Legend />
              {SERIES.map((s) => (
                <Line
                  key={s.key}
                  name={s.label}
                  dataKey={s.key}
                  stroke={s.color}
                  strokeWidth={2}
                  dot={{ r: 4 }}
                  activeDot={{ r: 6 }}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
}
