// A model's trainable parameters (or their gradients) as one Float32Array: tensors back to back in
// trainableShapes order (every tensor for Full fine-tuning, the adapters only for LoRA), each at a
// fixed offset. One all-reduce then moves every gradient at once, and
// ZeRO can cut the vector into W contiguous ranges that ignore tensor boundaries.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../model/config';
import { trainableShapes, type Variables } from '../model/params';
import { clipScale } from './clip';

export interface FlatEntry {
  name: string;
  shape: number[];
  offset: number; // first element in the flat vector
  size: number; // element count (product of shape)
}

export interface FlatLayout {
  entries: FlatEntry[]; // in flat order
  total: number; // flat length: Σ size
}

/** Offsets table for named shapes, in the order given. */
export function layoutOf(shapes: readonly (readonly [string, readonly number[]])[]): FlatLayout {
  const entries: FlatEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [name, shape] of shapes) {
    if (seen.has(name)) throw new Error(`flat layout: tensor "${name}" appears twice`);
    seen.add(name);
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, shape: [...shape], offset, size });
    offset += size;
  }
  return { entries, total: offset };
}

/**
 * The layout of what a config trains (params.ts's trainableShapes): every parameter in Hugging Face
 * order, or with `lora` the adapters only — so accumulation, the all-reduce, ZeRO-1's shards,
 * snapshots and checkpoints carry adapter values only, and the frozen base never moves.
 */
export function flatLayout(config: LlamaConfig): FlatLayout {
  return layoutOf(trainableShapes(config));
}

function checkLength(layout: FlatLayout, flat: Float32Array, what: string): void {
  if (flat.length !== layout.total)
    throw new Error(`${what}: flat array has ${flat.length} values, layout needs ${layout.total}`);
}

function checkNames(layout: FlatLayout, tensors: Map<string, unknown>, what: string): void {
  const known = new Set(layout.entries.map((e) => e.name));
  for (const name of tensors.keys())
    if (!known.has(name)) throw new Error(`${what}: tensor "${name}" is not in the layout`);
}

/**
 * acc += every named tensor, each at its offset. A name the map lacks adds nothing (a parameter
 * the loss does not reach has a zero gradient); a name the layout lacks throws.
 */
export async function addTensorsInto(
  layout: FlatLayout,
  tensors: Map<string, tf.Tensor>,
  acc: Float32Array,
): Promise<void> {
  checkLength(layout, acc, 'addTensorsInto');
  checkNames(layout, tensors, 'addTensorsInto');
  for (const e of layout.entries) {
    const t = tensors.get(e.name);
    if (!t) continue;
    if (t.size !== e.size) throw new Error(`addTensorsInto: "${e.name}" has ${t.size} values, layout says ${e.size}`);
    // data() may hand back the backend's own storage: read it, never write it.
    const d = (await t.data()) as Float32Array;
    for (let i = 0; i < e.size; i++) acc[e.offset + i] += d[i];
  }
}

/**
 * The layout's tensors packed into a fresh flat array (all must be present). Tensors the layout
 * lacks are left out: a LoRA model's variables hold its frozen base beside the adapters it packs.
 */
export async function packTensors(layout: FlatLayout, tensors: Map<string, tf.Tensor>): Promise<Float32Array> {
  const mine = new Map<string, tf.Tensor>();
  for (const e of layout.entries) {
    const t = tensors.get(e.name);
    if (!t) throw new Error(`packTensors: tensor "${e.name}" is missing`);
    mine.set(e.name, t);
  }
  const out = new Float32Array(layout.total);
  await addTensorsInto(layout, mine, out); // 0 + x is exact
  return out;
}

/** Per-name views into flat (no copy: writing a view writes flat). */
export function unpackViews(layout: FlatLayout, flat: Float32Array): Map<string, Float32Array> {
  checkLength(layout, flat, 'unpackViews');
  return new Map(layout.entries.map((e) => [e.name, flat.subarray(e.offset, e.offset + e.size)]));
}

/** New tensors holding copies of flat's values, shaped as the layout says (the caller disposes them). */
export function unpackTensors(layout: FlatLayout, flat: Float32Array): Map<string, tf.Tensor> {
  checkLength(layout, flat, 'unpackTensors');
  // slice(): the cpu backend keeps the array it is given, so a view would alias flat.
  return new Map(
    layout.entries.map((e) => [e.name, tf.tensor(flat.slice(e.offset, e.offset + e.size), e.shape, 'float32')]),
  );
}

/** Overwrites every variable with its part of flat (each rank writes its own variables). */
export function assignFlat(layout: FlatLayout, flat: Float32Array, vars: Variables): void {
  checkLength(layout, flat, 'assignFlat');
  for (const e of layout.entries) {
    const v = vars.get(e.name);
    if (!v) throw new Error(`assignFlat: variable "${e.name}" is missing`);
    tf.tidy(() => v.assign(tf.tensor(flat.slice(e.offset, e.offset + e.size), e.shape, 'float32')));
  }
}

// One split rule for batches, evaluation and parameter shards: src/collectives/sampler.ts.
export { shardRange } from '../collectives/sampler';

/**
 * Global-norm clipping (clip.ts's clipScale) of the flat gradient, in place. Returns the norm before
 * clipping. The sum of squares runs in float64 in flat order, so every rank holding the same gradient
 * gets the same bits.
 */
export function clipFlatByGlobalNorm(grad: Float32Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grad.length; i++) sq += grad[i] * grad[i];
  const norm = Math.sqrt(sq);
  const coef = clipScale(norm, maxNorm);
  if (coef === null) return norm;
  const c = Math.fround(coef); // as clipByGlobalNorm's tf.mul(g, coef): the scalar becomes float32 first
  for (let i = 0; i < grad.length; i++) grad[i] *= c;
  return norm;
}
