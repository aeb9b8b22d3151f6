// Greedy decoding: the fast path with a KV cache, and a full-recompute reference path beside it
// (llm.c's habit) so tests can check one against the other token for token.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import { disposeCache, forward, type KVCache } from './llama';
import type { Params } from './params';

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

const stops = (o: GreedyOptions) => new Set([...(o.eosId === undefined ? [] : [o.eosId]), ...(o.stopIds ?? [])]);

/** One sequence, KV cache: the prompt once, then one position per new token. */
export async function greedy(p: Params, c: LlamaConfig, prompt: number[], o: GreedyOptions): Promise<number[]> {
  const out: number[] = [];
  const stop = stops(o);
  let cache: KVCache | undefined;
  let next = prompt;
  try {
    while (out.length < o.maxNewTokens) {
      const ids = tf.tensor2d(next, [1, next.length], 'int32');
      const res = forward(p, c, ids, { cache, wantCache: true });
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
}

/** Reference path: recompute the whole sequence for every new token. */
export async function greedyRecompute(p: Params, c: LlamaConfig, prompt: number[], o: GreedyOptions): Promise<number[]> {
  const seq = [...prompt];
  const stop = stops(o);
  const out: number[] = [];
  while (out.length < o.maxNewTokens) {
    const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
    const { logits } = forward(p, c, ids);
    ids.dispose();
    const id = await argmaxLast(logits);
    logits.dispose();
    if (stop.has(id)) break;
    out.push(id);
    seq.push(id);
  }
  return out;
}
