// What the model-file worker (runtime/model-file/) does with the files a user picked in the model
// panel, as plain functions Node tests call: open archives, read and check the model or adapter,
// and hand back only what the page keeps — a model's Hugging Face files (whatever came in) or an
// adapter's two PEFT files — with the notes shown beside it. Every refusal is one short message.
import { splitAdapterFiles } from './adapted-model';
import { configFromHF } from './hf-llama';
import { expandModelFiles, exportModelFiles, importModelFiles, type ModelFile } from './model-files';
import { importPeftAdapter, type AdapterBase } from './peft';
import { checkModelFileSize } from './file-limits';

export interface PickedModel {
  /** config.json, generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json. */
  files: ModelFile[];
  notes: string[];
}

export interface PickedAdapter {
  /** adapter_config.json and adapter_model.safetensors, as picked (a zip opened). */
  adapter: ModelFile[];
  notes: string[];
}

/** Bytes in a buffer of their own: a file sliced out of a zip would otherwise carry the whole zip with it when transferred. */
const own = (f: ModelFile): ModelFile =>
  f.bytes.byteOffset === 0 && f.bytes.byteLength === f.bytes.buffer.byteLength
    ? f
    : { name: f.name, bytes: f.bytes.slice() };

/** The picked files as a model, kept as HF files (a llama2.c pair is converted once, here). Throws, naming what is wrong. */
export function importPickedModel(raw: ModelFile[]): PickedModel {
  const m = importModelFiles(raw);
  return { files: exportModelFiles(m.config, m.weights, m.tokenizer), notes: m.notes };
}

/**
 * The picked files as a PEFT LoRA adapter for the base whose config.json is `baseConfigJson` (the
 * adapter's shapes depend on nothing else). Throws, naming what is wrong.
 */
export function importPickedAdapter(raw: ModelFile[], baseConfigJson: Uint8Array, baseId?: AdapterBase): PickedAdapter {
  checkModelFileSize('config.json', baseConfigJson.length);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(baseConfigJson));
  } catch {
    throw new Error("the base model's config.json is not valid JSON; choose the base model again");
  }
  const config = configFromHF(json);
  const files = expandModelFiles(raw); // once: importPeftAdapter finds no zip left to open
  const a = importPeftAdapter(files, config, baseId);
  return {
    adapter: splitAdapterFiles(files).adapter.map(own),
    notes: [`LoRA r ${a.lora.r}, alpha ${a.lora.alpha}, on ${a.lora.targetModules.join(', ')}`, ...a.notes],
  };
}
