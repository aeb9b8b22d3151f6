// Small, valid files for the bad-input table to break one field at a time: a safetensors file with
// a hand-written header, a tiny HF Llama, a llama2.c checkpoint, a BPE tokenizer.json and a study
// export. Each is the smallest thing its reader accepts, so a failure names only the broken field.
import type { LlamaConfig } from '../model/config';
import { configToHF } from '../model/io/hf-llama';
import { initWeights, paramShapes } from '../model/params';
import { writeSafetensors } from '../model/io/safetensors';
import { NopPruner } from '../sweep/engine/pruners/nop';
import { RandomSampler } from '../sweep/engine/samplers/random';
import { Study } from '../sweep/engine/study';
import type { JsonValue } from '../sweep/engine/trial';
import { DEFAULT_SWEEP } from '../sweep/studio/default-study';
import { defaultSpec } from '../train/spec';
import type { StudyMeta } from '../sweep/persist/study-record';
import { exportStudyJSON } from '../sweep/persist/transfer';

/** A string's UTF-8 bytes. */
export const utf8 = (s: string) => new TextEncoder().encode(s);

/** safetensors bytes with the header as given (object or raw text) and `headerLength` overridable. */
export function rawSafetensors(
  header: object | string,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: number,
): Uint8Array {
  const json = utf8(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  const dv = new DataView(out.buffer);
  const n = headerLength ?? json.byteLength;
  dv.setUint32(0, n % 2 ** 32, true); // u64 little-endian as two u32 halves
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

/** One F32 tensor "x" of shape [2, 2] (16 data bytes), valid as written. */
export const oneTensor = () =>
  writeSafetensors(new Map([['x', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]));

/** A 2-layer Llama small enough to import in milliseconds (vocab 300, d 16, 2 heads). */
export const TINY: LlamaConfig = {
  vocabSize: 300,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  maxPositionEmbeddings: 32,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
};

/** config.json (as an object) and model.safetensors of TINY; `edit` changes the tensor map first. */
export function tinyHF(edit?: (t: Map<string, { shape: number[]; data: Float32Array }>) => void) {
  const w = initWeights(TINY, 1);
  const tensors = new Map(paramShapes(TINY).map(([name, shape]) => [name, { shape, data: w.get(name)! }]));
  edit?.(tensors);
  return { config: configToHF(TINY) as Record<string, unknown>, bytes: writeSafetensors(tensors, { format: 'pt' }) };
}

/**
 * llama2.c checkpoint bytes: 7 int32 (dim, hidden, layers, heads, kv heads, vocab, seq_len; a
 * positive vocab means shared embeddings), then `floats` float32 zeros (the weights).
 */
export function llama2cBytes(floats: number, header = [8, 16, 1, 2, 2, 32, 8]): Uint8Array {
  const out = new Uint8Array(28 + 4 * floats);
  const dv = new DataView(out.buffer);
  header.forEach((v, i) => dv.setInt32(4 * i, v, true));
  return out;
}

/** Float count the default llama2cBytes header needs (emb + norms + attn + mlp + final + rope tables). */
export const LLAMA2C_FLOATS = 32 * 8 + 2 * 8 + 4 * 64 + 3 * 128 + 8 + 8 * 4;

/** A tokenizer.json with a BPE model over `vocab` (no merges): enough for loadTokenizer. */
export function bpeTokenizer(vocab: string[]): Record<string, unknown> {
  return {
    version: '1.0',
    model: { type: 'BPE', vocab: Object.fromEntries(vocab.map((t, i) => [t, i])), merges: [] },
    added_tokens: [],
  };
}

/** A valid study export with `trials` finished trials (learning_rate sampled, value 10·lr), as parsed JSON, to break. */
export function studyExport(trials = 0): Record<string, unknown> {
  const study = new Study({ direction: 'maximize', sampler: new RandomSampler(7), pruner: new NopPruner() });
  for (let i = 0; i < trials; i++) {
    const t = study.ask();
    study.tell(t, 10 * t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true }));
  }
  const data = study.toJSON();
  const at = '2024-06-01T09:00:00.000Z';
  const meta: StudyMeta = {
    id: 'study-fixture',
    name: 'fixture',
    createdAt: at,
    updatedAt: at,
    status: 'complete',
    // A complete sweep config (study-config.ts): what the Sweep tab stores beside the trials.
    config: {
      sweep: {
        ...DEFAULT_SWEEP,
        searchSpace: [{ name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true }],
        nTrials: Math.max(1, trials),
        sampler: 'random',
        pruner: 'nop',
      },
      base: defaultSpec('tiny'),
    } as unknown as JsonValue,
    studyName: data.studyName,
    direction: data.direction,
    userAttrs: data.userAttrs,
    sampler: data.sampler,
    pruner: data.pruner,
  };
  return JSON.parse(exportStudyJSON(meta, data)) as Record<string, unknown>;
}

/** `studyExport(trials)` as file text, after `edit` has broken it. */
export const studyText = (edit: (s: Record<string, unknown>) => void, trials = 0) => {
  const file = studyExport(trials);
  edit(file);
  return JSON.stringify(file);
};
