// The data-parallel settings: how many replicas, micro-batches per optimizer step, ZeRO stage and
// fp16 gradient exchange. Rendered inside the settings fieldset, so a run disables it too.
import { useId } from 'react';
import { effectiveBatchText } from '../../store/parallel';
import { useRunStore } from '../../store/run';
import { NumberField } from '../NumberField';
import { useSettingField } from './use-setting-field';

export function ParallelSettings() {
  const settings = useRunStore((s) => s.settings);
  const fieldErrors = useRunStore((s) => s.fieldErrors);
  const setSetting = useRunStore((s) => s.setSetting);
  const field = useSettingField();
  const id = useId();
  const zeroId = `${id}-zero`;
  const fp16Id = `${id}-fp16`;

  return (
    <fieldset className="settings-group field--wide">
      <legend>Parallelism</legend>

      <NumberField
        label="Replicas"
        testId="replicas-input"
        {...field('replicas')}
        step={1}
        min={0}
        max={16}
        hint="0 = one per GPU adapter"
      />
      <NumberField
        label="Grad. accumulation"
        testId="grad-accum-input"
        {...field('gradientAccumulation')}
        step={1}
        min={1}
        max={1024}
        hint="micro-batches per optimizer step"
      />
      <NumberField
        label="Worker timeout (s)"
        testId="worker-timeout-input"
        {...field('workerTimeoutSec')}
        step={1}
        min={5}
        max={3600}
        hint="silence before a replica counts as lost; the run resumes without it"
      />

      <div className={`field field--wide${fieldErrors.zeroStage ? ' field--invalid' : ''}`}>
        <label htmlFor={zeroId}>ZeRO stage</label>
        <select
          id={zeroId}
          data-testid="zero-select"
          value={settings.zeroStage}
          onChange={(e) => setSetting('zeroStage', e.target.value === '1' ? 1 : 0)}
        >
          <option value={0}>0: off (full state per replica)</option>
          <option value={1}>1: shard AdamW moments</option>
        </select>
        {fieldErrors.zeroStage ? (
          <p className="field__error">{fieldErrors.zeroStage}</p>
        ) : (
          <p className="field__hint">stage 1 divides optimizer memory by the replica count</p>
        )}
      </div>

      <div className="field field--wide field--check">
        <input
          id={fp16Id}
          data-testid="fp16-checkbox"
          type="checkbox"
          checked={settings.fp16Exchange}
          onChange={(e) => setSetting('fp16Exchange', e.target.checked)}
        />
        <label htmlFor={fp16Id}>fp16 gradient exchange</label>
        <p className="field__hint">with dynamic loss scaling; master weights stay fp32</p>
      </div>
      <div className="field field--wide field--check">
        <input
          id={`${fp16Id}-auto`}
          data-testid="auto-batch-checkbox"
          type="checkbox"
          checked={settings.autoBatchSize}
          onChange={(e) => setSetting('autoBatchSize', e.target.checked)}
        />
        <label htmlFor={`${fp16Id}-auto`}>Auto batch size</label>
        <p className="field__hint">
          largest per-replica batch that fits, halving from the batch size; accumulation keeps the effective batch
        </p>
      </div>

      <p className="field__hint field--wide">
        Effective batch (batch × replicas × accumulation):{' '}
        <strong data-testid="effective-batch">{effectiveBatchText(settings)}</strong>
      </p>
    </fieldset>
  );
}
