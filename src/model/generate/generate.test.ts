import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readShared } from '../../testing/shared';
import { PRESETS, configFor, type LlamaConfig } from '../config';
import {
  bannedNgramTokens,
  beamSearchBatch,
  generateBatch,
  greedy,
  greedyRecompute,
  type GenerateOptions,
} from './generate';
import { forward, type ForwardOptions } from '../llama';
import { loadLlama2c } from '../io/llama2c';
import { disposeParams, initWeights, toVariables, type Variables } from '../params';
import { liveTensors } from '../../testing/live-tensors';

// Records what generation hands to forward (the real forward still runs), to check that batched
// rows get their pad counts as rotary offsets: RoPE is relative, so dropping them would only show
// as float32 noise in the outputs.
const forwardCalls = vi.hoisted(() => [] as ForwardOptions[]);
vi.mock('../llama', async (importOriginal) => {
  const llama = await importOriginal<typeof import('../llama')>();
  const recorded: typeof llama.forward = (p, c, ids, opts) => (
    forwardCalls.push(opts ?? {}),
    llama.forward(p, c, ids, opts)
  );
  return { ...llama, forward: recorded };
});

// llama2.c's tok512: 0 <unk> (our padding), 1 BOS, 2 EOS.
const PAD = 0;
const EOS = 2;

interface Model {
  params: Variables;
  config: LlamaConfig;
}

/** Runs fn and checks it leaves the tfjs tensor count where it found it. */
async function noLeaks<T>(fn: () => Promise<T>): Promise<T> {
  const before = liveTensors();
  const out = await fn();
  expect(liveTensors()).toBe(before);
  return out;
}

/** log p(tokens | seq) per position of one plain forward over seq: (seq.length, V) rows. */
async function logProbRows(m: Model, seq: number[]): Promise<Float32Array> {
  const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
  const { logits } = forward(m.params, m.config, ids);
  const lp = tf.logSoftmax(tf.squeeze(logits, [0])); // (T, V)
  const data = (await lp.data()) as Float32Array;
  tf.dispose([ids, logits, lp]);
  return data;
}

/** Total log-probability of `out` after `prompt`, from one full forward (no cache). */
async function sequenceLogProb(m: Model, prompt: number[], out: number[]): Promise<number> {
  const rows = await logProbRows(m, [...prompt, ...out]);
  const V = m.config.vocabSize;
  return out.reduce((s, t, i) => s + rows[(prompt.length - 1 + i) * V + t], 0);
}

function repeatsAnNgram(seq: number[], n: number): boolean {
  const seen = new Set<string>();
  for (let i = 0; i + n <= seq.length; i++) {
    const key = seq.slice(i, i + n).join(',');
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/**
 * HF beam search (BeamSearchScorer + BeamHypotheses, decoder_prompt_len version) written the naive
 * way: one prompt, a full forward per beam per step (no cache, no padding, no batching), candidates
 * sorted in full. Returns the output and how many hypotheses EOS finished, so tests can insist the
 * EOS path was exercised.
 */
async function referenceBeamSearch(
  m: Model,
  prompt: number[],
  o: GenerateOptions & { numBeams: number },
): Promise<{ out: number[]; eosHits: number }> {
  const K = o.numBeams;
  const lp = o.lengthPenalty ?? 1;
  const V = m.config.vocabSize;
  const finished: { score: number; tokens: number[] }[] = [];
  let eosHits = 0;
  const addHyp = (tokens: number[], sum: number, len: number) => {
    const score = sum / len ** lp;
    const worst = Math.min(...finished.map((h) => h.score));
    if (finished.length < K || score > worst) {
      finished.push({ score, tokens });
      if (finished.length > K)
        finished.splice(
          finished.findIndex((h) => h.score === worst),
          1,
        );
    }
  };
  const best = () => finished.reduce((a, h) => (h.score >= a.score ? h : a)).tokens;
  let beams = [{ tokens: [] as number[], score: 0 }]; // the first step expands the prompt alone
  for (let step = 1; step <= o.maxNewTokens; step++) {
    const cands: { score: number; token: number; beam: number }[] = [];
    for (const [k, beam] of beams.entries()) {
      const seq = [...prompt, ...beam.tokens];
      const rows = await logProbRows(m, seq);
      // HF's processors act on the log-probabilities in beam search: penalty (once per distinct id,
      // float32), n-gram bans, and EOS banned before min_new_tokens.
      const last = rows.slice((seq.length - 1) * V, seq.length * V); // (V)
      const p = Math.fround(o.repetitionPenalty ?? 1);
      for (const id of new Set(seq)) last[id] = last[id] < 0 ? last[id] * p : last[id] / p;
      const banned = new Set(bannedNgramTokens(beam.tokens, o.noRepeatNgramSize ?? 0));
      if (beam.tokens.length < (o.minNewTokens ?? 0)) banned.add(o.eosId);
      for (let v = 0; v < V; v++)
        cands.push({
          score: banned.has(v) ? -Infinity : beam.score + last[v],
          token: v,
          beam: k,
        });
    }
    cands.sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
    const top = cands.slice(0, 2 * K);
    const next: typeof beams = [];
    for (const [rank, c] of top.entries()) {
      if (next.length === K) break;
      if (c.token === o.eosId) {
        if (rank < K) {
          addHyp(beams[c.beam].tokens, c.score, step);
          eosHits++;
        }
      } else next.push({ tokens: [...beams[c.beam].tokens, c.token], score: c.score });
    }
    beams = next;
    const worst = Math.min(...finished.map((h) => h.score));
    if (finished.length >= K && (o.earlyStopping || worst >= top[0].score / step ** lp))
      return { out: best(), eosHits };
  }
  for (const b of beams) addHyp(b.tokens, b.score, b.tokens.length);
  return { out: best(), eosHits };
}

describe('batched generation on the llama2.c checkpoint', () => {
  let m: Model;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const ckpt = loadLlama2c(new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin')));
    m = { params: toVariables(ckpt.config, ckpt.weights), config: ckpt.config };
  });
  afterAll(() => disposeParams(m.params));

  it('left-padded forward with keyMask + positionOffsets reproduces the unpadded logits bit for bit', async () => {
    const prompt = [1, 319, 459, 355];
    const run = (ids: number[], opts: Parameters<typeof forward>[3]) =>
      tf.tidy(() =>
        tf.slice(
          forward(m.params, m.config, tf.tensor2d(ids, [1, ids.length], 'int32'), opts).logits,
          [0, ids.length - prompt.length],
          [1, prompt.length],
        ),
      ); // (1, 4, V)
    const plain = run(prompt, {});
    const keyMask = tf.tensor2d([[0, 0, 0, 1, 1, 1, 1]]);
    const padded = run([PAD, PAD, PAD, ...prompt], { keyMask, positionOffsets: [3] });
    const shifted = run([PAD, PAD, PAD, ...prompt], { keyMask });
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(diff(plain, padded)).toBe(0); // masked keys weigh exactly 0; positions 0..3 as unpadded
    // RoPE is relative, so shifting every real token by 3 cancels in exact arithmetic, but not in
    // float32: the offsets are what make the padded row reproduce the unpadded one (and HF) exactly.
    expect(diff(padded, shifted)).toBeGreaterThan(0);
    tf.dispose([plain, keyMask, padded, shifted]);
  });

  it('batched greedy over prompts of different lengths equals single-sequence greedy token for token', async () => {
    const prompts = [[1], [1, 319, 459], [1, 403], [1, 403, 300, 301, 446]];
    forwardCalls.length = 0;
    const batched = await noLeaks(() =>
      generateBatch(m.params, m.config, prompts, { maxNewTokens: 30, eosId: EOS, padId: PAD }),
    );
    expect(forwardCalls).toHaveLength(30); // the prompt, then one step per token but the last
    for (const call of forwardCalls) {
      expect(call.positionOffsets).toEqual([4, 2, 3, 0]); // left pads per row
      expect(call.keyMask?.shape[0]).toBe(4);
    }
    for (const [i, q] of prompts.entries()) {
      const single = await greedy(m.params, m.config, q, { maxNewTokens: 30, eosId: EOS });
      expect(single).toHaveLength(30);
      expect(batched[i]).toEqual(single);
    }
  });

  it('KV-cache greedy equals full-recompute greedy from a longer prompt', async () => {
    const prompt = [1, 403, 300, 301, 446, 262, 421, 392, 275, 280, 269];
    const cached = await greedy(m.params, m.config, prompt, { maxNewTokens: 40, eosId: EOS });
    expect(cached).toHaveLength(40);
    expect(await greedyRecompute(m.params, m.config, prompt, { maxNewTokens: 40, eosId: EOS })).toEqual(cached);
  });

  it('stops each row at EOS (excluded), freezes finished rows, and respects maxNewTokens', async () => {
    // 429 is the 6th greedy token after BOS, the 2nd after [1, 319, 459] and the 17th after [1, 403]:
    // as EOS it ends the three rows at different steps.
    const prompts = [[1], [1, 319, 459], [1, 403]];
    const out = await noLeaks(() =>
      generateBatch(m.params, m.config, prompts, { maxNewTokens: 30, eosId: 429, padId: PAD }),
    );
    expect(out.slice(0, 2)).toEqual([
      [319, 459, 355, 260, 275],
      [355, 260, 275],
    ]);
    expect(out[2]).toHaveLength(16);
    for (const [i, q] of prompts.entries())
      expect(out[i]).toEqual(await greedy(m.params, m.config, q, { maxNewTokens: 30, eosId: 429 }));
    const short = await generateBatch(m.params, m.config, prompts, { maxNewTokens: 3, eosId: EOS, padId: PAD });
    expect(short.map((r) => r.length)).toEqual([3, 3, 3]);
    expect(await generateBatch(m.params, m.config, prompts, { maxNewTokens: 0, eosId: EOS, padId: PAD })).toEqual([
      [],
      [],
      [],
    ]);
    // Beam search ends at EOS too: 429 finishes a hypothesis, which is returned without it.
    // Beam search: with length_penalty 0 the EOS-finished hypotheses win; with 1 the first prompt's
    // best is a full-length beam while the second prompt's batch item is done and idles.
    const beamPrompts = [[1], [1, 319, 459]];
    for (const lengthPenalty of [0, 1]) {
      const o = { maxNewTokens: 12, eosId: 429, padId: PAD, numBeams: 3, lengthPenalty };
      const beam = await noLeaks(() => generateBatch(m.params, m.config, beamPrompts, o));
      if (lengthPenalty === 0)
        expect(beam).toEqual([
          [319, 459, 355, 260, 275],
          [355, 260, 275],
        ]);
      else expect(beam.map((r) => r.length)).toEqual([12, 3]);
      for (const [i, q] of beamPrompts.entries()) expect(beam[i]).toEqual((await referenceBeamSearch(m, q, o)).out);
    }
  });

  it('beam search (3 beams, length_penalty 0, no EOS hit) finds a more likely sequence than greedy', async () => {
    // Not a theorem (greedy's prefix can fall out of the beam), but on these prompts the beam's
    // answer differs from greedy and scores strictly higher under an independent full forward.
    const prompts = [[1], [1, 403]];
    const o = { maxNewTokens: 12, eosId: EOS, padId: PAD, lengthPenalty: 0 };
    const greedyOut = await generateBatch(m.params, m.config, prompts, o);
    const beamOut = await noLeaks(() => generateBatch(m.params, m.config, prompts, { ...o, numBeams: 3 }));
    for (const [i, q] of prompts.entries()) {
      expect(beamOut[i]).toHaveLength(12); // EOS never won: fixed length, so scores compare like for like
      expect(beamOut[i]).not.toEqual(greedyOut[i]);
      expect(await sequenceLogProb(m, q, beamOut[i])).toBeGreaterThan(
        (await sequenceLogProb(m, q, greedyOut[i])) + 0.1,
      );
    }
  });

  it('beam search matches the naive reference where several beams propose EOS at once', async () => {
    // With "," (446), " of" (275) or " a" (262) as EOS the trained model proposes it from several
    // beams in one step: this exercises the 2·numBeams candidate window, EOS candidates ranked below
    // numBeams (dropped), the stopping rule and the length of beams still running at the limit, each
    // of which changes at least one output below when done differently.
    const prompts = [[1], [1, 319, 459], [1, 371, 328]];
    const cases: (GenerateOptions & { numBeams: number })[] = [
      { maxNewTokens: 12, eosId: 446, padId: PAD, numBeams: 3, lengthPenalty: 0 },
      { maxNewTokens: 12, eosId: 446, padId: PAD, numBeams: 2, lengthPenalty: 1 },
      { maxNewTokens: 12, eosId: 275, padId: PAD, numBeams: 2, lengthPenalty: 2 },
      { maxNewTokens: 12, eosId: 262, padId: PAD, numBeams: 3, lengthPenalty: 1, earlyStopping: true },
      // The processors on log-probabilities: the penalty reorders candidates, min tokens holds EOS off.
      { maxNewTokens: 12, eosId: 446, padId: PAD, numBeams: 3, lengthPenalty: 1, repetitionPenalty: 1.3 },
      { maxNewTokens: 12, eosId: 446, padId: PAD, numBeams: 2, lengthPenalty: 0, minNewTokens: 6 },
    ];
    for (const o of cases) {
      const got = await noLeaks(() => generateBatch(m.params, m.config, prompts, o));
      for (const [i, q] of prompts.entries())
        expect(got[i], `${JSON.stringify(o)} prompt ${i}`).toEqual((await referenceBeamSearch(m, q, o)).out);
    }
  });

  it('no_repeat_ngram_size 2: no bigram occurs twice in the output (greedy and beam)', async () => {
    // The model loves to loop; the ban scans the generated tokens (as bart-large-xsum's does), so a
    // summary may still copy the article's phrases (logits-processors.ts says why).
    const prompt = [1, 319, 459, 355, 260, 275, 429, 339, 315, 374, 327, 446, 262, 421, 392];
    const free = await greedy(m.params, m.config, prompt, { maxNewTokens: 40, eosId: EOS });
    expect(repeatsAnNgram([...prompt, ...free], 2)).toBe(true);
    expect(repeatsAnNgram(free, 2)).toBe(true); // loops within its own output as well
    for (const numBeams of [1, 3]) {
      const [out] = await noLeaks(() =>
        generateBatch(m.params, m.config, [prompt], {
          maxNewTokens: 40,
          eosId: EOS,
          padId: PAD,
          numBeams,
          noRepeatNgramSize: 2,
        }),
      );
      expect(out.length).toBeGreaterThan(20);
      expect(repeatsAnNgram(out, 2)).toBe(false); // within the summary (the article's phrases stay allowed)
    }
  });
});

describe('beam search against a brute-force reference (tiny random model)', () => {
  let m: Model;
  let greedyOf: (q: number[]) => Promise<number[]>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const config = configFor(PRESETS.tiny, PRESETS.tiny.vocabSize);
    // std 0.3 instead of 0.02: peaked distributions, so rankings are not decided by rounding noise.
    m = { params: toVariables(config, initWeights(config, 7, 0.3)), config };
    greedyOf = (q) => greedy(m.params, m.config, q, { maxNewTokens: 8, eosId: EOS });
  });
  afterAll(() => disposeParams(m.params));

  it('bannedNgramTokens follows HF _get_ngrams / _get_generated_ngrams', () => {
    expect(bannedNgramTokens([5, 6, 7, 5], 2)).toEqual([6]); // "5 6" seen: after 5, 6 is banned
    expect(bannedNgramTokens([5, 6, 5, 7, 5], 2)).toEqual([6, 7]);
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(bannedNgramTokens([5, 6, 7], 1)).toEqual([5, 6, 7]);
    expect(bannedNgramTokens([5], 3)).toEqual([]); // shorter than n − 1: nothing to match
    expect(bannedNgramTokens([5, 6, 5], 0)).toEqual([]);
  });

  it('one beam is greedy', async () => {
    const prompts = [[1], [1, 40, 41], [1, 300]];
    const out = await noLeaks(() =>
      beamSearchBatch(m.params, m.config, prompts, { maxNewTokens: 8, eosId: EOS, padId: PAD, numBeams: 1 }),
    );
    for (const [i, q] of prompts.entries()) expect(out[i]).toEqual(await greedyOf(q));
  });

  it('matches the naive reference: batched prompts, EOS hits, length penalty, early stopping, n-gram bans', async () => {
    const prompts = [[1], [1, 40, 41, 42], [1, 300]];
    // EOS = the token greedy emits 3rd after the first prompt: a likely candidate, so EOS does finish
    // hypotheses mid-search (checked below) instead of never coming up.
    const eosId = (await greedyOf(prompts[0]))[2];
    const cases: (GenerateOptions & { numBeams: number })[] = [
      { maxNewTokens: 6, eosId, padId: PAD, numBeams: 3 },
      { maxNewTokens: 6, eosId, padId: PAD, numBeams: 3, lengthPenalty: 0, earlyStopping: true },
      { maxNewTokens: 7, eosId, padId: PAD, numBeams: 2, lengthPenalty: 2 },
      { maxNewTokens: 6, eosId: EOS, padId: PAD, numBeams: 4, lengthPenalty: -1, noRepeatNgramSize: 2 },
    ];
    let eosHits = 0;
    for (const o of cases) {
      const got = await noLeaks(() => generateBatch(m.params, m.config, prompts, o));
      for (const [i, q] of prompts.entries()) {
        const ref = await referenceBeamSearch(m, q, o);
        eosHits += ref.eosHits;
        expect(got[i], `${JSON.stringify(o)} prompt ${i}`).toEqual(ref.out);
      }
    }
    expect(eosHits).toBeGreaterThan(0);
  });
});
