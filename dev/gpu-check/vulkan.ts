// Which Vulkan driver (ICD) and loader Dawn gets, chosen before src/testing/webgpu-node.ts starts it,
// and said out loud: on the device machine the NVIDIA ICD sits outside the loader's search path
// (/usr/local/nvidia/…), and the loader library itself may be missing (`ldconfig -p | grep
// libvulkan` empty there), so the bundle carries one and loads it when the system has none.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SWIFTSHADER_ICD } from '../../src/testing/webgpu-node';

/** Where NVIDIA's Vulkan ICD manifest is found (the device machine's driver mount first). */
export const NVIDIA_ICDS = [
  '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json',
  '/usr/share/vulkan/icd.d/nvidia_icd.json',
  '/etc/vulkan/icd.d/nvidia_icd.json',
  '/usr/share/vulkan/icd.d/nvidia_icd.x86_64.json',
];

export interface DriverChoice {
  /** The ICD manifest(s) handed to the loader, or null: the loader's own search. */
  icd: string | null;
  source: 'VK_DRIVER_FILES' | 'VK_ICD_FILENAMES' | 'nvidia' | 'swiftshader' | 'loader search';
}

/** The driver: the caller's env first, then an NVIDIA ICD on disk, then SwiftShader, else the loader's search. */
export function chooseDriver(env: Record<string, string | undefined>, exists: (p: string) => boolean): DriverChoice {
  if (env.VK_DRIVER_FILES) return { icd: env.VK_DRIVER_FILES, source: 'VK_DRIVER_FILES' };
  if (env.VK_ICD_FILENAMES) return { icd: env.VK_ICD_FILENAMES, source: 'VK_ICD_FILENAMES' };
  const nvidia = NVIDIA_ICDS.find(exists);
  if (nvidia) return { icd: nvidia, source: 'nvidia' };
  if (exists(SWIFTSHADER_ICD)) return { icd: SWIFTSHADER_ICD, source: 'swiftshader' };
  return { icd: null, source: 'loader search' };
}

/** dlopen flags (glibc's values; Node does not export them). */
const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;
const RTLD_NODELETE = 0x1000;

/**
 * dlopens a shared library so a later dlopen by soname (Dawn's "libvulkan.so.1", the NVIDIA ICD's
 * "libGLdispatch.so.0") finds it. process.dlopen throws on anything that is not a Node addon after
 * loading it; RTLD_NODELETE keeps it mapped. Returns false when the library cannot be opened at all.
 */
function dlopen(file: string): boolean {
  try {
    process.dlopen({ exports: {} }, file, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  } catch (e) {
    if (e instanceof Error && /did not self-register|Module did not/.test(e.message)) return true;
    return false;
  }
  return true;
}

export interface VulkanSetup extends DriverChoice {
  loader: string; // which libvulkan.so.1 was loaded
  notes: string[];
}

/**
 * Sets VK_ICD_FILENAMES (and VK_DRIVER_FILES, which newer loaders prefer) to the chosen driver,
 * and makes sure a Vulkan loader is loaded: the system's by soname, else `libDir`'s copy (the
 * bundle's), else the one beside the ICD (Chromium's, for SwiftShader). Call before startWebGPU().
 */
export function setUpVulkan(libDir: string | null): VulkanSetup {
  const choice = chooseDriver(process.env, existsSync);
  const notes: string[] = [];
  if (choice.icd !== null) {
    process.env.VK_ICD_FILENAMES = choice.icd;
    process.env.VK_DRIVER_FILES = choice.icd;
  }
  if (choice.source === 'swiftshader')
    notes.push('no NVIDIA ICD found and no VK_ICD_FILENAMES/VK_DRIVER_FILES set: SwiftShader (software)');
  // libGLdispatch (libglvnd) is needed by NVIDIA's ICD library; the bundle carries it too.
  const carried = (name: string) => (libDir !== null && existsSync(join(libDir, name)) ? join(libDir, name) : null);
  let loader = 'none found';
  const beside = choice.icd !== null ? join(choice.icd, '..', 'libvulkan.so.1') : null;
  for (const candidate of [
    choice.source === 'swiftshader' ? beside : null, // Chromium's loader beside its ICD, as webgpu-node.ts does
    'libvulkan.so.1',
    carried('libvulkan.so.1'),
  ]) {
    if (candidate !== null && (candidate === 'libvulkan.so.1' || existsSync(candidate)) && dlopen(candidate)) {
      loader = candidate === 'libvulkan.so.1' ? 'the system libvulkan.so.1' : candidate;
      break;
    }
  }
  if (!dlopen('libGLdispatch.so.0')) {
    const gl = carried('libGLdispatch.so.0');
    if (gl !== null && dlopen(gl)) notes.push(`loaded the bundle's ${gl} (the system has none)`);
  }
  return { ...choice, loader, notes };
}
