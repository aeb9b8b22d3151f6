// When the model routes its matmuls through the wasm fast path (wasm-matmul.ts) instead of the plain
// tfjs ops. tfjs-wasm sends only 2-D, untransposed matmuls to XNNPACK (~20–35 GFLOP/s on one thread);
// a transposed operand or a batch above 1 takes a scalar loop at ~1–3 GFLOP/s. The plain path stays
// the reference on cpu and webgpu (where it is already fast) and the oracle in tests.
import * as tf from '@tensorflow/tfjs-core';
import { pathSwitch, type PathMode } from '../path-mode';

export type FastPathMode = PathMode;

const fast = pathSwitch('fast path');

/** 'auto': fast path on the wasm backend only; 'on'/'off' force it (tests, benchmarks). */
export const setFastPath = (m: FastPathMode): void => fast.set(m);
export const fastPathMode = (): FastPathMode => fast.mode();

/**
 * Below this many rows (B·T) 'auto' keeps the plain path: the fast path transposes every weight in
 * JS on each call (O(out·in) copies, plus the read-back), which a decode step with KV cache (one
 * row per sequence) never earns back; the slow matmul costs only rows·out·in there. Measured on
 * the small preset in Chromium: cached greedy decoding ran at 6.2 tokens/s through the fast path.
 */
export const FAST_PATH_MIN_ROWS = 16;

/** True when the model should take the XNNPACK-friendly formulation for a pass over `rows` rows (B·T). */
export function useFastPath(rows?: number): boolean {
  return fast.use(() => tf.getBackend() === 'wasm' && (rows === undefined || rows >= FAST_PATH_MIN_ROWS));
}
