// What the worker reported about this run: the backend and why, the adapter, the model and data.
// Internals (the parameter checksum, raw byte counts) only with the header's Details switch: they
// stay in the DOM (hidden), so tests and scripts read them either way.
import { formatMB } from '../../store/parallel';
import { useRunStore } from '../../store/run';
import { useUiSettings } from '../../store/ui-settings';
import { epochZero, formatAutoBatch, leadBaseline, type BaselinePoint } from '../../store/run-events';

/** "R-1 16.98 · R-2 1.63 · R-L 11.93" */
const rouge = (p: Pick<BaselinePoint, 'rouge1' | 'rouge2' | 'rougeL'>) =>
  `R-1 ${p.rouge1.toFixed(2)} · R-2 ${p.rouge2.toFixed(2)} · R-L ${p.rougeL.toFixed(2)}`;

export function RunInfo() {
  const backend = useRunStore((s) => s.backend);
  const model = useRunStore((s) => s.model);
  const checksum = useRunStore((s) => s.checksum);
  const optimizerBytes = useRunStore((s) => s.optimizerBytes);
  const autoBatch = useRunStore((s) => s.autoBatch);
  const lead = useRunStore((s) => leadBaseline(s.baselines));
  const zero = useRunStore((s) => epochZero(s.evaluations));
  const details = useUiSettings((s) => s.showDetails);

  return (
    <section className="panel" aria-label="Run information">
      <h2>Run</h2>
      <dl className="info">
        <dt>Backend</dt>
        <dd>{backend ? backend.backend : '—'}</dd>
        <dt>Why</dt>
        <dd data-testid="backend-reason">{backend ? backend.reason : '—'}</dd>
        <dt>Adapter</dt>
        <dd>{backend ? backend.adapter || 'unknown' : '—'}</dd>
        <dt>Parameters</dt>
        <dd data-testid="run-params">
          {model ? model.paramCount.toLocaleString('en-US') : '—'}
          {model?.trainableParams !== undefined &&
            ` (LoRA trains ${model.trainableParams.toLocaleString('en-US')}, ${((100 * model.trainableParams) / model.paramCount).toPrecision(2)}%)`}
        </dd>
        <dt>Vocabulary</dt>
        <dd>{model ? model.vocabSize.toLocaleString('en-US') : '—'}</dd>
        <dt>Examples</dt>
        <dd>
          {model
            ? `${model.trainExamples.toLocaleString('en-US')} train / ${model.validationExamples.toLocaleString('en-US')} validation`
            : '—'}
        </dd>
        <dt hidden={!details}>Checksum</dt>
        <dd hidden={!details}>
          <code data-testid="run-checksum">{checksum === null ? '—' : String(checksum)}</code>
        </dd>
        {autoBatch && (
          <>
            <dt>Batch size</dt>
            <dd data-testid="auto-batch">{formatAutoBatch(autoBatch)}</dd>
          </>
        )}
        {(lead || zero) && (
          <>
            <dt>Baselines</dt>
            <dd data-testid="run-baselines">
              {lead && <div>LEAD (first sentence): {rouge(lead)}</div>}
              {zero && <div>Epoch 0 (before training): {rouge(zero)}</div>}
            </dd>
          </>
        )}
        <dt>Optimizer state</dt>
        <dd>{optimizerBytes === null ? '—' : formatMB(optimizerBytes)}</dd>
        <dt hidden={!details}>Optimizer bytes</dt>
        <dd hidden={!details} data-testid="run-optimizer-bytes">
          {optimizerBytes === null ? '—' : `${optimizerBytes} (rank 0)`}
        </dd>
      </dl>
    </section>
  );
}
