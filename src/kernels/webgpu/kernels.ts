// Shared plumbing for the hand-written WebGPU kernels (rmsnorm.ts, cross-entropy.ts, rope.ts; ops.ts
// decides when they run): how they are registered with tfjs, and the WGSL workgroup reductions they
// share. Each kernel is a WGSL program in tfjs-backend-webgpu's own form (a class
// with variableNames, outputShape, shaderKey, dispatch, getUserCode()) registered as a tfjs kernel
// for the 'webgpu' backend, so it runs through the engine (tidy, memory accounting, profiling) like
// any built-in op; gradients come from tf.customGrad in the exported functions.
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** Throws a clear error when a fused kernel is called on another backend (tfjs's own says only "not registered"). */
export function assertWebGPU(op: string): void {
  const b = tf.getBackend();
  if (b !== 'webgpu')
    throw new Error(`${op}: the fused WebGPU kernel needs the webgpu backend, the current one is ${b}`);
}

export type Uniforms = Array<{ type: 'float32' | 'int32' | 'uint32'; data: number[] }>;

/**
 * Registers `run` as tfjs kernel `name` on the webgpu backend (once per module instance: a second
 * registration would only warn). Called at import, as tfjs registers its own kernels.
 */
export function registerWebGPUKernel(
  name: string,
  run: (backend: WebGPUBackend, inputs: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap) => tf.TensorInfo,
): void {
  if (tf.getKernel(name, 'webgpu')) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'webgpu',
    // Every input a kernel names is passed by its caller below (runKernel), so none is undefined.
    kernelFunc: ({ inputs, backend, attrs }) =>
      run(backend as WebGPUBackend, inputs as Record<string, tf.TensorInfo>, attrs ?? {}),
  });
}

/** Runs registered kernel `name` through the engine and returns its one output. */
export function runKernel<T extends tf.Tensor>(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: tf.NamedAttrMap = {},
): T {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs) as T;
}

/**
 * Base of the programs: one flat dispatch of `workgroups` workgroups of `wg` threads; the generated
 * main(index) gets the flat thread index (tfjs reshapes dispatches over 65535 workgroups into 2-D and
 * folds them back into index, so kernels derive everything from index and never from workgroupId).
 * Sizes come from the uniforms tfjs fills in (uniforms.xShape …), not from the shader text, so one
 * compiled pipeline serves every shape of the same rank — SwiftShader takes seconds per compile.
 */
export abstract class FlatProgram implements WebGPUProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size?: boolean;

  constructor(outputShape: number[], workgroups: number, wg: number) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.max(1, workgroups), 1, 1];
    this.workgroupSize = [wg, 1, 1];
  }

  abstract getUserCode(): string;
}

/**
 * WGSL for kernels that give each row of a matrix LANES threads, ROWS rows to a workgroup of
 * WG = LANES · ROWS threads: rowSum(v, lane, slot) adds one value per thread over the LANES threads
 * of row `slot` and hands every one of them the total.
 *
 * Two barriers, not a halving tree's log2(LANES) + 1: lane 0 adds the LANES partials itself. On a GPU
 * that is a few dozen shared-memory reads; on SwiftShader, which runs each workgroup's invocations as
 * coroutines that all switch at every barrier, barriers are the dominant cost of a reduction kernel
 * (tfjs's own softmax spends seconds on (2048, 4096) there). Must be called from uniform control flow.
 */
export function rowReductionSnippet(lanes: number, rows: number): string {
  return `
  const LANES : i32 = ${lanes};
  const ROWS : i32 = ${rows};
  const WG : i32 = ${lanes * rows};
  var<workgroup> partial : array<f32, ${lanes * rows}>;
  var<workgroup> rowTotal : array<f32, ${rows}>;

  fn rowSum(v : f32, lane : i32, slot : i32) -> f32 {
    partial[slot * LANES + lane] = v;
    workgroupBarrier();
    if (lane == 0) {
      var s = 0.0;
      for (var j = 0; j < LANES; j++) { s += partial[slot * LANES + j]; }
      rowTotal[slot] = s;
    }
    workgroupBarrier();
    return rowTotal[slot];
  }
`;
}
