// What the chosen backend offers a run, as far as the page can tell before any worker starts: on
// wasm the WebAssembly heap (wasm32 addresses 4 GiB at most: tfjs-backend-wasm's Emscripten heap
// grows up to 4294901760 bytes); on WebGPU the browser does not say how much memory the GPU has,
// only the largest buffer it allows; on the cpu backend the JS heap limit where Chromium reports
// it. The memory estimate of a Hub model is compared against this.
import type { BackendChoice } from '../train/spec';

/** The same bound runtime/gpu-memory.ts probes the wasm heap against. */
export const WASM_HEAP_MAX = 4294901760;

export interface BackendOffer {
  backend: 'webgpu' | 'wasm' | 'cpu';
  /** Bytes a run may use at most; null when the browser does not say. */
  bytes: number | null;
  /** The largest single buffer (WebGPU's maxBufferSize); null when there is no such limit. */
  maxBuffer: number | null;
  /** Where the numbers come from, in words. */
  what: string;
}

interface AdapterLimits {
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
}

type Nav = {
  gpu?: { requestAdapter(o?: object): Promise<AdapterLimits | null> };
  deviceMemory?: number;
};

const wasmOffer = (): BackendOffer => ({
  backend: 'wasm',
  bytes: WASM_HEAP_MAX,
  maxBuffer: null,
  what: 'the WebAssembly heap (wasm32: 4 GiB at most)',
});

/** What `choice` offers in this browser ('auto' is WebGPU where an adapter answers, else wasm, as the workers pick). */
export async function backendOffer(
  choice: BackendChoice,
  nav: Nav | undefined = globalThis.navigator as Nav | undefined,
): Promise<BackendOffer> {
  if (choice === 'wasm') return wasmOffer();
  if (choice === 'cpu') {
    const limit = (globalThis.performance as { memory?: { jsHeapSizeLimit?: number } } | undefined)?.memory
      ?.jsHeapSizeLimit;
    return limit
      ? { backend: 'cpu', bytes: limit, maxBuffer: null, what: "the page's JavaScript heap limit" }
      : {
          backend: 'cpu',
          bytes: null,
          maxBuffer: null,
          what: 'the JavaScript heap (this browser does not say its size)',
        };
  }
  const adapter = await nav?.gpu?.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    if (choice === 'auto') return wasmOffer();
    return { backend: 'webgpu', bytes: null, maxBuffer: null, what: 'WebGPU (no adapter answered in this browser)' };
  }
  const l = adapter.limits ?? {};
  const maxBuffer = Math.min(l.maxBufferSize ?? Infinity, l.maxStorageBufferBindingSize ?? Infinity);
  const device = nav?.deviceMemory ? ` (this device reports about ${nav.deviceMemory} GB of RAM)` : '';
  return {
    backend: 'webgpu',
    bytes: null,
    maxBuffer: Number.isFinite(maxBuffer) ? maxBuffer : null,
    what: `WebGPU: browsers do not say how much GPU memory there is${device}`,
  };
}
