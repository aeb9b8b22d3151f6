// The WebGPU kernel tests skip where no software Vulkan driver is installed. Where Chromium's
// SwiftShader is (this machine, CI after `apt-get install chromium`), WebGPU must start: otherwise
// every kernel test would skip quietly and prove nothing.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startWebGPU, SWIFTSHADER_ICD } from './webgpu-node';

it.runIf(existsSync(SWIFTSHADER_ICD) || process.env.VK_ICD_FILENAMES !== undefined)(
  'WebGPU starts on Dawn where a Vulkan driver is installed',
  async () => {
    const gpu = await startWebGPU();
    expect(gpu.ok ? 'started' : gpu.reason).toBe('started');
  },
);
