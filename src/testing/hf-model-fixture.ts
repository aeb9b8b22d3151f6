// Hugging Face model repos made by the test that serves them: a tiny random Llama (config.json,
// tokenizer.json from a small byte-level BPE trained here, tokenizer_config.json,
// generation_config.json), unsharded or sharded with model.safetensors.index.json, stored as F32,
// BF16 or F16; and the llama2.c fixture (../shared/fixtures/llama2c) converted to the same files.
// Nothing is downloaded: every byte is made or read locally.
import type { LlamaConfig } from '../model/config';
import { exportModelFiles, importModelFiles, type ModelFile } from '../model/io/model-files';
import { writeSafetensors, roundToDtype } from '../model/io/safetensors';
import { initWeights, paramShapes } from '../model/params';
import { trainTokenizer, type LoadedTokenizer } from '../data/tokenizer';
import { readShared } from './shared';

export type FixtureDtype = 'F32' | 'BF16' | 'F16';

export interface HFModelFixture {
  /** Repo files, name → bytes, ready for hub-server's HubRepoSpec.files. */
  files: Record<string, Uint8Array>;
  config: LlamaConfig;
  /** The weights as a reader decodes them (rounded to the stored dtype). */
  weights: Map<string, Float32Array>;
  tokenizer: LoadedTokenizer;
}

export interface HFModelFixtureOptions {
  dtype?: FixtureDtype; // default F32
  shards?: number; // 1 (default) = model.safetensors; more = model-0000k-of-0000n.safetensors + index
  seed?: number;
  config?: Partial<LlamaConfig>;
}

// A few plain sentences: enough for a BPE whose merges make English tokens, small enough to train in ms.
const CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  'A man was arrested after a fire at a house in the city centre on Sunday night.',
  'The government said the new rules would come into force next year.',
  'Scientists have found that the ice is melting faster than expected.',
  'The team won the match by two goals to one in front of a home crowd.',
  'Police said the woman was taken to hospital with minor injuries.',
];

let tokenizerCache: LoadedTokenizer | undefined;
/** A small byte-level BPE (specials <pad> <s> </s> <unk>), trained once per process. */
export function fixtureTokenizer(): LoadedTokenizer {
  tokenizerCache ??= trainTokenizer(Array.from({ length: 20 }, () => CORPUS).flat(), 320);
  return tokenizerCache;
}

const encoder = new TextEncoder();
const byName = (files: ModelFile[]) => Object.fromEntries(files.map((f) => [f.name, f.bytes]));

/** Splits tensors into `n` shards in name order, as transformers' save_pretrained(max_shard_size=...) does. */
function shard(
  weights: Map<string, { shape: number[]; data: Float32Array }>,
  n: number,
  dtype: FixtureDtype,
): Record<string, Uint8Array> {
  const names = [...weights.keys()].sort();
  const per = Math.ceil(names.length / n);
  const files: Record<string, Uint8Array> = {};
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let s = 0; s < n; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    const part = new Map(names.slice(s * per, (s + 1) * per).map((k) => [k, weights.get(k)!]));
    for (const k of part.keys()) weightMap[k] = file;
    files[file] = writeSafetensors(part, { format: 'pt' }, dtype);
    for (const t of part.values()) totalSize += t.data.length * (dtype === 'F32' ? 4 : 2);
  }
  files['model.safetensors.index.json'] = encoder.encode(
    JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2),
  );
  return files;
}

/** HF files for a model's weights and tokenizer, in the given dtype and shard count. */
export function hfFiles(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  tokenizer: LoadedTokenizer,
  dtype: FixtureDtype = 'F32',
  shards = 1,
): HFModelFixture {
  const rounded = new Map([...weights].map(([k, v]) => [k, roundToDtype(v, dtype)]));
  const files = byName(exportModelFiles(config, rounded, tokenizer));
  const shaped = new Map(paramShapes(config).map(([k, shape]) => [k, { shape, data: rounded.get(k)! }]));
  const torchDtype = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[dtype];
  const cfg = JSON.parse(new TextDecoder().decode(files['config.json'])) as Record<string, unknown>;
  files['config.json'] = encoder.encode(JSON.stringify({ ...cfg, torch_dtype: torchDtype }, null, 2));
  delete files['model.safetensors'];
  if (shards <= 1) files['model.safetensors'] = writeSafetensors(shaped, { format: 'pt' }, dtype);
  else Object.assign(files, shard(shaped, shards, dtype));
  return { files, config, weights: rounded, tokenizer };
}

/** A tiny random Llama (d 32, 2 layers, 4 heads / 2 KV, vocabulary of the fixture tokenizer). */
export function tinyHFModel(opts: HFModelFixtureOptions = {}): HFModelFixture {
  const tokenizer = fixtureTokenizer();
  const config: LlamaConfig = {
    vocabSize: tokenizer.vocabSize,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 256,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    tieWordEmbeddings: true,
    ...opts.config,
  };
  return hfFiles(config, initWeights(config, opts.seed ?? 1), tokenizer, opts.dtype, opts.shards);
}

/** The llama2.c fixture (aidreams260K + tok512) as the HF files transformers would load. */
export function llama2cHFModel(dtype: FixtureDtype = 'F32', shards = 1): HFModelFixture {
  const imported = importModelFiles([
    { name: 'aidreams260K.bin', bytes: new Uint8Array(readShared('fixtures', 'llama2c', 'aidreams260K.bin')) },
    { name: 'tok512.bin', bytes: new Uint8Array(readShared('fixtures', 'llama2c', 'tok512.bin')) },
  ]);
  return hfFiles(imported.config, imported.weights, imported.tokenizer, dtype, shards);
}

/** A copy of a fixture's files with some replaced or removed (undefined), for bad-input repos. */
export function withFiles(
  files: Record<string, Uint8Array>,
  changes: Record<string, Uint8Array | string | undefined>,
): Record<string, Uint8Array> {
  const out = { ...files };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = typeof v === 'string' ? encoder.encode(v) : v;
  }
  return out;
}

/** config.json with fields changed (undefined removes one). */
export function editConfig(files: Record<string, Uint8Array>, changes: Record<string, unknown>): Uint8Array {
  const cfg = JSON.parse(new TextDecoder().decode(files['config.json'])) as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete cfg[k];
    else cfg[k] = v;
  }
  return encoder.encode(JSON.stringify(cfg, null, 2));
}
