// The optimizer's finer settings, which the run spec always had (HF TrainingArguments'
// lr_scheduler_type, weight_decay, max_grad_norm) and the page did not show: the learning-rate
// schedule after warmup, AdamW's decoupled weight decay and gradient clipping — and how often a
// checkpoint is saved mid-epoch (HF save_steps, or by the clock), so a reload or crash loses at most
// that. Inside the settings fieldset, so a run disables them too.
import { useId } from 'react';
import { useRunStore } from '../../store/run';
import type { ScheduleName } from '../../train/spec';
import { NumberField } from '../NumberField';
import { useSettingField } from './use-setting-field';

const SCHEDULES: { value: ScheduleName; label: string }[] = [
  { value: 'linear', label: 'Linear decay to 0' },
  { value: 'cosine', label: 'Cosine decay to 0' },
  { value: 'constant', label: 'Constant' },
];

export function AdvancedSettings() {
  const schedule = useRunStore((s) => s.settings.schedule);
  const setSetting = useRunStore((s) => s.setSetting);
  const field = useSettingField();
  const scheduleId = useId();

  return (
    <fieldset className="settings-group field--wide" data-testid="advanced-settings">
      <legend>Advanced</legend>
      <div className="field field--wide">
        <label htmlFor={scheduleId}>Learning-rate schedule</label>
        <select
          id={scheduleId}
          data-testid="schedule-select"
          value={schedule}
          onChange={(e) => setSetting('schedule', e.target.value as ScheduleName)}
        >
          {SCHEDULES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        <p className="field__hint">after the warmup (Warmup ratio above)</p>
      </div>
      <NumberField
        label="Weight decay"
        testId="weight-decay-input"
        {...field('weightDecay')}
        min={0}
        max={0.99}
        hint="AdamW, decoupled; not on norm weights"
      />
      <NumberField
        label="Max grad norm"
        testId="max-grad-norm-input"
        {...field('maxGradNorm')}
        min={0}
        hint="clip the global gradient norm; 0 = off"
      />
      <NumberField
        label="Checkpoint every N steps"
        testId="checkpoint-steps-input"
        {...field('checkpointEverySteps')}
        min={0}
        step={1}
        hint="mid-epoch, besides each epoch's end; 0 = off"
      />
      <NumberField
        label="Checkpoint every M minutes"
        testId="checkpoint-minutes-input"
        {...field('checkpointEveryMinutes')}
        min={0}
        step="any"
        hint="since the last checkpoint; 0 = off (the last 3 are kept)"
      />
    </fieldset>
  );
}
