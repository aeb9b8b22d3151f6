// Beside each chart: save it as PNG or SVG, or its data as CSV. Each button's accessible name says
// which chart it exports ("Export loss chart as PNG"), so a screen reader's button list tells the
// charts apart; the visible text stays short and is part of that name.
import { useState, type RefObject } from 'react';
import type { CsvTable, LegendEntry } from './chart-export';
import { exportChart, type ChartSource, type ExportFormat } from './chart-export-dom';
import { failure } from '../core/errors';
import './chart-export.css';

export interface ChartExportMenuProps {
  /** The chart's name in lower case, as the buttons say it: "loss chart", "slice plots". */
  name: string;
  /** The title drawn in the image and used for the file names: "Loss". */
  title: string;
  /** The element that holds the chart's svg(s). */
  target: RefObject<HTMLElement | null>;
  /** The chart's data, built when CSV is clicked. */
  table: () => CsvTable;
  legend?: readonly LegendEntry[];
  /** A chart drawn as HTML (the importance bars) draws its image from data. */
  draw?: ChartSource['draw'];
  formats?: readonly ExportFormat[];
  /** Prefix of the buttons' test ids: `${testId}-png` etc. */
  testId?: string;
}

const LABEL: Record<ExportFormat, string> = { png: 'PNG', svg: 'SVG', csv: 'CSV' };

export function ChartExportMenu({
  name,
  title,
  target,
  table,
  legend,
  draw,
  formats = ['png', 'svg', 'csv'],
  testId,
}: ChartExportMenuProps) {
  const [error, setError] = useState<string | null>(null);
  const run = (format: ExportFormat) => {
    setError(null);
    const root = target.current;
    if (!root && format !== 'csv') return setError(`The ${name} is not on the page.`);
    exportChart(format, { root: root!, title, legend, draw }, table).catch((e: unknown) =>
      setError(failure(`Could not export the ${name} as ${LABEL[format]}`, e)),
    );
  };
  return (
    <div className="chart-export" role="toolbar" aria-label={`Export ${name}`}>
      {formats.map((f) => (
        <button
          key={f}
          type="button"
          className="chart-export__button"
          data-testid={testId ? `${testId}-${f}` : undefined}
          aria-label={f === 'csv' ? `Export ${name} data as CSV` : `Export ${name} as ${LABEL[f]}`}
          title={f === 'csv' ? `Download the ${name}'s data as CSV` : `Download the ${name} as ${LABEL[f]}`}
          onClick={() => run(f)}
        >
          {LABEL[f]}
        </button>
      ))}
      {error && (
        <span className="chart-export__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
