// Starts the requested tfjs backend in this worker exactly as the training worker does
// (pickBackend: bundled wasm binaries, the high-performance adapter), and says what it got.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { pickBackend } from '../runtime/backend';
import { now } from './timing';
import type { BackendName } from '../core/run-types';
import type { BackendEnv } from './types';

export async function startBackend(backend: BackendName): Promise<BackendEnv> {
  const t0 = now();
  const base = {
    backend,
    tfjsVersion: tf.version_core,
    workerCrossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
  try {
    const picked = await pickBackend(backend);
    const wasm = backend === 'wasm';
    return {
      ...base,
      ok: true,
      reason: picked.reason,
      adapter: picked.adapter,
      wasmThreads: wasm ? getThreadsCount() : null,
      wasmSimd: wasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
      wasmMultithread: wasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null,
      initMs: now() - t0,
    };
  } catch (e) {
    return {
      ...base,
      ok: false,
      reason: (e as Error).message,
      adapter: '',
      wasmThreads: null,
      wasmSimd: null,
      wasmMultithread: null,
      initMs: now() - t0,
    };
  }
}
