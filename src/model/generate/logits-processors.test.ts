// HF's logits processors: hand-computed rows (float32 values from numpy), then greedy generation
// with them on the llama2.c checkpoint against a naive reference that recomputes the whole
// sequence each step and applies the processors the way HF's torch code does (gather, where,
// scatter) with tensor ops.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShared } from '../../testing/shared';
import type { LlamaConfig } from '../config';
import { forward } from '../llama';
import { loadLlama2c } from '../io/llama2c';
import { disposeParams, toVariables, type Variables } from '../params';
import { generateBatch, type GenerateOptions } from './generate';
import {
  applyRepetitionPenalty,
  bannedNgramTokens,
  checkLogitsProcessing,
  processScores,
  type LogitsProcessing,
} from './logits-processors';

describe('logits processors on one row, by hand', () => {
  it('repetition penalty: divides positive scores, multiplies negative ones, once per distinct id (CTRL / HF)', () => {
    const row = Float32Array.from([2, -2, 0.5, -0.5, 3, 0]);
    applyRepetitionPenalty(row, [0, 1, 1, 3, 1, 5], 2);
    // id 1 appears three times but is penalised once (HF gathers the original score for every copy).
    expect(Array.from(row)).toEqual([1, -4, 0.5, -1, 3, 0]);
  });

  it('repetition penalty rounds as float32 torch does (numpy float32 values)', () => {
    const row = Float32Array.from([1, -0.7]);
    applyRepetitionPenalty(row, [0, 1], 1.2);
    // np.float32(1) / np.float32(1.2), np.float32(-0.7) * np.float32(1.2)
    expect(row[0]).toBe(0.8333333134651184);
    expect(row[1]).toBe(-0.8400000333786011);
    const same = Float32Array.from([1, -0.7]);
    applyRepetitionPenalty(same, [0, 1], 1);
    expect(Array.from(same)).toEqual(Array.from(Float32Array.from([1, -0.7]))); // 1: off, untouched
  });

  it('min new tokens: EOS is −∞ while fewer than min tokens were generated, free from then on', () => {
    const o: LogitsProcessing = { minNewTokens: 2 };
    const at = (generated: number) => {
      const row = Float32Array.from([0.1, 5, 0.3]);
      processScores(row, [7, 8], generated, 1, o);
      return Array.from(row);
    };
    expect(at(0)[1]).toBe(-Infinity);
    expect(at(1)[1]).toBe(-Infinity);
    expect(at(2)).toEqual(Array.from(Float32Array.from([0.1, 5, 0.3]))); // HF: new_tokens_length < min only
  });

  it('processScores applies the penalty, the n-gram bans and the EOS ban together', () => {
    // seq 0 1 2 0 1, all generated: with n = 3 the trigram "0 1 2" bans 2 after "0 1"; ids 0, 1, 2 are penalised.
    const row = Float32Array.from([4, -1, 6, 2, 8]);
    processScores(row, [0, 1, 2, 0, 1], 5, 4, { repetitionPenalty: 2, noRepeatNgramSize: 3, minNewTokens: 6 });
    expect(Array.from(row)).toEqual([2, -2, -Infinity, 2, -Infinity]);
    expect(bannedNgramTokens([0, 1, 2, 0, 1], 3)).toEqual([2]);
  });

  it("bans n-grams of the generated tokens only: a summary may copy its article's phrases", () => {
    // prompt 0 1 2 0, generated 1: "0 1 2" is in the prompt, so HF's decoder-only scan would ban 2; here it stays.
    const row = Float32Array.from([4, -1, 6, 2, 8]);
    processScores(row, [0, 1, 2, 0, 1], 1, 4, { noRepeatNgramSize: 3 });
    expect(Array.from(row)).toEqual([4, -1, 6, 2, 8]);
    // generated 0 1 2 0 1 (the last 5 of the sequence): now "0 1 2" repeats within the summary.
    processScores(row, [9, 0, 1, 2, 0, 1], 5, 4, { noRepeatNgramSize: 3 });
    expect(row[2]).toBe(-Infinity);
  });

  it('refuses settings HF refuses, naming the field', () => {
    expect(() => checkLogitsProcessing({ repetitionPenalty: 0 })).toThrow('repetitionPenalty');
    expect(() => checkLogitsProcessing({ repetitionPenalty: Number.NaN })).toThrow('repetitionPenalty');
    expect(() => checkLogitsProcessing({ minNewTokens: 1.5 })).toThrow('minNewTokens');
    expect(() => checkLogitsProcessing({ noRepeatNgramSize: -1 })).toThrow('noRepeatNgramSize');
    expect(() =>
      checkLogitsProcessing({ repetitionPenalty: 1.3, minNewTokens: 10, noRepeatNgramSize: 3 }),
    ).not.toThrow();
  });
});

// llama2.c's tok512: 0 <unk> (our padding), 1 BOS, 2 EOS.
const PAD = 0;
const EOS = 2;

/**
 * HF greedy search written the naive way: a full forward over prompt + output per token, then the
 * processors as transformers' torch code: gather the scores of input_ids, torch.where(score < 0,
 * score · p, score / p), scatter back; −∞ for n-gram bans and, before min_new_tokens, for EOS.
 */
async function referenceGreedy(
  params: Variables,
  config: LlamaConfig,
  prompt: number[],
  o: GenerateOptions,
): Promise<number[]> {
  const out: number[] = [];
  while (out.length < o.maxNewTokens) {
    const seq = [...prompt, ...out];
    const scores = tf.tidy(() => {
      const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
      const { logits } = forward(params, config, ids);
      const last = tf.reshape(tf.slice(logits, [0, seq.length - 1, 0], [1, 1, -1]), [config.vocabSize]); // (V)
      const idx = tf.tensor1d(seq, 'int32');
      const got = tf.gather(last, idx); // (L): duplicates gather the same original score
      const p = o.repetitionPenalty ?? 1;
      const penalised = tf.where(tf.less(got, 0), tf.mul(got, p), tf.div(got, p));
      // scatter_: every copy of an id writes the same value, so the order of writes does not matter.
      return tf.tensorScatterUpdate(last, tf.reshape(idx, [seq.length, 1]), penalised);
    });
    const row = Float32Array.from(await scores.data());
    scores.dispose();
    for (const t of bannedNgramTokens(out, o.noRepeatNgramSize ?? 0)) row[t] = -Infinity;
    if (out.length < (o.minNewTokens ?? 0)) row[o.eosId] = -Infinity;
    let best = 0;
    for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
    if (best === o.eosId) break;
    out.push(best);
  }
  return out;
}

const distinctShare = (xs: number[]) => new Set(xs).size / xs.length;

describe('greedy generation with the processors on the llama2.c checkpoint', () => {
  let params: Variables;
  let config: LlamaConfig;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const ckpt = loadLlama2c(new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin')));
    config = ckpt.config;
    params = toVariables(config, ckpt.weights);
  });
  afterAll(() => disposeParams(params));

  const prompts = [[1], [1, 319, 459], [1, 403, 300, 301, 446]];

  it('repetition penalty 1.5: batched greedy equals the naive reference and repeats less than no penalty', async () => {
    const o = { maxNewTokens: 30, eosId: EOS, padId: PAD };
    const free = await generateBatch(params, config, prompts, o);
    const penalised = await generateBatch(params, config, prompts, { ...o, repetitionPenalty: 1.5 });
    for (const [i, q] of prompts.entries()) {
      expect(penalised[i]).toEqual(await referenceGreedy(params, config, q, { ...o, repetitionPenalty: 1.5 }));
      expect(penalised[i]).not.toEqual(free[i]);
    }
    // The small model loops ("a gentle hum, a gentle hum"); the penalty makes the output more varied.
    const share = (rows: number[][]) => distinctShare(rows.flat());
    expect(share(penalised)).toBeGreaterThan(share(free));
  });

  it('min new tokens: an EOS the model would emit early is held off until the minimum, then allowed', async () => {
    // 429 is the 6th greedy token after BOS and the 4th after [1, 319, 459]: as EOS it ends those rows early.
    const o = { maxNewTokens: 20, eosId: 429, padId: PAD };
    const free = await generateBatch(params, config, prompts, o);
    expect(free[0]).toHaveLength(5);
    expect(free[1]).toHaveLength(3);
    const held = await generateBatch(params, config, prompts, { ...o, minNewTokens: 8 });
    for (const [i, q] of prompts.entries()) {
      expect(held[i]).toEqual(await referenceGreedy(params, config, q, { ...o, minNewTokens: 8 }));
      expect(held[i].length).toBeGreaterThanOrEqual(8);
      expect(held[i].slice(0, free[i].length)).toEqual(free[i]); // the same tokens up to where EOS won before
    }
  });

  it('all three together, as the studio defaults them (n-gram 3, penalty, min tokens)', async () => {
    const o: GenerateOptions = {
      maxNewTokens: 24,
      eosId: 429,
      padId: PAD,
      noRepeatNgramSize: 3,
      repetitionPenalty: 1.2,
      minNewTokens: 10,
    };
    const got = await generateBatch(params, config, prompts, o);
    for (const [i, q] of prompts.entries()) expect(got[i]).toEqual(await referenceGreedy(params, config, q, o));
  });
});
