// Slice plots: the objective of every complete trial against each parameter, one small chart per
// parameter; log x axis for log parameters, categories at evenly spaced positions. The best
// trial is the gold star.
import { useMemo, useRef } from 'react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { bestTrial, type StudyView } from '../../store/sweep-view';
import { formatNumber } from './number-format';
import { sliceData } from './slice-plots-data';
import { PointTooltip, useChartColors } from './chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { completeTrialsTable } from './chart-tables';
import './sweep.css';

export function SlicePlots({ study }: { study: StudyView }) {
  const slices = useMemo(() => study.paramSpec.map((p) => sliceData(study, p)), [study]);
  const best = useMemo(() => bestTrial(study), [study]);
  const any = slices.some((s) => s.points.length > 0);
  const c = useChartColors();
  const chartRef = useRef<HTMLDivElement>(null);

  return (
    <section className="panel sweep-panel" aria-label="Slice plots" data-testid="slice-plots">
      <div className="panel__head">
        <h2>Objective by parameter</h2>
        <p className="sweep-caption">complete trials · {study.objective}</p>
        {any && (
          <ChartExportMenu
            name="slice plots"
            title={`Objective by parameter: ${study.name}`}
            target={chartRef}
            testId="slice-export"
            legend={[
              { label: 'complete trial', color: c.series[0] },
              { label: 'best trial', color: c.warn },
            ]}
            table={() => completeTrialsTable(study)}
          />
        )}
      </div>
      {slices[0]?.note && (
        <p className="sweep-caption" data-testid="slice-note">
          {slices[0].note}
        </p>
      )}
      {!any ? (
        <p className="chart__empty chart__empty--short">Slice plots appear once a trial completes.</p>
      ) : (
        <div className="slices" ref={chartRef}>
          {slices.map(({ axis, points }) => {
            const cat = axis.scale === 'categorical';
            const domain: [number, number] = cat ? [-0.5, axis.high + 0.5] : [axis.low, axis.high];
            const labels = new Map(axis.ticks.map((t) => [t.value, t.label]));
            const bestPoints = points.filter((p) => p.number === best?.number);
            return (
              <figure key={axis.name} className="slice" data-param={axis.name} data-scale={axis.scale}>
                <figcaption className="slice__title" title={axis.name}>
                  {axis.name}
                  {axis.scale === 'log' && <span className="slice__scale"> (log)</span>}
                </figcaption>
                <ResponsiveContainer width="100%" height={210}>
                  <ScatterChart margin={{ top: 6, right: 20, bottom: 4, left: 0 }}>
                    <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
                    <XAxis
                      dataKey="x"
                      type="number"
                      scale={axis.scale === 'log' ? 'log' : 'linear'}
                      domain={domain}
                      ticks={axis.ticks.map((t) => t.value)}
                      allowDataOverflow
                      interval={0}
                      tickFormatter={(v: number) => labels.get(v) ?? formatNumber(v)}
                    />
                    <YAxis
                      dataKey="y"
                      type="number"
                      domain={['auto', 'auto']}
                      tickFormatter={(v: number) => formatNumber(v)}
                      width={48}
                    />
                    <Tooltip content={PointTooltip} cursor={{ strokeDasharray: '3 3' }} />
                    <Scatter
                      data={points}
                      fill={c.series[0]}
                      fillOpacity={0.75}
                      shape="circle"
                      isAnimationActive={false}
                    />
                    {bestPoints.length > 0 && (
                      <Scatter
                        data={bestPoints}
                        fill={c.warn}
                        stroke={c.warnStroke}
                        shape="star"
                        isAnimationActive={false}
                      />
                    )}
                  </ScatterChart>
                </ResponsiveContainer>
              </figure>
            );
          })}
        </div>
      )}
    </section>
  );
}
