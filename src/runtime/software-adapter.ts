// A WebGPU adapter that is a software renderer on the CPU (SwiftShader, llvmpipe/lavapipe, WARP)
// runs the studio's kernels far slower than the wasm backend on the same cores: measured here,
// SwiftShader trains the default model at ~7 tokens/s where wasm runs ~900. Auto skips such an
// adapter for wasm and says why; choosing WebGPU in the settings still uses it.

/** The parts of a GPUAdapter this looks at (info is GPUAdapterInfo; isFallbackAdapter moved into it in newer Chromes). */
export interface AdapterFacts {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** Why the adapter is a software one ('' when it is not): the name it goes by, or the fallback flag. */
export function softwareAdapterReason(a: AdapterFacts): string {
  const i = a.info ?? {};
  const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ');
  const hit = SOFTWARE.exec(name);
  if (hit) return `the WebGPU adapter is ${hit[0]}, a software renderer on the CPU`;
  if (a.isFallbackAdapter === true || i.isFallbackAdapter === true)
    return 'the WebGPU adapter is a fallback (software) adapter';
  return '';
}
