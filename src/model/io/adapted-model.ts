// A model as a base plus, optionally, a PEFT LoRA adapter on it: the files the studio keeps for a
// LoRA run's result (the base's HF files, adapter_config.json, adapter_model.safetensors), read
// into one LoRA-adapted model (config.lora set, adapter tensors beside the base's), or merged into
// plain Hugging Face files (W + scaling·B·A) for a user who wants one model to load.
import { mergeLora } from '../lora';
import { exportModelFiles, importModelFiles, type ImportedModel, type ModelFile } from './model-files';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter, type AdapterBase } from './peft';

const isAdapterFile = (f: ModelFile) => f.name === ADAPTER_CONFIG_FILE || f.name === ADAPTER_WEIGHTS_FILE;

/** The base's files and the adapter's (empty when there is none). */
export function splitAdapterFiles(files: ModelFile[]): { base: ModelFile[]; adapter: ModelFile[] } {
  return { base: files.filter((f) => !isAdapterFile(f)), adapter: files.filter(isAdapterFile) };
}

/**
 * The base model with its adapter applied (config.lora, adapter tensors in weights), or the plain
 * model when no adapter file is among `files`. Throws, naming what is wrong, when the adapter does
 * not fit the base (importPeftAdapter's checks).
 */
export function importAdaptedModel(files: ModelFile[], baseId?: AdapterBase): ImportedModel {
  const { base, adapter } = splitAdapterFiles(files);
  const m = importModelFiles(base);
  if (adapter.length === 0) return m;
  const a = importPeftAdapter(adapter, m.config, baseId);
  const weights = new Map(m.weights);
  for (const [name, data] of a.weights) weights.set(name, data);
  return { ...m, config: { ...m.config, lora: a.lora }, weights, notes: [...m.notes, ...a.notes] };
}

/** Plain Hugging Face files of base + adapter merged (what `model.merge_and_unload()` saves). */
export function mergedModelFiles(files: ModelFile[]): ModelFile[] {
  const m = importAdaptedModel(files);
  if (!m.config.lora) return exportModelFiles(m.config, m.weights, m.tokenizer);
  const merged = mergeLora(m.config, m.weights);
  return exportModelFiles(merged.config, merged.weights, m.tokenizer);
}
