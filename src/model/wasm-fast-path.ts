// When the model routes its matmuls through the wasm fast path (wasm-matmul.ts) instead of the plain
// tfjs ops. tfjs-wasm sends only 2-D, untransposed matmuls to XNNPACK (~20–35 GFLOP/s on one thread);
// a transposed operand or a batch above 1 takes a scalar loop at ~1–3 GFLOP/s. The plain path stays
// the reference on cpu and webgpu (where it is already fast) and the oracle in tests.
import * as tf from '@tensorflow/tfjs-core';

export type FastPathMode = 'auto' | 'on' | 'off';

let mode: FastPathMode = 'auto';

/** 'auto': fast path on the wasm backend only; 'on'/'off' force it (tests, benchmarks). */
export function setFastPath(m: FastPathMode): void {
  if (m !== 'auto' && m !== 'on' && m !== 'off') throw new Error(`fast path mode must be 'auto', 'on' or 'off', got ${String(m)}`);
  mode = m;
}

export function fastPathMode(): FastPathMode {
  return mode;
}

/** True when the model should take the XNNPACK-friendly formulation now. */
export function useFastPath(): boolean {
  return mode === 'on' || (mode === 'auto' && tf.getBackend() === 'wasm');
}
