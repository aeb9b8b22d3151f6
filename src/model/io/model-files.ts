// A model as the files a user has or wants: Hugging Face (config.json, model.safetensors or
// shards + index, tokenizer.json, tokenizer_config.json, generation_config.json), a llama2.c pair
// (model .bin + tokenizer .bin), or a .zip of either. Everything is converted to HF files on the
// way in, so a model trains, generates and exports the same whatever it came from.
import { zipSync } from 'fflate';
import { clipText, listSome } from '../../core/bounded-text';
import { llama2cTokenizerConfig, llama2cTokenizerJson } from '../../data/llama2c-tokenizer';
import { loadLlama2cVocab } from '../../data/llama2c-vocab';
import { loadTokenizer, type LoadedTokenizer } from '../../data/tokenizer';
import { countParams, type LlamaConfig } from '../config';
import { configFromHF, exportHFLlama, importHFLlama } from './hf-llama';
import { loadLlama2c } from './llama2c';
import { unzipBounded } from './archive';
import { checkModelFileList, checkModelFileSize } from './file-limits';
import { resizeEmbeddings } from '../params';

export interface ModelFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportedModel {
  config: LlamaConfig;
  weights: Map<string, Float32Array>;
  tokenizer: LoadedTokenizer;
  /** What was read, in words (shown in the model panel). */
  notes: string[];
}

const text = new TextDecoder('utf-8', { fatal: true }); // bad bytes in a JSON file are an error, not U+FFFD
const encoder = new TextEncoder();
const baseName = (name: string) => name.split(/[\\/]/).pop() ?? name;
const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

function parseJson(f: ModelFile): unknown {
  checkModelFileSize(f.name, f.bytes.length);
  try {
    return JSON.parse(text.decode(f.bytes));
  } catch (e) {
    throw new Error(`${clipText(f.name, 60)}: not valid JSON (${clipText((e as Error).message, 120)})`);
  }
}

/**
 * Files with folders flattened and .zip archives opened (one level: a zip of files). Counts and
 * declared sizes are bounded before anything is inflated (archive.ts, file-limits.ts).
 */
export function expandModelFiles(files: ModelFile[]): ModelFile[] {
  checkModelFileList(files.map((f) => ({ name: f.name, size: f.bytes.length })));
  const out: ModelFile[] = [];
  for (const f of files) {
    if (f.name.toLowerCase().endsWith('.zip')) {
      if (!isZip(f.bytes)) throw new Error(`${clipText(f.name, 60)}: not a zip archive`);
      for (const e of unzipBounded(f.bytes, f.name, checkModelFileSize))
        out.push({ name: baseName(e.name), bytes: e.bytes });
    } else out.push({ name: baseName(f.name), bytes: f.bytes });
  }
  // Several zips, each within the limits, may still be too many together.
  checkModelFileList(
    out.map((f) => ({ name: f.name, size: f.bytes.length })),
    'files unpacked',
  );
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.name)) throw new Error(`two files are named ${clipText(f.name, 60)}; give one model at a time`);
    seen.add(f.name);
  }
  return out;
}

/** Tokenizer of the model; its pad token, when added, grows the embeddings (transformers' resize_token_embeddings). */
function withTokenizer(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  tokenizer: LoadedTokenizer,
  notes: string[],
): ImportedModel {
  if (tokenizer.vocabSize > config.vocabSize) {
    notes.push(
      `embeddings grown from ${config.vocabSize} to ${tokenizer.vocabSize} rows for the tokenizer's added pad token (new rows: the mean embedding)`,
    );
    config = resizeEmbeddings(config, weights, tokenizer.vocabSize);
  }
  notes.push(
    `${countParams(config).toLocaleString('en-US')} parameters, ${config.numHiddenLayers} layers, d_model ${config.hiddenSize}, vocabulary ${config.vocabSize}`,
  );
  return { config, weights, tokenizer, notes };
}

function importLlama2c(bins: ModelFile[]): ImportedModel {
  // The checkpoint is the file whose header reads as a Llama shape; the other is its tokenizer.
  const tried = bins.map((f) => {
    try {
      return { f, ckpt: loadLlama2c(f.bytes), err: '' };
    } catch (e) {
      return { f, ckpt: null, err: (e as Error).message };
    }
  });
  const models = tried.filter((t) => t.ckpt);
  if (models.length !== 1) {
    throw new Error(
      models.length === 0
        ? `no llama2.c checkpoint among ${listSome(
            bins.map((b) => b.name),
            3,
          )} (${clipText(`${tried[0].f.name}: ${tried[0].err}`, 200)}${tried.length > 1 ? '; …' : ''})`
        : `more than one llama2.c checkpoint given (${listSome(
            models.map((m) => m.f.name),
            3,
          )}); give one model and its tokenizer .bin`,
    );
  }
  const { f: modelFile, ckpt } = models[0];
  const tokFile = bins.find((b) => b !== modelFile);
  if (!tokFile)
    throw new Error(
      `${clipText(modelFile.name, 60)}: a llama2.c model needs its tokenizer .bin (e.g. tok512.bin) beside it`,
    );
  const { config, weights } = ckpt!;
  const vocab = loadLlama2cVocab(tokFile.bytes, config.vocabSize);
  const tokenizer = loadTokenizer(llama2cTokenizerJson(vocab), llama2cTokenizerConfig());
  return withTokenizer(config, weights, tokenizer, [
    `llama2.c checkpoint ${clipText(modelFile.name, 60)} with tokenizer ${clipText(tokFile.name, 60)} (converted to Hugging Face layout)`,
  ]);
}

function importHF(files: ModelFile[]): ImportedModel {
  const byName = new Map(files.map((f) => [f.name, f]));
  const configFile = byName.get('config.json')!;
  const configJson = parseJson(configFile);
  configFromHF(configJson); // an unsupported architecture is the first thing to say
  const tokFile = byName.get('tokenizer.json');
  if (!tokFile) {
    throw new Error(
      byName.has('tokenizer.model')
        ? 'tokenizer.json is missing (only the sentencepiece tokenizer.model was given; save the tokenizer with a fast tokenizer to get tokenizer.json)'
        : "tokenizer.json is missing: the studio needs the model's tokenizer to train and generate",
    );
  }
  const indexFile = byName.get('model.safetensors.index.json');
  const shards = files.filter((f) => f.name.endsWith('.safetensors')).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (shards.length === 0) {
    const torch = files.find((f) => /\.(bin|pt|pth)$/.test(f.name));
    throw new Error(
      torch
        ? `${clipText(torch.name, 60)}: PyTorch pickle weights are not read (they can run code); save with safe_serialization=True to get model.safetensors`
        : 'model.safetensors is missing',
    );
  }
  const { config, weights } = importHFLlama(
    configJson,
    shards.map((s) => s.bytes),
    indexFile ? parseJson(indexFile) : undefined,
  );
  const tcFile = byName.get('tokenizer_config.json');
  const tokenizer = loadTokenizer(parseJson(tokFile), tcFile ? parseJson(tcFile) : undefined);
  return withTokenizer(config, weights, tokenizer, [
    `Hugging Face Llama: ${listSome(
      shards.map((s) => s.name),
      4,
    )}`,
  ]);
}

/** Reads a model from the files a user picked; throws with a message naming what is missing or wrong. */
export function importModelFiles(input: ModelFile[]): ImportedModel {
  const files = expandModelFiles(input);
  if (files.length === 0) throw new Error('no model files given');
  if (files.some((f) => f.name === 'config.json')) return importHF(files);
  const bins = files.filter((f) => f.name.endsWith('.bin'));
  if (bins.length > 0) {
    const pickle = bins.find((b) => isZip(b.bytes));
    if (pickle)
      throw new Error(
        `${clipText(pickle.name, 60)} looks like PyTorch weights (pytorch_model.bin); give model.safetensors with config.json and tokenizer.json`,
      );
    return importLlama2c(bins);
  }
  throw new Error(
    `not a model: expected config.json + model.safetensors + tokenizer.json (Hugging Face), or a llama2.c model .bin with its tokenizer .bin; got ${listSome(files.map((f) => f.name))}`,
  );
}

/** The HF files `LlamaForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained` read. */
export function exportModelFiles(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  tokenizer: LoadedTokenizer,
): ModelFile[] {
  const ids = { bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId, padTokenId: tokenizer.padId };
  const hf = exportHFLlama(config, weights, ids);
  const name = (id: number) => tokenizer.idToToken(id) ?? null;
  const tokenizerConfig = {
    bos_token: name(tokenizer.bosId),
    eos_token: name(tokenizer.eosId),
    pad_token: name(tokenizer.padId),
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: config.maxPositionEmbeddings,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  return [
    { name: 'config.json', bytes: encoder.encode(hf['config.json']) },
    { name: 'generation_config.json', bytes: encoder.encode(hf['generation_config.json']) },
    { name: 'model.safetensors', bytes: hf['model.safetensors'] },
    { name: 'tokenizer.json', bytes: encoder.encode(JSON.stringify(tokenizer.toJSON())) },
    { name: 'tokenizer_config.json', bytes: encoder.encode(JSON.stringify(tokenizerConfig, null, 2)) },
  ];
}

/** One archive for a one-click download (stored, not deflated: safetensors does not compress). */
export function zipModelFiles(files: ModelFile[]): Uint8Array {
  return zipSync(
    Object.fromEntries(files.map((f) => [f.name, [f.bytes, { level: f.name.endsWith('.safetensors') ? 0 : 6 }]])),
  );
}
