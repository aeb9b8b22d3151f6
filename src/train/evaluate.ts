// Evaluation with generation, as the seed's Seq2SeqTrainer(predict_with_generate=True) and its
// compute_metrics: generate a summary for each validation article, split predictions and
// references into sentences joined by newlines (for rougeLsum), score with stemmed ROUGE, report
// mean F × 100 and the mean generated length.
import { buildPrompt } from '../data/examples';
import type { Pair } from '../core/example';
import type { TextTokenizer } from '../data/types';
import { aggregateRouge } from '../metrics/aggregate';
import { prepareForRougeLsum } from '../metrics/sentences';
import type { LlamaConfig } from '../model/config';
import { generateBatch, generationSettingsOf, type GenerationSettings } from '../model/generate/generate';
import type { Params } from '../model/params';
import type { Collective } from '../collectives/collective';
import type { RougeSummary, Sample } from '../core/events';
import { shardRange } from './flat';
import type { RunSpec } from './spec';

/** Beams, penalties and bans as HF generate takes them (generate.ts), plus what evaluation adds. */
export interface GenerationEvalOptions extends GenerationSettings {
  maxSourceLength: number;
  maxNewTokens: number;
  batchSize: number;
  samples: number; // how many (article, reference, prediction) triples to keep for display
  previewChars?: number; // article preview length in samples
}

/**
 * How a run evaluates with generation: its prompt length, batch and generation settings, max new
 * tokens = max target length. Every evaluation of a run (epoch 0 included) and every sweep trial
 * takes its options from here.
 */
export function generationEvalOptions(spec: RunSpec, samples = 8): GenerationEvalOptions {
  return {
    ...generationSettingsOf(spec),
    maxSourceLength: spec.maxSourceLength,
    maxNewTokens: spec.maxTargetLength,
    batchSize: spec.batchSize,
    samples,
  };
}

export interface GenerationEval {
  rouge: RougeSummary;
  genLen: number;
  predictions: string[];
  samples: Sample[];
}

/** Mean stemmed ROUGE F × 100 (rounded to 4 decimals, as the seed's compute_metrics does). */
export function rougeSummary(predictions: string[], references: string[]): RougeSummary {
  const r = aggregateRouge(predictions.map(prepareForRougeLsum), references.map(prepareForRougeLsum), { stem: true });
  const pct = (x: number) => Math.round(x * 100 * 1e4) / 1e4;
  return { rouge1: pct(r.rouge1), rouge2: pct(r.rouge2), rougeL: pct(r.rougeL), rougeLsum: pct(r.rougeLsum) };
}

/** Generated ids for each pair, in pair order. */
async function generateIds(
  params: Params,
  config: LlamaConfig,
  tok: TextTokenizer,
  pairs: Pair[],
  o: GenerationEvalOptions,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < pairs.length; i += o.batchSize) {
    const prompts = pairs
      .slice(i, i + o.batchSize)
      .map((p) => buildPrompt(tok, p.input, { maxSourceLength: o.maxSourceLength }));
    out.push(
      ...(await generateBatch(params, config, prompts, {
        ...generationSettingsOf(o),
        maxNewTokens: o.maxNewTokens,
        eosId: tok.eosId,
        padId: tok.padId,
      })),
    );
  }
  return out;
}

/**
 * Each replica generates a contiguous shard of the pairs; an all-gather of [length, ids…] records
 * puts every pair's output, exactly once and in order, on every rank (Accelerate's
 * gather_for_metrics). Ids are exact in float32 below 2^24.
 */
async function generateSharded(
  c: Collective,
  params: Params,
  config: LlamaConfig,
  tok: TextTokenizer,
  pairs: Pair[],
  o: GenerationEvalOptions,
): Promise<number[][]> {
  const { start, end } = shardRange(pairs.length, c.rank, c.world);
  const mine = await generateIds(params, config, tok, pairs.slice(start, end), o);
  const packed = Float32Array.from(mine.flatMap((ids) => [ids.length, ...ids]));
  const all = await c.allGather(packed);
  const out: number[][] = [];
  for (let i = 0; i < all.length;) {
    const n = all[i];
    out.push(Array.from(all.subarray(i + 1, i + 1 + n)));
    i += 1 + n;
  }
  if (out.length !== pairs.length)
    throw new Error(`evaluation: gathered ${out.length} predictions for ${pairs.length} pairs`);
  return out;
}

export async function evaluateGeneration(
  params: Params,
  config: LlamaConfig,
  tok: TextTokenizer,
  pairs: Pair[],
  o: GenerationEvalOptions,
  collective?: Collective,
): Promise<GenerationEval> {
  if (pairs.length === 0) throw new Error('evaluation: no validation pairs');
  const ids =
    collective && collective.world > 1
      ? await generateSharded(collective, params, config, tok, pairs, o)
      : await generateIds(params, config, tok, pairs, o);
  const predictions = ids.map((x) => tok.decode(x).trim());
  const tokens = ids.reduce((n, x) => n + x.length, 0);
  const references = pairs.map((p) => p.target);
  const preview = o.previewChars ?? 400;
  const samples = pairs.slice(0, o.samples).map((p, i) => ({
    document: p.input.length > preview ? `${p.input.slice(0, preview)}…` : p.input,
    reference: p.target,
    prediction: predictions[i],
  }));
  return { rouge: rougeSummary(predictions, references), genLen: tokens / pairs.length, predictions, samples };
}
