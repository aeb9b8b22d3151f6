// ROUGE on the validation split after each epoch, as the seed's compute_metrics reports it
// (mean F × 100, stemmed), with the newest epoch's numbers above the chart — beside what the run
// must beat: epoch 0 (the model before its first step, the first point on the x axis) and LEAD
// (each document's first sentence, dashed reference lines), so a user sees whether training helped.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useRef } from 'react';
import { useRunStore } from '../../store/run';
import { ChartExportMenu } from '../ChartExportMenu';
import { rougeChartTable } from './run-tables';
import { epochZero, latestEvaluation, leadBaseline, leadReferenceLines, type RougeKey } from '../../store/run-events';
import { useChartColors } from '../sweep/chart-kit';

/** `color` indexes the theme's chart series (chart-kit's useChartColors). */
const SERIES: { key: RougeKey; label: string; color: number }[] = [
  { key: 'rouge1', label: 'R-1', color: 0 },
  { key: 'rouge2', label: 'R-2', color: 1 },
  { key: 'rougeL', label: 'R-L', color: 2 },
  { key: 'rougeLsum', label: 'R-Lsum', color: 3 },
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

const epochLabel = (epoch: unknown) => (epoch === 0 ? 'epoch 0 (before training)' : `epoch ${String(epoch)}`);

/** The baselines' numbers in one line: "LEAD R-1 16.98 · R-2 1.63 · …". */
const numbers = (p: Record<RougeKey, number>) => SERIES.map((s) => `${s.label} ${two(p[s.key])}`).join(' · ');

export function RougeChart() {
  const points = useRunStore((s) => s.evaluations);
  const baselines = useRunStore((s) => s.baselines);
  // The worker's own count, not the settings: those may have been edited since the run started.
  const noValidation = useRunStore((s) => s.model !== null && s.model.validationExamples === 0);
  const c = useChartColors();
  const latest = latestEvaluation(points);
  const lead = leadBaseline(baselines);
  const zero = epochZero(points);
  const leadLines = leadReferenceLines(lead, SERIES);
  // Exact values for e2e tests: the rounded numbers on screen cannot be compared with the
  // worker's, and the SVG only holds pixel positions.
  const json = JSON.stringify(points);
  const top = [...points, ...baselines].reduce((m, p) => Math.max(m, p.rouge1, p.rouge2, p.rougeL, p.rougeLsum), 0);
  const ticks = yAxisTicks(Number.isFinite(top) ? top : 100);
  const chartRef = useRef<HTMLDivElement>(null);

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
      {(lead || zero) && (
        <p className="rouge-baselines" data-testid="rouge-baselines">
          {lead && (
            <span data-testid="baseline-lead" title={`first sentence of each of ${lead.examples} validation documents`}>
              LEAD: {numbers(lead)}
            </span>
          )}
          {zero && (
            <span data-testid="baseline-epoch0" title="the model before its first step, same prompt and generation">
              Epoch 0: {numbers(zero)}
            </span>
          )}
        </p>
      )}
      {points.length > 0 && (
        <div className="chart-tools">
          <span className="chart-tools__spacer" />
          <ChartExportMenu
            name="ROUGE chart"
            title="ROUGE (validation)"
            target={chartRef}
            testId="rouge-export"
            table={() => rougeChartTable(points, baselines)}
          />
        </div>
      )}
      <div className="chart" data-testid="rouge-chart" data-points={json} ref={chartRef}>
        <output hidden data-testid="rouge-points">
          {json}
        </output>
        <output hidden data-testid="rouge-lead">
          {JSON.stringify(lead)}
        </output>
        {points.length === 0 ? (
          <p className="chart__empty">
            {noValidation
              ? 'This run has no validation examples, so no ROUGE.'
              : 'ROUGE appears at epoch 0 (the model before training) and after each epoch.'}
          </p>
        ) : (
          <ResponsiveContainer width="100%" height={300}>
            <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
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
              <Tooltip formatter={fmt} labelFormatter={epochLabel} />
              <Legend />
              {leadLines.map((l) => (
                <ReferenceLine
                  key={l.label}
                  y={l.y}
                  stroke={c.series[SERIES.find((s) => s.key === l.keys[0])?.color ?? 0]}
                  strokeDasharray="6 4"
                  strokeOpacity={0.8}
                  ifOverflow="extendDomain"
                  label={{ value: l.label, position: 'insideTopRight', fontSize: 11, fill: c.text }}
                />
              ))}
              {SERIES.map((s) => (
                <Line
                  key={s.key}
                  name={s.label}
                  dataKey={s.key}
                  stroke={c.series[s.color]}
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
