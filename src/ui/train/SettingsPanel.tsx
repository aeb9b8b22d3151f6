// The run's settings. Every edit goes through the store, which keeps only valid specs; the
// fieldset is disabled during a run because the worker already has its copy of the spec.
import { useId } from 'react';
import { countParams, configFor, PRESETS, type PresetName } from '../../model/config';
import type { BackendChoice } from '../../train/spec';
import { useModelStore } from '../../store/model';
import { useRunStore } from '../../store/run';
import { NumberField } from '../NumberField';
import { GenerationSettings } from './GenerationSettings';
import { FinetuneSettings } from './FinetuneSettings';
import { ParallelSettings } from './ParallelSettings';
import { AdvancedSettings } from './AdvancedSettings';
import { useSettingField } from './use-setting-field';

const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto (WebGPU on a GPU, else WASM, else CPU)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU (slow)' },
];

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/**
 * The default rate suits a fresh preset; a pretrained base wants far less in full fine-tuning (the
 * seed searches 1e-6..1e-4) and LoRA around 1e-4..1e-3 — said beside the field, never changed behind the user's back.
 */
function lrHint(pretrained: boolean, finetune: 'full' | 'lora', lr: number): string | undefined {
  if (!pretrained) return undefined;
  if (finetune === 'full' && lr > 1e-4)
    return 'high for a pretrained model in full: the seed searches 1e-6..1e-4 (or use LoRA, ~1e-4..1e-3)';
  if (finetune === 'lora' && lr > 2e-3) return 'high for LoRA on a pretrained model (~1e-4..1e-3 is usual)';
  return undefined;
}

export function SettingsPanel() {
  const settings = useRunStore((s) => s.settings);
  const running = useRunStore((s) => s.status === 'running');
  const notice = useRunStore((s) => s.settingsNotice);
  const setSetting = useRunStore((s) => s.setSetting);
  const setPreset = useRunStore((s) => s.setPreset);
  const resetSettings = useRunStore((s) => s.resetSettings);
  const dismissNotice = useRunStore((s) => s.dismissSettingsNotice);
  const presetId = useId();
  const backendId = useId();

  const imported = useModelStore((s) => s.base !== null);
  const params = countParams(configFor(PRESETS[settings.preset], settings.vocabSize));
  const field = useSettingField();

  return (
    <section className="panel" aria-labelledby={`${presetId}-title`}>
      <div className="panel__head">
        <h2 id={`${presetId}-title`}>Settings</h2>
        <button type="button" className="button button--link" onClick={resetSettings} disabled={running}>
          Reset to defaults
        </button>
      </div>

      {notice && (
        <div className="notice" role="status">
          <p>{notice}</p>
          <button type="button" className="button button--link" onClick={dismissNotice}>
            Dismiss
          </button>
        </div>
      )}

      <fieldset className="settings" disabled={running}>
        <div className="field field--wide">
          <label htmlFor={presetId}>Model preset</label>
          <select
            id={presetId}
            data-testid="preset-select"
            value={settings.preset}
            onChange={(e) => setPreset(e.target.value as PresetName)}
          >
            {Object.values(PRESETS).map((p) => (
              <option key={p.name} value={p.name}>
                {p.label}
              </option>
            ))}
          </select>
          <p className="field__hint">
            <span data-testid="param-count">{params}</span> parameters (≈{compact(params)}), vocabulary{' '}
            {settings.vocabSize}
          </p>
          {imported && (
            <p className="field__hint" data-testid="preset-ignored">
              Not used now: the run fine-tunes the imported model with its own tokenizer (Model panel). Max source +
              target lengths must fit its context.
            </p>
          )}
        </div>

        <NumberField
          label="Learning rate"
          testId="lr-input"
          {...field('learningRate')}
          min={0}
          max={1}
          hint={lrHint(imported, settings.finetune, settings.learningRate)}
        />
        <NumberField
          label="Batch size"
          testId="batch-size-input"
          {...field('batchSize')}
          step={1}
          min={1}
          max={1024}
          hint="per replica and micro-batch"
        />
        <NumberField label="Epochs" testId="epochs-input" {...field('epochs')} step={1} min={1} max={1000} />
        <NumberField
          label="Max steps"
          testId="max-steps-input"
          {...field('maxSteps')}
          step={1}
          min={0}
          hint="0 = all epochs"
        />
        <NumberField
          label="Max source length"
          testId="max-source-input"
          {...field('maxSourceLength')}
          step={1}
          min={8}
          max={8192}
          hint="tokens"
        />
        <NumberField
          label="Max target length"
          testId="max-target-input"
          {...field('maxTargetLength')}
          step={1}
          min={2}
          max={2048}
          hint="tokens"
        />
        <NumberField
          label="Warmup ratio"
          testId="warmup-input"
          {...field('warmupRatio')}
          min={0}
          max={0.99}
          hint="fraction of steps"
        />
        <NumberField
          label="Train examples"
          testId="max-train-samples-input"
          {...field('maxTrainSamples')}
          step={1}
          min={0}
          hint="0 = all"
        />
        <NumberField
          label="Validation examples"
          testId="validation-size-input"
          {...field('validationSize')}
          step={1}
          min={0}
          hint="for ROUGE after each epoch; 0 = none"
        />
        <NumberField label="Seed" testId="seed-input" {...field('seed')} step={1} min={0} />

        <div className="field field--wide">
          <label htmlFor={backendId}>Backend</label>
          <select
            id={backendId}
            data-testid="backend-select"
            value={settings.backend}
            onChange={(e) => setSetting('backend', e.target.value as BackendChoice)}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </div>

        <FinetuneSettings />
        <GenerationSettings />
        <ParallelSettings />
        <AdvancedSettings />
      </fieldset>
    </section>
  );
}
