// Constant tensors kept on the backend between calls, so a training step uploads only its batch.
// tfjs turns every JS number passed to an op into a fresh scalar tensor and every table built on the
// CPU into a fresh tensor; on WebGPU each of those is a new staging buffer, a copy and a destroy per
// use (a tiny model's step made 181 such 4-byte uploads and re-sent its causal mask and rotary
// tables every step). Here each constant is made once per backend and key and kept (tf.keep: no
// enclosing tidy disposes it), the least recently used dropped past a small bound.
//
// Only values that cannot change under the same key belong here (a key names everything the values
// depend on), and callers must never dispose what they get.
import * as tf from '@tensorflow/tfjs-core';

/** Distinct constants kept per process: a step needs a handful; generation's per-position tables are not cached. */
const MAX_ENTRIES = 64;

const cache = new Map<string, tf.Tensor>(); // insertion order = recency (re-inserted on use)

/**
 * The tensor `make()` returns for `key` on the current backend, made once and kept. make runs in
 * its own tidy, so its intermediates are freed; a kept tensor disposed by someone else (an engine
 * reset in a test) is made again.
 */
export function cachedConstant<T extends tf.Tensor>(key: string, make: () => T): T {
  const k = `${tf.getBackend()}|${key}`;
  const hit = cache.get(k);
  if (hit && !hit.isDisposed) {
    cache.delete(k);
    cache.set(k, hit);
    return hit as T;
  }
  const t = tf.keep(tf.tidy(make));
  cache.set(k, t);
  if (cache.size > MAX_ENTRIES) {
    // The oldest entry was last used MAX_ENTRIES constants ago, outside any step still being built.
    const [oldKey, old] = cache.entries().next().value as [string, tf.Tensor];
    cache.delete(oldKey);
    old.dispose();
  }
  return t;
}

/** A float32 scalar kept on the backend: the same bits tfjs would make from the number, uploaded once. */
export const scalarConst = (value: number): tf.Scalar =>
  cachedConstant(`scalar:${Object.is(value, -0) ? '-0' : String(value)}`, () => tf.scalar(value, 'float32'));

/** Drops every kept constant (tests that reset the engine; a backend being torn down). */
export function clearConstants(): void {
  for (const t of cache.values()) t.dispose();
  cache.clear();
}

/** Constants kept now: leak checks subtract them (tf.memory().numTensors counts them as live). */
export const keptConstants = (): number => [...cache.values()].filter((t) => !t.isDisposed).length;
