// The switches of the alternative paths ops.ts chooses between: the wasm fast path (wasm/) and the
// WebGPU kernels (webgpu/). 'auto' takes a path on the backend it was written for, 'on'/'off' force
// it (tests, benchmarks).
import * as tf from '@tensorflow/tfjs-core';

export type PathMode = 'auto' | 'on' | 'off';

interface PathSwitch {
  set(m: PathMode): void;
  mode(): PathMode;
  /** 'on' → true, 'off' → false, 'auto' → autoChoice(). */
  use(autoChoice: () => boolean): boolean;
}

/** A switch named `what` in its error message ("fast path mode must be …"). */
function pathSwitch(what: string): PathSwitch {
  let mode: PathMode = 'auto';
  return {
    set(m) {
      if (m !== 'auto' && m !== 'on' && m !== 'off')
        throw new Error(`${what} mode must be 'auto', 'on' or 'off', got ${String(m)}`);
      mode = m;
    },
    mode: () => mode,
    use: (autoChoice) => (mode === 'auto' ? autoChoice() : mode === 'on'),
  };
}

// The wasm fast path: the model's matmuls phrased for XNNPACK. tfjs-wasm sends only 2-D,
// untransposed matmuls to XNNPACK (~20–35 GFLOP/s on one thread); a transposed operand or a batch
// above 1 takes a scalar loop at ~1–3 GFLOP/s. The plain path stays the reference on cpu and webgpu
// (where it is already fast) and the oracle in tests.
const fast = pathSwitch('fast path');

/** 'auto': fast path on the wasm backend only; 'on'/'off' force it (tests, benchmarks). */
export const setFastPath = (m: PathMode): void => fast.set(m);
export const fastPathMode = (): PathMode => fast.mode();

/**
 * Below this many rows (B·T) 'auto' keeps the plain path: the fast path transposes every weight in
 * JS on each call (O(out·in) copies, plus the read-back), which a decode step with KV cache (one
 * row per sequence) never earns back; the slow matmul costs only rows·out·in there. Measured on
 * the small preset in Chromium: cached greedy decoding ran at 6.2 tokens/s through the fast path.
 */
export const FAST_PATH_MIN_ROWS = 16;

/** True when a pass over `rows` rows (B·T) should take the XNNPACK-friendly formulation. */
export function useFastPath(rows?: number): boolean {
  return fast.use(() => tf.getBackend() === 'wasm' && (rows === undefined || rows >= FAST_PATH_MIN_ROWS));
}

// The fused WebGPU kernels (webgpu/): RMSNorm, rotary embedding, softmax + cross-entropy.
const webgpu = pathSwitch('webgpu kernel');

/** 'auto': the fused kernels on the webgpu backend only; 'on'/'off' force them (tests, benchmarks). */
export const setWebGPUKernels = (m: PathMode): void => webgpu.set(m);

/** True when the fused WebGPU kernels should replace the plain ops. */
export const useWebGPUKernels = (): boolean => webgpu.use(() => tf.getBackend() === 'webgpu');

// The fused WebGPU attention (webgpu/attention.ts), a switch of its own so benchmarks can show a
// step's counts both ways while the other kernels stay on. 'auto' takes the plain path: measured
// on Dawn over SwiftShader (dev/webgpu-attention.measure.test.ts) the fused kernel ran forward +
// backward 2.6–3× slower than the plain matmul/softmax path at the tiny, reference and small
// presets' shapes (it synchronises a workgroup every 64 keys, SwiftShader's dearest operation),
// though it dispatches 7 fewer programs and its pipelines compile ~5× faster. No hardware GPU has
// measured it yet: 'on' forces it (the GPU check), and 'auto' should follow that measurement.
const attentionSwitch = pathSwitch('webgpu attention');

/** 'auto' (plain, see above) / 'on' (fused, on the webgpu backend) / 'off' (plain). */
export const setWebGPUAttention = (m: PathMode): void => attentionSwitch.set(m);
export const webgpuAttentionMode = (): PathMode => attentionSwitch.mode();

/** True when attention should take the fused WebGPU kernel (webgpu backend only; head size ≤ maxHeadSize). */
export function useWebGPUAttention(headSize: number, maxHeadSize: number): boolean {
  return tf.getBackend() === 'webgpu' && headSize <= maxHeadSize && attentionSwitch.use(() => false);
}

// The one-pipeline WebGPU GEMM (webgpu/matmul.ts) in place of tf.matMul for the model's products,
// a switch of its own so the bench can time a step both ways. tfjs's MatMulPacked compiles a
// pipeline per (transposes, vec4, tile fit, batch) variant: 11 per tiny-preset step, ~90% of its
// first step's compile time on SwiftShader; the GEMM compiles one for all of them.
const matmulSwitch = pathSwitch('webgpu matmul');

/** 'auto' (the GEMM on the webgpu backend) / 'on' (forced, webgpu only) / 'off' (tf.matMul). */
export const setWebGPUMatmul = (m: PathMode): void => matmulSwitch.set(m);
export const webgpuMatmulMode = (): PathMode => matmulSwitch.mode();

/** True when the model's matrix products should take the WebGPU GEMM (webgpu backend only). */
export const useWebGPUMatmul = (): boolean => tf.getBackend() === 'webgpu' && matmulSwitch.use(() => true);
