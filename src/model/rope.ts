// Rotary position embeddings, Hugging Face layout: each head's vector is split in halves
// (x1, x2) and rotated as (x1 cos − x2 sin, x2 cos + x1 sin) with inv_freq[i] = θ^(−2i/D).
// (llama2.c rotates interleaved pairs instead; its loader permutes q/k rows to this layout.)
// The tables are built here; kernels/ops.ts applyRope does the rotation.
import * as tf from '@tensorflow/tfjs-core';
import { cachedConstant } from '../kernels/constants';

/** cos and sin tables for absolute positions [start, start + T): each (T, D). */
export function ropeTables(start: number, T: number, D: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const { cos, sin } = fillTables([0], start, T, D, theta);
  return { cos: tf.tensor2d(cos, [T, D]), sin: tf.tensor2d(sin, [T, D]) };
}

/**
 * Per-row tables for left-padded batches: row b's position t is start + t − offsets[b]. Batched
 * generation passes each row's pad count, so every sequence's first real token sits at position 0
 * exactly as Hugging Face's position_ids = cumsum(attention_mask) − 1 puts it (padding columns get
 * negative positions; they are masked out as keys and their outputs are never read).
 * Each (B, 1, T, D), broadcasting over heads.
 */
export function ropeTablesPerRow(
  start: number,
  T: number,
  D: number,
  theta: number,
  offsets: number[],
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const { cos, sin } = fillTables(offsets, start, T, D, theta);
  const B = offsets.length;
  return { cos: tf.tensor4d(cos, [B, 1, T, D]), sin: tf.tensor4d(sin, [B, 1, T, D]) };
}

/** ropeTables(0, T, D, theta) made once per (T, D, theta) and kept on the backend (kernels/constants.ts). */
export function cachedRopeTables(T: number, D: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const key = `rope:${T}:${D}:${theta}`;
  return {
    cos: cachedConstant(`${key}:cos`, () => ropeTables(0, T, D, theta).cos),
    sin: cachedConstant(`${key}:sin`, () => ropeTables(0, T, D, theta).sin),
  };
}

/** cos/sin values, row-major (rows, T, D), for positions start + t − offsets[row]. */
function fillTables(
  offsets: number[],
  start: number,
  T: number,
  D: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = D / 2;
  const cos = new Float32Array(offsets.length * T * D);
  const sin = new Float32Array(offsets.length * T * D);
  offsets.forEach((off, b) => {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * D;
      for (let i = 0; i < half; i++) {
        // Angles in float64 then rounded once, as the numpy reference does.
        const ang = (start + t - off) * Math.pow(theta, (-2 * i) / D);
        const c = Math.cos(ang);
        const s = Math.sin(ang);
        cos[o + i] = c;
        cos[o + i + half] = c;
        sin[o + i] = s;
        sin[o + i + half] = s;
      }
    }
  });
  return { cos, sin };
}
