// Two or more picked trials side by side: their parameters, overlaid training loss and per-epoch
// ROUGE curves, and the sample summaries each produced for the same articles. Every string (the
// articles, references and model output) is rendered as a React text node, never as HTML.
import { useMemo, useRef } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { StudyView, TrialView } from '../../store/sweep-view';
import { linearTicks } from './axes';
import { epochRows, type EpochMetric } from './epoch-curves-data';
import { formatNumber, formatParam } from './number-format';
import { lossRows } from './trial-compare-data';
import { trialKey } from './trial-series';
import { TrialLinesTooltip, trialColor, useChartColors } from './chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { compareTable } from './chart-tables';
import './sweep.css';

const ROUGE: { key: EpochMetric; label: string }[] = [
  { key: 'rouge1', label: 'ROUGE-1' },
  { key: 'rouge2', label: 'ROUGE-2' },
  { key: 'rougeL', label: 'ROUGE-L' },
  { key: 'rougeLsum', label: 'ROUGE-Lsum' },
];

const PREVIEW_CHARS = 140;
const preview = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS).trimEnd()}…` : flat;
};

function TrialLines({
  trials,
  rows,
  x,
  higherIsBetter,
  height,
}: {
  trials: TrialView[];
  rows: Record<string, number>[];
  x: 'step' | 'epoch';
  higherIsBetter: boolean;
  height: number;
}) {
  const c = useChartColors();
  if (rows.length === 0) return <p className="chart__empty chart__empty--short">Nothing reported yet.</p>;
  const maxX = rows[rows.length - 1][x];
  const minX = x === 'step' ? 0 : rows[0][x];
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
        <XAxis
          dataKey={x}
          type="number"
          domain={[minX, Math.max(maxX, minX + 1)]}
          ticks={linearTicks(minX, Math.max(maxX, minX + 1), true)}
          interval={0}
          allowDecimals={false}
        />
        <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} width={48} />
        <Tooltip content={(p) => <TrialLinesTooltip {...p} xName={x} higherIsBetter={higherIsBetter} />} />
        {trials.map((t) => (
          <Line
            key={t.number}
            name={`#${t.number}`}
            dataKey={trialKey(t.number)}
            stroke={trialColor(t.number, c)}
            strokeWidth={x === 'step' ? 1.5 : 2}
            strokeDasharray={t.state === 'pruned' ? '6 4' : undefined}
            dot={x === 'epoch' ? { r: 3, strokeDasharray: '0' } : false}
            activeDot={{ r: 4, strokeDasharray: '0' }}
            isAnimationActive={false}
            connectNulls
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

export function TrialCompare({ study, picked }: { study: StudyView; picked: readonly number[] }) {
  const trials = useMemo(
    () => study.trials.filter((t) => picked.includes(t.number)).sort((a, b) => a.number - b.number),
    [study.trials, picked],
  );
  const loss = useMemo(() => lossRows(trials), [trials]);
  const rouge = useMemo(() => ROUGE.map((m) => ({ ...m, rows: epochRows(trials, m.key) })), [trials]);
  const nSamples = trials.reduce((m, t) => Math.max(m, t.samples.length), 0);
  const c = useChartColors();
  const chartsRef = useRef<HTMLDivElement>(null);

  if (trials.length < 2) {
    return (
      <section className="panel sweep-panel" aria-label="Compare trials" data-testid="trial-compare">
        <h2>Compare trials</h2>
        <p className="chart__empty chart__empty--short">
          {trials.length === 1
            ? 'Pick one more trial in the table to compare.'
            : 'Pick two or more trials in the table to compare them.'}
        </p>
      </section>
    );
  }

  return (
    <section
      className="panel sweep-panel"
      aria-label="Compare trials"
      data-testid="trial-compare"
      data-numbers={trials.map((t) => t.number).join(',')}
    >
      <div className="panel__head">
        <h2>Compare trials</h2>
        <ul className="compare__legend">
          {trials.map((t) => (
            <li key={t.number}>
              <span
                className={`sweep-key ${t.state === 'pruned' ? 'sweep-key--dashed' : 'sweep-key--solid'}`}
                style={{ borderColor: trialColor(t.number, c) }}
              />
              #{t.number}
              <span className="sweep-caption">
                {' '}
                {t.state}
                {t.value !== null ? ` · ${formatNumber(t.value, 4)}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </div>

      <div className="trials__scroll">
        <table className="trials compare__params">
          <thead>
            <tr>
              <th scope="col">Parameter</th>
              {trials.map((t) => (
                <th key={t.number} scope="col" className="trials__num">
                  #{t.number}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {study.paramSpec.map((p) => (
              <tr key={p.name}>
                <th scope="row">{p.name}</th>
                {trials.map((t) => {
                  const v = t.params[p.name];
                  return (
                    <td key={t.number} className="trials__num">
                      {v === undefined ? '—' : formatParam(v)}
                    </td>
                  );
                })}
              </tr>
            ))}
            <tr>
              <th scope="row">{study.objective}</th>
              {trials.map((t) => (
                <td key={t.number} className="trials__num trials__value">
                  {t.value === null ? '—' : formatNumber(t.value, 4)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>

      <div className="chart-tools">
        <span className="chart-tools__spacer" />
        <ChartExportMenu
          name="trial comparison charts"
          title={`Trials ${trials.map((t) => `#${t.number}`).join(', ')} compared: ${study.name}`}
          target={chartsRef}
          testId="compare-export"
          legend={trials.map((t) => ({
            label: `#${t.number} ${t.state}`,
            color: trialColor(t.number),
            dashed: t.state === 'pruned',
          }))}
          table={() => compareTable(trials)}
        />
      </div>
      <div className="compare__charts" ref={chartsRef}>
        <figure className="compare__chart compare__chart--wide">
          <figcaption className="slice__title">Training loss</figcaption>
          <TrialLines trials={trials} rows={loss} x="step" higherIsBetter={false} height={240} />
        </figure>
        {rouge.map((m) => (
          <figure key={m.key} className="compare__chart">
            <figcaption className="slice__title">{m.label} per epoch</figcaption>
            <TrialLines trials={trials} rows={m.rows} x="epoch" higherIsBetter height={190} />
          </figure>
        ))}
      </div>

      <h3 className="compare-samples__title">Sample summaries</h3>
      {nSamples === 0 ? (
        <p className="sweep-caption">These trials reported no sample summaries.</p>
      ) : (
        <div className="trials__scroll">
          <table className="compare-samples" style={{ minWidth: `${300 + trials.length * 220}px` }}>
            <thead>
              <tr>
                <th scope="col" className="compare-samples__article">
                  Article and reference
                </th>
                {trials.map((t) => (
                  <th key={t.number} scope="col">
                    <span className="sweep-swatch" style={{ background: trialColor(t.number, c) }} />#{t.number}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: nSamples }, (_, i) => {
                const first = trials.find((t) => t.samples[i] !== undefined)!.samples[i];
                const opening = preview(first.document);
                return (
                  <tr key={i} data-testid="compare-sample">
                    <td className="compare-samples__article">
                      {opening === first.document ? (
                        <p className="compare-samples__doc">{first.document}</p>
                      ) : (
                        <details>
                          <summary className="compare-samples__doc">{opening}</summary>
                          <p className="compare-samples__full">{first.document}</p>
                        </details>
                      )}
                      <p className="compare-samples__reference">
                        <span className="compare-samples__tag">reference</span> {first.reference}
                      </p>
                    </td>
                    {trials.map((t) => {
                      const s = t.samples[i];
                      if (s === undefined)
                        return (
                          <td key={t.number} className="compare-samples__missing">
                            —
                          </td>
                        );
                      return (
                        <td key={t.number}>
                          {s.document !== first.document && (
                            <p className="compare-samples__note">(a different article)</p>
                          )}
                          <p className="compare-samples__prediction">{s.prediction}</p>
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
