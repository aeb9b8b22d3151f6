// What the worker reported about this run: the backend and why, the adapter, the model and data.
import { formatMB } from '../../store/parallel';
import { useRunStore } from '../../store/run';
import { formatAutoBatch } from '../../store/run-events';

export function RunInfo() {
  const backend = useRunStore((s) => s.backend);
  const model = useRunStore((s) => s.model);
  const checksum = useRunStore((s) => s.checksum);
  const optimizerBytes = useRunStore((s) => s.optimizerBytes);
  const autoBatch = useRunStore((s) => s.autoBatch);

  return (
    <section className="panel" aria-label="Run information">
      <h2>Run</h2>
      <dl className="info">
        <dt>Backend</dt>
        <dd>{backend ? backend.backend : '—'}</dd>
        <dt>Why</dt>
        <dd>{backend ? backend.reason : '—'}</dd>
        <dt>Adapter</dt>
        <dd>{backend ? backend.adapter || 'unknown' : '—'}</dd>
        <dt>Parameters</dt>
        <dd>{model ? model.paramCount.toLocaleString('en-US') : '—'}</dd>
        <dt>Vocabulary</dt>
        <dd>{model ? model.vocabSize.toLocaleString('en-US') : '—'}</dd>
        <dt>Examples</dt>
        <dd>
          {model
            ? `${model.trainExamples.toLocaleString('en-US')} train / ${model.validationExamples.toLocaleString('en-US')} validation`
            : '—'}
        </dd>
        <dt>Checksum</dt>
        <dd>
          <code data-testid="run-checksum">{checksum === null ? '—' : String(checksum)}</code>
        </dd>
        {autoBatch && (
          <>
            <dt>Batch size</dt>
            <dd data-testid="auto-batch">{formatAutoBatch(autoBatch)}</dd>
          </>
        )}
        <dt>Optimizer state</dt>
        <dd title={optimizerBytes === null ? undefined : `${optimizerBytes} bytes (rank 0)`}>
          {optimizerBytes === null ? '—' : formatMB(optimizerBytes)}
        </dd>
      </dl>
    </section>
  );
}
