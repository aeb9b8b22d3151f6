// Hyperparameter importances (PED-ANOVA, from pedAnovaImportances) as horizontal bars, most
// important first. Plain HTML bars: the names and numbers stay readable text.
import { useRef } from 'react';
import { ChartExportMenu } from '../ChartExportMenu';
import { barsSvg } from '../chart-export';
import { importanceTable } from './chart-tables';
import './sweep.css';

export function ImportanceBars({ importances }: { importances: Record<string, number> | null }) {
  const entries = Object.entries(importances ?? {})
    .filter(([, v]) => Number.isFinite(v))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = entries.reduce((m, [, v]) => Math.max(m, v), 0);
  const figureRef = useRef<HTMLElement>(null);

  return (
    <section className="panel sweep-panel" aria-label="Parameter importance" data-testid="importance-bars">
      <div className="panel__head">
        <h2>Parameter importance</h2>
        {entries.length > 0 && (
          <ChartExportMenu
            name="parameter importance"
            title="Parameter importance"
            target={figureRef}
            testId="importance-export"
            draw={(c) => [
              barsSvg(
                entries.map(([label, value]) => ({ label, value })),
                {
                  width: figureRef.current?.clientWidth ?? 360,
                  color: c.accent,
                  track: c.track,
                  textColor: c.text,
                },
              ),
            ]}
            table={() => importanceTable(importances)}
          />
        )}
      </div>
      <figure className="importance" ref={figureRef}>
        {entries.length === 0 ? (
          <p className="chart__empty chart__empty--short">Importances appear once a few trials complete.</p>
        ) : (
          <ol className="importance__list">
            {entries.map(([name, v]) => (
              <li key={name} className="importance__row" data-param={name}>
                <span className="importance__name" title={name}>
                  {name}
                </span>
                <span className="importance__track" aria-hidden="true">
                  <span className="importance__fill" style={{ width: `${max > 0 ? (v / max) * 100 : 0}%` }} />
                </span>
                <span className="importance__value">{(v * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ol>
        )}
        <figcaption className="sweep-caption">
          PED-ANOVA importance: how much each parameter's values in the top 10% of complete trials differ from all
          complete trials. Shares sum to 100%.
        </figcaption>
      </figure>
    </section>
  );
}
