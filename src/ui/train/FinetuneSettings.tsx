// How a run trains the model: every weight (Full) or LoRA adapters on a frozen base (PEFT's
// LoraConfig under its field names), and whether the loss also covers the document tokens
// (axolotl's train_on_inputs). LoRA is what lets a 100M–1B pretrained model fit a browser tab:
// the base takes no gradients and no AdamW moments.
import { useId } from 'react';
import { useRunStore } from '../../store/run';
import { useModelStore } from '../../store/model';
import type { FinetuneMethod, TrainOnInputs } from '../../train/spec';
import type { LoraTargetChoice } from '../../model/lora-config';
import { NumberField } from '../NumberField';
import { useSettingField } from './use-setting-field';

export function FinetuneSettings() {
  const field = useSettingField();
  const s = useRunStore((st) => st.settings);
  const setSetting = useRunStore((st) => st.setSetting);
  const pretrained = useModelStore((st) => st.base !== null);
  const methodId = useId();
  const targetsId = useId();
  const inputsId = useId();
  const lora = s.finetune === 'lora';

  return (
    <fieldset className="settings-group field--wide" data-testid="finetune-settings">
      <legend>Fine-tuning</legend>
      <div className="field">
        <label htmlFor={methodId}>Method</label>
        <select
          id={methodId}
          data-testid="finetune-select"
          value={s.finetune}
          onChange={(e) => setSetting('finetune', e.target.value as FinetuneMethod)}
        >
          <option value="full">Full (every weight)</option>
          <option value="lora">LoRA (adapters on a frozen base)</option>
        </select>
        <p className="field__hint">
          {lora
            ? `scaling = alpha / r = ${(s.loraAlpha / s.loraR).toPrecision(3)}; B starts at 0, so step 0 is the base exactly`
            : pretrained
              ? 'LoRA trains ~0.5% of the weights and holds no moments for the base'
              : 'a fresh model has nothing to adapt: train it in full'}
        </p>
      </div>
      {lora && (
        <>
          <NumberField label="LoRA r" testId="lora-r-input" {...field('loraR')} step={1} min={1} max={1024} />
          <NumberField label="LoRA alpha" testId="lora-alpha-input" {...field('loraAlpha')} min={0} max={4096} />
          <NumberField
            label="LoRA dropout"
            testId="lora-dropout-input"
            {...field('loraDropout')}
            min={0}
            max={0.99}
            hint="on the adapter's input, in training only"
          />
          <div className="field">
            <label htmlFor={targetsId}>Target modules</label>
            <select
              id={targetsId}
              data-testid="lora-targets-select"
              value={s.loraTargets}
              onChange={(e) => setSetting('loraTargets', e.target.value as LoraTargetChoice)}
            >
              <option value="q_proj,v_proj">q_proj, v_proj (PEFT&apos;s Llama default)</option>
              <option value="all-linear">all linear layers</option>
            </select>
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor={inputsId}>Loss on the document too</label>
        <select
          id={inputsId}
          data-testid="train-on-inputs-select"
          value={s.trainOnInputs}
          onChange={(e) => setSetting('trainOnInputs', e.target.value as TrainOnInputs)}
        >
          <option value="auto">auto ({pretrained ? 'off: a pretrained base' : 'on: a fresh model'})</option>
          <option value="on">on (language modelling on the article as well)</option>
          <option value="off">off (summary tokens only)</option>
        </select>
        <p className="field__hint">
          axolotl&apos;s train_on_inputs: a fresh model learns the language from the articles
        </p>
      </div>
    </fieldset>
  );
}
