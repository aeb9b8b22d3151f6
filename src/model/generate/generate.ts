// Greedy decoding: the fast path with a KV cache, and a full-recompute reference path beside it
// (llm.c's habit) so tests can check one against the other token for token.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { disposeCache, forward, type ForwardOptions, type KVCache } from '../llama';
import { canDecodeStep, decodeStep, decodesInPlace } from './decode-step';
import type { Params } from '../params';
import { BeamHypotheses, selectBeams, topCandidates } from './beam';
import { withTransposedWeights, type TransposedWeights } from './decode-weights';
import { withMergedLora } from '../lora';
import { checkLogitsProcessing, processScores, type LogitsProcessing } from './logits-processors';

export { bannedNgramTokens } from './logits-processors';

export interface GreedyOptions {
  maxNewTokens: number;
  eosId?: number; // stop when produced (not included in the output)
  stopIds?: number[]; // also stop on these (llama2.c stops on BOS)
}

async function argmaxLast(logits: tf.Tensor3D): Promise<number> {
  const T = logits.shape[1];
  const last = tf.tidy(() => tf.argMax(tf.squeeze(tf.slice(logits, [0, T - 1, 0], [1, 1, -1]), [0, 1])));
  const id = (await last.data())[0];
  last.dispose();
  return id;
}

/** forward(), or the one-position decode step (decode-step.ts) where the fused weights are at hand. */
function step(
  p: Params,
  c: LlamaConfig,
  ids: tf.Tensor2D,
  opts: ForwardOptions,
): { logits: tf.Tensor3D; cache: KVCache } {
  return ids.shape[1] === 1 && canDecodeStep(c, ids.shape[0], opts.transposed)
    ? decodeStep(p, c, ids, opts.transposed, opts)
    : forward(p, c, ids, opts);
}

const stops = (o: GreedyOptions) => new Set([...(o.eosId === undefined ? [] : [o.eosId]), ...(o.stopIds ?? [])]);

/** One sequence, KV cache: the prompt once, then one position per new token. */
export async function greedy(p: Params, c: LlamaConfig, prompt: number[], o: GreedyOptions): Promise<number[]> {
  // LoRA: decode the merged weights W + scaling·BA (lora.ts), freed after; every fast path then applies.
  if (c.lora) return withMergedLora(p, c, (mp, mc) => greedy(mp, mc, prompt, o));
  const out: number[] = [];
  const stop = stops(o);
  let cache: KVCache | undefined;
  let next = prompt;
  return withTransposedWeights(
    p,
    c,
    async (transposed) => {
      try {
        while (out.length < o.maxNewTokens) {
          const ids = tf.tensor2d(next, [1, next.length], 'int32');
          const res = step(p, c, ids, { cache, wantCache: true, transposed });
          ids.dispose();
          if (cache) disposeCache(cache);
          cache = res.cache;
          const id = await argmaxLast(res.logits);
          res.logits.dispose();
          if (stop.has(id)) break;
          out.push(id);
          next = [id];
        }
      } finally {
        if (cache) disposeCache(cache);
      }
      return out;
    },
    !decodesInPlace(c, 1),
  );
}

/** Reference path: recompute the whole sequence for every new token. */
export async function greedyRecompute(
  p: Params,
  c: LlamaConfig,
  prompt: number[],
  o: GreedyOptions,
): Promise<number[]> {
  if (c.lora) return withMergedLora(p, c, (mp, mc) => greedyRecompute(mp, mc, prompt, o));
  const seq = [...prompt];
  const stop = stops(o);
  const out: number[] = [];
  return withTransposedWeights(p, c, async (transposed) => {
    while (out.length < o.maxNewTokens) {
      const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
      const { logits } = forward(p, c, ids, { transposed });
      ids.dispose();
      const id = await argmaxLast(logits);
      logits.dispose();
      if (stop.has(id)) break;
      out.push(id);
      seq.push(id);
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Batched generation with Hugging Face `generate` semantics for a decoder-only model: prompts
// left-padded to one length, padding never attended (keyMask) and rotary positions counted from
// each row's first real token (positionOffsets), greedy or beam search, and HF's logits processors
// (no_repeat_ngram_size, repetition_penalty, min_new_tokens: logits-processors.ts).

export interface GenerateOptions extends LogitsProcessing {
  maxNewTokens: number;
  eosId: number; // ends a sequence; never part of the output
  padId: number; // fills the left of shorter prompts and the steps of finished rows
  numBeams?: number; // 1 (default): greedy
  lengthPenalty?: number; // beam search: finished score = sum log p / generated_len ** lengthPenalty (default 1)
  earlyStopping?: boolean; // beam search: stop a prompt as soon as numBeams hypotheses finished (default false)
}

/** The settings a user picks for generation (HF generate's names); the run's are RunSpec's fields of these names. */
export const GENERATION_KEYS = [
  'numBeams',
  'lengthPenalty',
  'noRepeatNgramSize',
  'repetitionPenalty',
  'minNewTokens',
] as const satisfies readonly (keyof GenerateOptions)[];
export type GenerationSettings = Required<Pick<GenerateOptions, (typeof GENERATION_KEYS)[number]>>;

/** Just the generation settings of s (a RunSpec carries them under the same names). */
export const generationSettingsOf = (s: GenerationSettings): GenerationSettings =>
  Object.fromEntries(GENERATION_KEYS.map((k) => [k, s[k]])) as GenerationSettings;

/**
 * The new tokens for each prompt (EOS and anything after it excluded), decoded together as one
 * batch. numBeams 1 is greedy; more is beam search ranked as transformers' BeamSearchScorer (beam.ts).
 */
export async function generateBatch(
  p: Params,
  c: LlamaConfig,
  prompts: number[][],
  o: GenerateOptions,
): Promise<number[][]> {
  if (c.lora) return withMergedLora(p, c, (mp, mc) => generateBatch(mp, mc, prompts, o)); // as greedy
  const rows = prompts.length * (o.numBeams ?? 1);
  return withTransposedWeights(
    p,
    c,
    (wt) => ((o.numBeams ?? 1) === 1 ? greedyBatch(p, c, prompts, o, wt) : beamSearchBatch(p, c, prompts, o, wt)),
    !decodesInPlace(c, rows),
  );
}

/** Throws on what generation cannot start from; true when there is nothing to generate. */
function nothingToDo(prompts: number[][], o: GenerateOptions): boolean {
  if (prompts.some((q) => q.length === 0))
    throw new Error('generate: every prompt needs at least one token (e.g. BOS)');
  const numBeams = o.numBeams ?? 1;
  if (!Number.isInteger(numBeams) || numBeams < 1)
    throw new Error(`generate: numBeams must be a positive integer, got ${numBeams}`);
  checkLogitsProcessing(o);
  return prompts.length === 0 || o.maxNewTokens <= 0;
}

/** KV cache, key mask (B, S) and rotary offsets (B) of a left-padded batch; rows are sequences. */
interface BatchState {
  cache?: KVCache;
  mask: number[][]; // 1 real, 0 padding: the keyMask rows, grown by every forward
  offsets: number[]; // left pads per row
  transposed?: TransposedWeights; // held by generateBatch for the whole call (decode-weights.ts)
}

/** Left-pad prompts with padId: the prompt ids (B, T) and the state before any forward, mask covering them. */
function leftPadded(prompts: number[][], padId: number): { ids: number[][]; st: BatchState } {
  const T = Math.max(...prompts.map((q) => q.length));
  const offsets = prompts.map((q) => T - q.length);
  const ids = prompts.map((q, b) => [...new Array<number>(offsets[b]).fill(padId), ...q]);
  const mask = offsets.map((n) => Array.from({ length: T }, (_, j) => (j < n ? 0 : 1)));
  return { ids, st: { mask, offsets } };
}

/**
 * Run ids (B, T) on top of the state's cache and return the last position's scores as B·V floats:
 * logits, or log-softmax (beam search ranks by log-probability). New positions are real tokens:
 * HF extends attention_mask with ones every step, finished rows included.
 */
async function advance(
  p: Params,
  c: LlamaConfig,
  st: BatchState,
  ids: number[][],
  logProbs: boolean,
): Promise<Float32Array> {
  const B = ids.length;
  const T = ids[0].length;
  if (st.cache) for (const m of st.mask) for (let t = 0; t < T; t++) m.push(1);
  const S = (st.cache?.length ?? 0) + T;
  if (st.mask[0].length !== S)
    throw new Error(`generate: key mask covers ${st.mask[0].length} positions, expected ${S}`);
  const padded = st.offsets.some((n) => n > 0);
  const idsT = tf.tensor2d(ids.flat(), [B, T], 'int32');
  const keyMask = padded ? tf.tensor2d(st.mask.flat(), [B, S]) : undefined; // (B, S)
  const res = step(p, c, idsT, {
    cache: st.cache,
    keyMask,
    positionOffsets: padded ? st.offsets : undefined,
    wantCache: true,
    transposed: st.transposed,
  });
  idsT.dispose();
  keyMask?.dispose();
  if (st.cache) disposeCache(st.cache);
  st.cache = res.cache;
  const last = tf.tidy(() => {
    const l = tf.reshape(tf.slice(res.logits, [0, T - 1, 0], [B, 1, c.vocabSize]), [B, c.vocabSize]); // (B, V)
    return logProbs ? tf.logSoftmax(l) : l;
  });
  res.logits.dispose();
  const data = (await last.data()) as Float32Array;
  last.dispose();
  return data;
}

/** Keep rows `rows` of the batch, in that order (beam reordering, or prompt → beams expansion). */
function selectRows(st: BatchState, rows: number[]): void {
  const identity = rows.length === st.mask.length && rows.every((r, i) => r === i);
  if (st.cache && !identity) {
    const old = st.cache;
    const idx = tf.tensor1d(rows, 'int32');
    const pick = (t: tf.Tensor4D) => tf.gather(t, idx, 0) as tf.Tensor4D; // (B', KV, S, D)
    st.cache = { k: old.k.map(pick), v: old.v.map(pick), length: old.length };
    idx.dispose();
    disposeCache(old);
  }
  st.mask = rows.map((r) => [...st.mask[r]]);
  st.offsets = rows.map((r) => st.offsets[r]);
}

/** HF greedy search: argmax of the processed logits; finished rows are fed padId and frozen. */
async function greedyBatch(
  p: Params,
  c: LlamaConfig,
  prompts: number[][],
  o: GenerateOptions,
  transposed?: TransposedWeights,
): Promise<number[][]> {
  if (nothingToDo(prompts, o)) return prompts.map(() => []);
  const V = c.vocabSize;
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const { ids, st } = leftPadded(prompts, o.padId);
  st.transposed = transposed;
  try {
    let logits = await advance(p, c, st, ids, false); // (B·V)
    for (let step = 1; ; step++) {
      const next = prompts.map((prompt, b) => {
        if (done[b]) return o.padId;
        const row = logits.slice(b * V, (b + 1) * V); // (V) a copy: the processors write into it
        processScores(row, [...prompt, ...out[b]], out[b].length, o.eosId, o);
        // torch.argmax: the first maximum (index 0 when every score is −∞).
        let best = 0;
        for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
        if (best === o.eosId) done[b] = true;
        else out[b].push(best);
        return best;
      });
      if (step >= o.maxNewTokens || done.every(Boolean)) break;
      logits = await advance(
        p,
        c,
        st,
        next.map((t) => [t]),
        false,
      );
    }
  } finally {
    if (st.cache) disposeCache(st.cache);
  }
  return out;
}

/**
 * HF beam search (o.numBeams = K, any K ≥ 1; K = 1 gives greedy's tokens, which the tests check)
 * over B prompts × K beams as B·K cache rows. Each step: log-softmax, the logits processors (as HF,
 * on the log-probabilities: logits-processors.ts), add the beam's running score, take the top 2K of K × V per prompt, let the scorer finish EOS
 * candidates and pick K running beams, then gather the cache rows those beams came from.
 * `transposed`: the weights generateBatch prepared for the fast path; without them every step is forward().
 */
export async function beamSearchBatch(
  p: Params,
  c: LlamaConfig,
  prompts: number[][],
  o: GenerateOptions,
  transposed?: TransposedWeights,
): Promise<number[][]> {
  if (nothingToDo(prompts, o)) return prompts.map(() => []);
  const K = o.numBeams ?? 1;
  const V = c.vocabSize;
  const hyps = prompts.map(() => new BeamHypotheses(K, o.lengthPenalty ?? 1, o.earlyStopping ?? false));
  const done = prompts.map(() => false);
  const rows = (b: number) => Array.from({ length: K }, (_, k) => b * K + k); // prompt b's cache rows
  const { ids, st } = leftPadded(prompts, o.padId);
  st.transposed = transposed;
  try {
    // The prompt runs once per prompt; its cache row is then copied to the K beams. HF starts beams
    // 1..K−1 at −1e9, so the first step draws every candidate from beam 0 (they are all equal).
    const first = await advance(p, c, st, ids, true); // (B·V)
    const expand = prompts.flatMap((_, b) => rows(b).map(() => b));
    selectRows(st, expand);
    let logp: Float32Array = new Float32Array(expand.length * V); // (B·K, V)
    expand.forEach((b, r) => logp.set(first.subarray(b * V, (b + 1) * V), r * V));
    // Running sums of log-probs per row, in float64 (HF adds in float32; only exact near-ties could differ).
    let scores: number[] = expand.map((_, r) => (r % K === 0 ? 0 : -1e9));
    let seqs: number[][] = expand.map(() => []); // generated tokens per row
    for (let step = 1; ; step++) {
      const source: number[] = [];
      const tokens: number[] = [];
      const nextScores: number[] = [];
      prompts.forEach((prompt, b) => {
        if (done[b]) {
          // A finished prompt's rows idle on padding; nothing reads them again.
          for (const r of rows(b)) {
            source.push(r);
            tokens.push(o.padId);
            nextScores.push(0);
          }
          return;
        }
        const rowScores = (k: number) => {
          const r = b * K + k;
          const row = logp.slice(r * V, (r + 1) * V); // (V) log-probabilities, processed in place
          processScores(row, [...prompt, ...seqs[r]], seqs[r].length, o.eosId, o);
          return Float64Array.from(row, (x) => x + scores[r]); // (V)
        };
        const candidates = topCandidates(K, rowScores, 2 * K);
        const chosen = selectBeams(
          hyps[b],
          candidates,
          rows(b).map((r) => seqs[r]),
          o.eosId,
          step,
        );
        for (const ch of chosen) {
          source.push(b * K + ch.beam);
          tokens.push(ch.token);
          nextScores.push(ch.score);
        }
        done[b] = hyps[b].isDone(candidates[0].score, step);
      });
      seqs = source.map((r, i) => [...seqs[r], tokens[i]]);
      scores = nextScores;
      if (step >= o.maxNewTokens || done.every(Boolean)) break;
      selectRows(st, source);
      logp = await advance(
        p,
        c,
        st,
        tokens.map((t) => [t]),
        true,
      );
    }
    // Prompts still running at the length limit offer every running beam (BeamSearchScorer.finalize).
    prompts.forEach((_, b) => {
      if (!done[b]) for (const r of rows(b)) hyps[b].add(seqs[r], scores[r], seqs[r].length);
    });
  } finally {
    if (st.cache) disposeCache(st.cache);
  }
  return hyps.map((h) => h.best());
}
