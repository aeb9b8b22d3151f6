// The run settings checked against the page's own model and data (train/settings-check.ts does the
// checking): the model is the base's config.json when a base is chosen, the preset's fresh model
// otherwise — the one the run will build — and the data is the loaded pairs' counts. The settings
// panel shows the result as the user types; Start refuses with the same words.
import { configFromHF } from '../model/io/hf-llama';
import type { RunSpec } from '../train/spec';
import {
  checkRunSettings,
  presetModel,
  type RunDataSize,
  type RunModel,
  type SettingsCheck,
} from '../train/settings-check';
import type { StoredModel } from './model-storage';

/** Parsed once per base: a config.json is small, but the panel re-checks on every keystroke. */
const baseModels = new WeakMap<StoredModel, RunModel | null>();

/**
 * The base model's positions from its config.json; null when they cannot be read here (a Hub base
 * whose files are not in the cache: the run refuses it with its own message).
 */
export function baseModel(base: StoredModel): RunModel | null {
  const known = baseModels.get(base);
  if (known !== undefined) return known;
  let model: RunModel | null = null;
  const file = base.files.find((f) => f.name === 'config.json');
  if (file) {
    try {
      const config = configFromHF(JSON.parse(new TextDecoder().decode(file.bytes)));
      model = { positions: config.maxPositionEmbeddings, name: 'the base model' };
    } catch {
      model = null; // the import checked it; a config that no longer parses is the run's to refuse
    }
  }
  baseModels.set(base, model);
  return model;
}

/** The model a run of `spec` trains: the base when there is one, else a fresh model of the preset. */
export function runModel(spec: Pick<RunSpec, 'preset'>, base: StoredModel | null): RunModel | null {
  return base ? baseModel(base) : presetModel(spec);
}

/** Counts of the loaded pairs (validation null: no validation split), or null when nothing is loaded. */
export function dataSize(train: readonly unknown[] | null, validation: readonly unknown[] | null): RunDataSize | null {
  return train ? { train: train.length, validation: validation ? validation.length : null } : null;
}

/** The settings against the chosen model and the loaded data. */
export function checkPageSettings(
  spec: RunSpec,
  base: StoredModel | null,
  data: { trainPairs: readonly unknown[] | null; validationPairs: readonly unknown[] | null },
): SettingsCheck {
  return checkRunSettings(spec, {
    model: runModel(spec, base),
    data: dataSize(data.trainPairs, data.validationPairs),
  });
}
