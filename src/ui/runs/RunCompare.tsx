// Two or more kept runs or sweep trials side by side, as the trial comparison shows trials: the
// settings that differ, overlaid training-loss curves and per-epoch eval loss and ROUGE-L, and
// each one's newest sample predictions for the same articles. Strings render as React text nodes, never as HTML.
import { useMemo, useRef } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { linearTicks } from '../sweep/axes';
import { formatNumber } from '../sweep/number-format';
import { trialKey } from '../sweep/trial-series';
import { TrialLinesTooltip, trialColor, useChartColors } from '../sweep/chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { differingSettings, epochRows, lossRows, type CompareItem } from './run-compare-data';
import '../sweep/sweep.css';

function RunLines({
  runs,
  rows,
  x,
  higherIsBetter,
  height,
  testId,
}: {
  runs: readonly CompareItem[];
  rows: Record<string, number>[];
  x: 'step' | 'epoch';
  higherIsBetter: boolean;
  height: number;
  testId: string;
}) {
  const c = useChartColors();
  if (rows.length === 0) return <p className="chart__empty chart__empty--short">Nothing reported.</p>;
  const minX = x === 'step' ? 0 : rows[0][x];
  const maxX = Math.max(rows[rows.length - 1][x], minX + 1);
  return (
    <div data-testid={testId}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          <XAxis
            dataKey={x}
            type="number"
            domain={[minX, maxX]}
            ticks={linearTicks(minX, maxX, true)}
            interval={0}
            allowDecimals={false}
          />
          <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} width={48} />
          <Tooltip content={(p) => <TrialLinesTooltip {...p} xName={x} higherIsBetter={higherIsBetter} />} />
          {runs.map((r, i) => (
            <Line
              key={r.id}
              name={r.name}
              dataKey={trialKey(i)}
              stroke={trialColor(i, c)}
              strokeWidth={x === 'step' ? 1.5 : 2}
              strokeDasharray={r.dashed ? '6 4' : undefined}
              dot={x === 'epoch' ? { r: 3, strokeDasharray: '0' } : false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

const show = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : JSON.stringify(v));

export function RunCompare({ runs }: { runs: readonly CompareItem[] }) {
  const c = useChartColors();
  const chartsRef = useRef<HTMLDivElement>(null);
  const loss = useMemo(() => lossRows(runs), [runs]);
  const evalLoss = useMemo(() => epochRows(runs, 'evalLoss'), [runs]);
  const rougeL = useMemo(() => epochRows(runs, 'rougeL'), [runs]);
  const settings = useMemo(() => differingSettings(runs), [runs]);
  const samples = runs.map((r) => r.samples);
  const nSamples = Math.max(0, ...samples.map((s) => s.length));

  return (
    <section
      className="panel sweep-panel"
      aria-label="Compare runs"
      data-testid="run-compare"
      data-ids={runs.map((r) => r.id).join(',')}
    >
      <div className="panel__head">
        <h2>Compare runs</h2>
        <ul className="compare__legend">
          {runs.map((r, i) => (
            <li key={r.id} data-testid="run-compare-legend">
              <span
                className={`sweep-key ${r.dashed ? 'sweep-key--dashed' : 'sweep-key--solid'}`}
                style={{ borderColor: trialColor(i, c) }}
              />
              {r.name}
              <span className="sweep-caption"> {r.status}</span>
            </li>
          ))}
        </ul>
      </div>

      <div className="trials__scroll">
        <table className="trials compare__params">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {runs.map((r) => (
                <th key={r.id} scope="col" className="trials__num">
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {settings.length === 0 && (
              <tr>
                <th scope="row">settings</th>
                <td colSpan={runs.length}>the same</td>
              </tr>
            )}
            {settings.map((k) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                {runs.map((r) => (
                  <td key={r.id} className="trials__num">
                    {k in r.settings ? show(r.settings[k]) : '—'}
                  </td>
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row">backend</th>
              {runs.map((r) => (
                <td key={r.id}>{r.backend ?? '—'}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">model</th>
              {runs.map((r) => (
                <td key={r.id}>{r.modelSource}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>

      <div className="chart-tools">
        <span className="chart-tools__spacer" />
        <ChartExportMenu
          name="run comparison charts"
          title={`Runs compared: ${runs.map((r) => r.name).join(', ')}`}
          target={chartsRef}
          testId="run-compare-export"
          legend={runs.map((r, i) => ({ label: r.name, color: trialColor(i), dashed: r.dashed }))}
          table={() => ({
            columns: ['run', 'step', 'loss'],
            rows: runs.flatMap((r) => r.losses.map((p) => [r.name, p.step, p.loss])),
          })}
        />
      </div>
      <div className="compare__charts" ref={chartsRef}>
        <figure className="compare__chart compare__chart--wide">
          <figcaption className="slice__title">Training loss</figcaption>
          <RunLines runs={runs} rows={loss} x="step" higherIsBetter={false} height={240} testId="run-compare-loss" />
        </figure>
        <figure className="compare__chart">
          <figcaption className="slice__title">Eval loss per epoch</figcaption>
          <RunLines
            runs={runs}
            rows={evalLoss}
            x="epoch"
            higherIsBetter={false}
            height={190}
            testId="run-compare-eval"
          />
        </figure>
        <figure className="compare__chart">
          <figcaption className="slice__title">ROUGE-L per epoch</figcaption>
          <RunLines runs={runs} rows={rougeL} x="epoch" higherIsBetter height={190} testId="run-compare-rouge" />
        </figure>
      </div>

      <h3 className="compare-samples__title">Sample summaries (each run&apos;s newest evaluation)</h3>
      {nSamples === 0 ? (
        <p className="sweep-caption">These runs reported no sample summaries.</p>
      ) : (
        <div className="trials__scroll">
          <table className="compare-samples" style={{ minWidth: `${300 + runs.length * 220}px` }}>
            <thead>
              <tr>
                <th scope="col" className="compare-samples__article">
                  Article and reference
                </th>
                {runs.map((r, i) => (
                  <th key={r.id} scope="col">
                    <span className="sweep-swatch" style={{ background: trialColor(i, c) }} />
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: nSamples }, (_, i) => {
                const first = samples.find((s) => s[i] !== undefined)![i];
                return (
                  <tr key={i} data-testid="run-compare-sample">
                    <td className="compare-samples__article">
                      <details>
                        <summary className="compare-samples__doc">{first.document.slice(0, 140)}</summary>
                        <p className="compare-samples__full">{first.document}</p>
                      </details>
                      <p className="compare-samples__reference">
                        <span className="compare-samples__tag">reference</span> {first.reference}
                      </p>
                    </td>
                    {samples.map((s, k) => (
                      <td key={runs[k].id} className={s[i] ? undefined : 'compare-samples__missing'}>
                        {s[i] ? (
                          <>
                            {s[i].document !== first.document && (
                              <p className="compare-samples__note">(a different article)</p>
                            )}
                            <p className="compare-samples__prediction">{s[i].prediction}</p>
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                    ))}
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
