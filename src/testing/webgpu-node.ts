// tfjs-backend-webgpu in Node, for Vitest: WebGPU comes from the `webgpu` package (Dawn's Node
// binding) running on Vulkan, here Chromium's software Vulkan driver SwiftShader, so the WGSL kernels
// are compiled and run for real on machines without a GPU (developers' and CI's).
//
//   const gpu = await startWebGPU();
//   describe.skipIf(!gpu.ok)(…)   // gpu.reason says why when it is not ok
//
// Tests only (Node built-ins): the engine must stay free of them (src/engine-boundary.test.ts).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { attention } from '../kernels/plain';
import { errorMessage } from '../core/errors';

/** Chromium's SwiftShader ICD (Debian's `chromium` package; CI installs it before the tests). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** dlopen flag that keeps a library mapped after dlclose (glibc's value; Node does not export it). */
const RTLD_NODELETE = 0x1000;

export type WebGPUStart = { ok: true; adapter: string } | { ok: false; reason: string };

let started: Promise<WebGPUStart> | undefined;

/**
 * Registers and selects the tfjs 'webgpu' backend on a Dawn device, once per process. Resolves
 * { ok: false, reason } instead of throwing when no adapter can be had (no ICD, no Vulkan loader),
 * so the caller can skip its GPU tests and print why.
 */
export function startWebGPU(): Promise<WebGPUStart> {
  started ??= start().catch((e: unknown) => ({
    ok: false as const,
    reason: `webgpu start failed: ${errorMessage(e)}`,
  }));
  return started;
}

async function start(): Promise<WebGPUStart> {
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const icd = process.env.VK_ICD_FILENAMES;
  if (icd !== undefined) preloadVulkanLoader(icd); // else Dawn may still find a system Vulkan driver (a real GPU)

  const { create, globals } = await import('webgpu');
  // tfjs-backend-webgpu reads the WebGPU enums as globals (GPUBufferUsage.STORAGE, GPUMapMode.READ …),
  // as a browser has them.
  for (const [k, v] of Object.entries(globals))
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    const why =
      icd === undefined
        ? `VK_ICD_FILENAMES is unset and ${SWIFTSHADER_ICD} is missing (apt-get install chromium)`
        : `VK_ICD_FILENAMES=${icd}`;
    return { ok: false, reason: `Dawn found no WebGPU adapter (${why})` };
  }

  // WebGPUBackend's constructor (and the package's own registration on import) checks
  // globalThis.navigator.gpu, which Node 20 lacks and Node 21+ has without .gpu: give it just that
  // one field. No window or WorkerGlobalScope stub is needed: 4.22 tests navigator.gpu only.
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!('gpu' in nav)) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });

  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') === null) {
    // The same device request as the package's own factory (base.ts), which did not register here
    // because navigator.gpu did not exist yet when the package was first imported.
    tf.registerBackend(
      'webgpu',
      async () => {
        const l = adapter.limits;
        const device = await adapter.requestDevice({
          requiredLimits: {
            maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
            maxBufferSize: l.maxBufferSize,
            maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          },
        });
        return new WebGPUBackend(device, adapter.info);
      },
      3,
    );
  }
  if (!(await tf.setBackend('webgpu')))
    return { ok: false, reason: 'tf.setBackend("webgpu") failed on the Dawn adapter' };
  const info = adapter.info;
  return { ok: true, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim() };
}

/**
 * Dawn dlopens "libvulkan.so.1". Debian's chromium ships its own Vulkan loader beside the
 * SwiftShader ICD but the system may have none (libvulkan1 is not a dependency of chromium), and
 * LD_LIBRARY_PATH cannot be changed for a running process. Loading chromium's copy first makes
 * Dawn's dlopen find it by soname. process.dlopen then throws (it is not a Node addon) and
 * dlcloses it, so RTLD_NODELETE keeps it mapped.
 */
function preloadVulkanLoader(icd: string): void {
  const loader = join(dirname(icd), 'libvulkan.so.1');
  if (process.platform !== 'linux' || !existsSync(loader)) return;
  try {
    process.dlopen({ exports: {} }, loader, RTLD_NODELETE | 2 /* RTLD_NOW */);
  } catch (e) {
    if (!(e instanceof Error && /did not self-register/.test(e.message))) throw e;
  }
}

export { relErr } from './rel-err'; // the kernel tests' comparison, shared with the fast-path tests

export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

/**
 * f's value and the gradients of Σ f(inputs) · gy with respect to every input, computed on
 * `backend` from host data and read back; every tensor made here is disposed before returning.
 */
export async function valueAndGrads(
  backend: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  gy: HostTensor,
): Promise<{ value: Float32Array; grads: Float32Array[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const xs = inputs.map((t) => tf.tensor(t.data, t.shape));
  const g = tf.tensor(gy.data, gy.shape);
  try {
    const y = tf.tidy(() => f(...xs)); // f may make tensors of its own (tables, targets)
    const value = (await y.data()) as Float32Array;
    y.dispose();
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), g)))(xs);
    const out = await Promise.all(grads.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(grads);
    return { value, grads: out };
  } finally {
    tf.dispose([...xs, g]);
  }
}

/** Seeded uniform values in [lo, hi). */
export function uniform(rand: () => number, shape: number[], lo = -1, hi = 1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()), shape };
}

/** kernels/plain.ts attention: the reference for kernels/webgpu/attention.ts. */
export function attentionPlain(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return attention(q, k, v, mask);
}
