// Picks the tfjs backend for a worker: webgpu → wasm → cpu, and says which it got and why.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { shareIdentityOnWasm } from '../kernels/wasm/identity';
import type { BackendChoice } from '../train/spec';
import { withWholeCores } from './whole-cores';
import type { BackendName } from '../core/run-types';
import { softwareAdapterReason, type AdapterFacts } from './software-adapter';

// The wasm binaries are bundled assets (no CDN at run time).
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

// Threads on wasm. tfjs-wasm loads its threaded-SIMD binary only where SharedArrayBuffer can be posted
// (a cross-origin-isolated page: vite.config.ts sends COOP/COEP) and the engine validates wasm atomics;
// XNNPACK then splits each matmul over a pthreadpool whose threads are nested Web Workers, which
// Chromium allows inside our dedicated worker. Otherwise (no isolation, or Node, where tfjs-wasm
// reports no thread support) it loads the single-threaded SIMD binary and the count below is moot.
// The count must be set before the backend starts. Emscripten pre-spawns a pool of 8 workers for the
// threaded build (PTHREAD_POOL_SIZE=8 in tfjs-backend-wasm-threaded-simd.js), and a pthread beyond
// the pool would have to be spawned while the caller blocks, so more than 8 cannot start.
const WASM_POOL = 8;

/** Threads for XNNPACK: all hardware threads by default (capped by the pool), at least 1. */
export function wasmThreadCount(requested?: number): number {
  const hw = typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
  const want = requested ?? hw;
  if (!Number.isInteger(want) || want < 1)
    throw new Error(`wasm threads must be a positive integer, got ${String(requested)}`);
  return Math.min(want, WASM_POOL);
}

export interface BackendPick {
  backend: BackendName;
  reason: string;
  adapter: string;
}

interface GpuAdapterLike extends AdapterFacts {
  features: { has(f: string): boolean };
}

async function describeAdapter(): Promise<{ adapter: GpuAdapterLike | null; why: string }> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(o?: object): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return { adapter: null, why: 'this browser exposes no navigator.gpu (WebGPU is off or unsupported)' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { adapter, why: '' } : { adapter: null, why: 'navigator.gpu.requestAdapter() returned no adapter' };
}

function adapterName(a: GpuAdapterLike): string {
  const i = a.info ?? {};
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length > 0);
  const f16 = a.features.has('shader-f16') ? 'shader-f16' : 'no shader-f16';
  return `${parts.length > 0 ? parts.join(' ') : 'unnamed adapter'} (${f16})`;
}

/** What the wasm backend actually runs on: threads in use, and why there is only one. */
function wasmAdapter(): string {
  const hw = navigator.hardwareConcurrency ?? '?';
  const used = getThreadsCount();
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const note =
    used > 1 ? 'threaded SIMD' : isolated ? 'single-threaded' : 'single-threaded: page not cross-origin isolated';
  return `WebAssembly (${used} of ${hw} hardware threads, ${note})`;
}

async function trySet(name: BackendName): Promise<string> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return '';
  } catch (e) {
    return `${name} failed to start: ${(e as Error).message}`;
  }
}

/**
 * wasmThreads: XNNPACK threads if the wasm backend starts (default: every hardware thread). Workers
 * that share the machine (data-parallel replicas, parallel trials) should split the threads.
 */
export async function pickBackend(choice: BackendChoice, wasmThreads?: number): Promise<BackendPick> {
  const order: BackendName[] = choice === 'auto' ? ['webgpu', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const name of order) {
    if (name === 'webgpu') {
      const { adapter, why } = await describeAdapter();
      if (!adapter) {
        failures.push(`webgpu: ${why}`);
        continue;
      }
      // Auto never picks a CPU renderer over wasm on the same cores (software-adapter.ts); the setting still can.
      const software = choice === 'auto' ? softwareAdapterReason(adapter) : '';
      if (software) {
        failures.push(`webgpu: ${software}, slower than wasm here (choose WebGPU in the settings to use it anyway)`);
        continue;
      }
      const err = await trySet('webgpu');
      if (err) {
        failures.push(`webgpu: ${err}`);
        continue;
      }
      const reason = choice === 'auto' ? 'first choice: a WebGPU adapter is available' : 'chosen in settings';
      return { backend: 'webgpu', reason, adapter: adapterName(adapter) };
    }
    if (name === 'wasm') setThreadsCount(wasmThreadCount(wasmThreads));
    const err = name === 'wasm' ? await withWholeCores(() => trySet(name)) : await trySet(name);
    if (err) {
      failures.push(`${name}: ${err}`);
      continue;
    }
    if (name === 'wasm') shareIdentityOnWasm(); // clones share heap memory instead of copying it
    const why = choice === 'auto' ? `fallback, because ${failures.join('; ')}` : 'chosen in settings';
    const adapter = name === 'wasm' ? wasmAdapter() : 'JavaScript on the CPU';
    return { backend: name, reason: why, adapter };
  }
  throw new Error(`no tfjs backend could start: ${failures.join('; ')}`);
}
