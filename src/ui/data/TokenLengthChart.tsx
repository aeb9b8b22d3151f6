// Token-length histograms of the training data, with the current max lengths marked and the share
// of rows they cut, so a person picks max source/target lengths from the data.
import { memo, useMemo, useRef } from 'react';
import { Bar, BarChart, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  summarizeTokenLengths,
  tokenizerFilesOf,
  type LengthSummary,
  type LengthTokenizer,
} from '../../data/token-lengths';
import type { Pair } from '../../core/example';
import { useModelStore } from '../../store/model';
import { useRunStore } from '../../store/run';
import { useTokenLengths } from './useTokenLengths';
import { useChartColors } from '../sweep/chart-kit';
import { ChartExportMenu } from '../ChartExportMenu';
import { tokenLengthTable } from './token-length-table';

/** Which tokenization the numbers describe, in words (the truncated shares depend on it). */
const tokenizedWith = (t: LengthTokenizer) =>
  t.kind === 'imported'
    ? `tokenized with the imported model's tokenizer (vocab ${t.vocabSize})`
    : `tokenized with a BPE tokenizer trained on ${t.pairs} pairs (vocab ${t.vocabSize})`;

const pct = (f: number) => `${(f * 100).toFixed(f > 0 && f < 0.001 ? 2 : 1)}%`;

/**
 * Memoized: the panel re-renders when new data is installed, and redrawing unchanged Recharts
 * histograms then took ~200 ms of the page's main thread (the summary object only changes with a
 * new count or new max lengths).
 */
const Histogram = memo(function Histogram({
  title,
  summary,
  testId,
}: {
  title: string;
  summary: LengthSummary;
  testId: string;
}) {
  const data = summary.bins.map((b) => ({
    range: b.to - b.from === 1 ? `${b.from}` : `${b.from}–${b.to - 1}`,
    count: b.count,
    cut: b.to - 1 > summary.limit, // holds rows longer than the limit
  }));
  const c = useChartColors();
  const limitBin = summary.bins.find((b) => summary.limit >= b.from && summary.limit < b.to);
  const limitLabel = limitBin ? data[summary.bins.indexOf(limitBin)].range : null;
  const p = summary.percentiles;
  return (
    <figure className="token-hist" data-testid={testId}>
      <figcaption>
        <strong>{title}</strong>{' '}
        <span className="token-hist__facts">
          max {summary.limit}: <span data-testid={`${testId}-truncated`}>{pct(summary.truncatedFraction)}</span>{' '}
          truncated
          {' · '}p50 {p.p50} · p90 {p.p90} · p99 {p.p99} · longest {summary.max}
        </span>
      </figcaption>
      <ResponsiveContainer width="100%" height={120}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
          <XAxis dataKey="range" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} width={32} tick={{ fontSize: 10 }} />
          <Tooltip formatter={(v) => [String(v), 'rows']} labelFormatter={(l) => `${String(l)} tokens`} />
          <Bar dataKey="count" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.range} fill={d.cut ? c.warn : c.series[0]} />
            ))}
          </Bar>
          {limitLabel !== null && (
            <ReferenceLine
              x={limitLabel}
              stroke={c.danger}
              strokeDasharray="4 2"
              label={{ value: `max ${summary.limit}`, position: 'top', fontSize: 10 }}
            />
          )}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
});

export function TokenLengthChart({ pairs }: { pairs: Pair[] | null }) {
  const vocabSize = useRunStore((s) => s.settings.vocabSize);
  const maxSourceLength = useRunStore((s) => s.settings.maxSourceLength);
  const maxTargetLength = useRunStore((s) => s.settings.maxTargetLength);
  const running = useRunStore((s) => s.status === 'running');
  // A run fine-tunes the imported base model with its own tokenizer (app/run-session.ts passes base's
  // files), so the lengths are counted with it; a new import or clearing it gives a new object
  // here, which recounts.
  const base = useModelStore((s) => s.base);
  const tokenizer = useMemo(() => tokenizerFilesOf(base?.files), [base]);
  const result = useTokenLengths(pairs, vocabSize, running, tokenizer);
  const stats = useMemo(
    () =>
      result.state === 'done' ? summarizeTokenLengths(result.lengths, { maxSourceLength, maxTargetLength }) : null,
    [result, maxSourceLength, maxTargetLength],
  );

  const chartRef = useRef<HTMLDivElement>(null);

  if (!pairs) return null;
  return (
    <div className="token-lengths" aria-label="Token lengths" ref={chartRef}>
      <h3>Token lengths</h3>
      {stats && (
        <div className="chart-tools">
          <span className="chart-tools__spacer" />
          <ChartExportMenu
            name="token length histograms"
            title="Token lengths"
            target={chartRef}
            testId="token-lengths-export"
            table={() => tokenLengthTable(stats)}
          />
        </div>
      )}
      {result.state === 'error' && (
        <p className="field__error" role="alert">
          Token lengths: {result.message}
        </p>
      )}
      {result.state !== 'done' && result.state !== 'error' && (
        <p className="field__hint">
          {running
            ? 'Token lengths are computed when training is not running.'
            : tokenizer
              ? "Counting lengths with the imported model's tokenizer…"
              : `Training a ${vocabSize}-token tokenizer and counting lengths…`}
        </p>
      )}
      {result.state === 'done' && stats && (
        <>
          <Histogram title="Document" summary={stats.document} testId="token-hist-document" />
          <Histogram title="Summary (with EOS)" summary={stats.summary} testId="token-hist-summary" />
          <p className="field__hint" data-testid="token-hist-tokenizer">
            {result.counted < result.total
              ? `${result.counted} of ${result.total} training rows, evenly spaced`
              : `All ${result.total} training rows`}
            {`, ${tokenizedWith(result.tokenizer)}. Longest example after truncation: ${stats.longestExample} tokens.`}
          </p>
        </>
      )}
    </div>
  );
}
