// `npm run gpu-check` end to end on this machine's SwiftShader: the bundle is built (into a temp
// folder, so a bundle made for the device machine is left alone) and run in its quick form as the
// device machine would run it, with no node_modules beside it; the JSON it writes must have every
// section filled and every fused kernel within 1e-4 of the plain path. Also the pure parts: the
// command line, the Vulkan driver choice, the sizing, and that every fused kernel is in the registry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_BATCH, REFERENCE_SEQ, SMOLLM2_SEQ } from '../../src/bench/workloads';
import * as tf from '@tensorflow/tfjs-core';
import { SWIFTSHADER_ICD, startWebGPU, uniform } from '../../src/testing/webgpu-node';
import { runKernelCheck, type KernelCheck } from './kernel-checks';
import { DEFAULT_OUT, checkOutPath, parseGpuCheckArgs } from './args';
import { gpuCheckPlan } from './plan';
import type { GpuCheckResult } from './run';
import { NVIDIA_ICDS, chooseDriver } from './vulkan';

const ROOT = resolve(__dirname, '../..');

/** Bytes under a path. */
const size = (p: string): number =>
  statSync(p).isDirectory() ? readdirSync(p).reduce((a, f) => a + size(join(p, f)), 0) : statSync(p).size;

describe('gpu-check command line', () => {
  it('defaults, --out in both spellings, and the form flags', () => {
    expect(parseGpuCheckArgs([], '/w')).toEqual({ out: `/w/${DEFAULT_OUT}`, form: undefined, help: false });
    expect(parseGpuCheckArgs(['--out', 'a.json', '--quick'], '/w')).toMatchObject({ out: '/w/a.json', form: 'quick' });
    expect(parseGpuCheckArgs(['--out=/x/b.json', '--full'], '/w')).toMatchObject({ out: '/x/b.json', form: 'full' });
  });

  it('rejects what it cannot use, naming it', () => {
    expect(() => parseGpuCheckArgs(['--out'], '/w')).toThrow(/--out needs a file name/);
    expect(() => parseGpuCheckArgs(['--out', '--quick'], '/w')).toThrow(/--out needs a file name/);
    expect(() => parseGpuCheckArgs(['--quick', '--full'], '/w')).toThrow(/exclude each other/);
    expect(() => parseGpuCheckArgs(['--fast'], '/w')).toThrow(/unknown argument "--fast"/);
  });

  it('checks --out before any work: a folder, or a path under a file, is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-check-args-'));
    try {
      expect(() => checkOutPath(dir, () => {})).toThrow(/is a folder, not a file/);
      const file = join(dir, 'f.json');
      checkOutPath(file, () => {}); // a new file in a writable folder is fine
      expect(existsSync(file)).toBe(false); // and nothing is written yet
      expect(() => checkOutPath('/etc/hostname/x.json', () => {})).toThrow(/cannot be written.*not a folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gpu-check Vulkan driver choice', () => {
  const none = () => false;
  it('takes VK_DRIVER_FILES, then VK_ICD_FILENAMES, then an NVIDIA ICD on disk, then SwiftShader', () => {
    const env = { VK_DRIVER_FILES: '/a.json', VK_ICD_FILENAMES: '/b.json' };
    expect(chooseDriver(env, none)).toEqual({ icd: '/a.json', source: 'VK_DRIVER_FILES' });
    expect(chooseDriver({ VK_ICD_FILENAMES: '/b.json' }, none)).toEqual({ icd: '/b.json', source: 'VK_ICD_FILENAMES' });
    const all = () => true;
    expect(chooseDriver({}, all)).toEqual({ icd: NVIDIA_ICDS[0], source: 'nvidia' });
    expect(chooseDriver({}, (p) => p === SWIFTSHADER_ICD)).toEqual({ icd: SWIFTSHADER_ICD, source: 'swiftshader' });
    expect(chooseDriver({}, none)).toEqual({ icd: null, source: 'loader search' });
  });
});

describe('gpu-check sizing and registry', () => {
  it('runs the reference and SmolLM2-135M at their real shapes on a GPU, small ones on a software adapter', () => {
    const full = gpuCheckPlan('full');
    expect(full.train.map((t) => `${t.name}/${t.method}`)).toEqual([
      'reference/full',
      'smollm2-135m/full',
      'smollm2-135m/lora',
    ]);
    expect(full.train[0]).toMatchObject({ batch: REFERENCE_BATCH, seqLen: REFERENCE_SEQ });
    expect(full.train[1].seqLen).toBe(SMOLLM2_SEQ);
    expect(full.budgetMs).toBeLessThan(8 * 60_000);
    const quick = gpuCheckPlan('quick');
    expect(quick.train.every((t) => t.batch * t.seqLen <= 32 && t.timed <= 1)).toBe(true);
    expect(quick.omitted.join()).toMatch(/smollm2-135m/);
    expect(Math.max(...quick.matmul.sizes)).toBeLessThan(Math.min(...full.matmul.sizes));
  });

  it('checks every fused WebGPU kernel there is (an exported …WebGPU function needs a registry entry)', () => {
    const dir = join(ROOT, 'src/kernels/webgpu');
    const sources = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => join(dir, f)),
    ];
    const fused = sources.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/export function (\w+WebGPU)\(\s*\w+\??: tf\.Tensor/g)].map((m) => m[1]),
    );
    expect(fused.length).toBeGreaterThanOrEqual(4);
    const registry = readFileSync(join(__dirname, 'kernel-checks.ts'), 'utf8');
    for (const name of fused)
      expect(registry, `${name} has no entry in KERNEL_CHECKS`).toMatch(new RegExp(`\\b${name}\\b`));
  });
});

const gpu = await startWebGPU();

describe.skipIf(!gpu.ok)('gpu-check kernel comparison (in process, on Dawn)', () => {
  const twice = (fused: KernelCheck['fused'], grads?: boolean): KernelCheck => ({
    kernel: 'twice',
    outputs: grads === false ? ['y'] : ['y', 'dx'],
    fused,
    plain: (x) => tf.add(x, x),
    inputs: (r) => [uniform(r, [5, 7])],
    grads,
  });

  it('passes a correct kernel, with gradients and values only', async () => {
    for (const grads of [undefined, false]) {
      const r = await runKernelCheck(
        twice((x) => tf.mul(x, 2), grads),
        false,
      );
      expect(r).toMatchObject({ pass: true, error: null, inputShapes: [[5, 7]] });
      expect(r.errVsCpuPlain).toHaveLength(grads === false ? 1 : 2);
    }
  });

  it('fails one off by 5e-4, and one that throws, saying why', async () => {
    const off = await runKernelCheck(
      twice((x) => tf.mul(x, 2.001)),
      false,
    );
    expect(off.pass).toBe(false);
    expect(off.worst).toBeGreaterThan(4e-4);
    const broken = await runKernelCheck(
      twice(() => {
        throw new Error('no such pipeline');
      }),
      false,
    );
    expect(broken).toMatchObject({ pass: false, error: 'no such pipeline' });
  });

  it('decides on the cpu oracle, and flags a plain path that is off on the GPU', async () => {
    const c = twice((x) => tf.mul(x, 2));
    const offOnGpu = {
      ...c,
      plain: (x: tf.Tensor) => (tf.getBackend() === 'webgpu' ? tf.mul(x, 2.001) : tf.add(x, x)),
    };
    expect(await runKernelCheck(offOnGpu, false)).toMatchObject({ pass: true, gpuPlainOff: true });
    expect(await runKernelCheck(c, false)).toMatchObject({ pass: true, gpuPlainOff: false });
  });
});

// The bundle carries linux-x64 binaries and runs on SwiftShader here (CI installs Chromium's).
const canRun =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  existsSync(join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node')) &&
  (existsSync(SWIFTSHADER_ICD) || process.env.VK_ICD_FILENAMES !== undefined);
if (!canRun) console.warn(`SKIPPED gpu-check end to end: needs linux-x64, the webgpu package and ${SWIFTSHADER_ICD}`);

describe.skipIf(!canRun)('gpu-check bundle, quick form on SwiftShader', () => {
  let dir = '';
  let result: GpuCheckResult;
  let bundleBytes = 0;
  let run: { status: number | null; stdout: string; stderr: string; ms: number };

  const bundle = (...args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(dir, 'bundle/gpu-check.mjs'), ...args], {
      cwd: dir, // no node_modules here: the bundle must stand alone
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: '' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-check-'));
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/gpu-check.mjs'), '--bundle', '--no-node', '--bundle-dir', join(dir, 'bundle')],
      { encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`bundle build failed: ${build.stderr}`);
    bundleBytes = size(join(dir, 'bundle'));
    run = bundle('--quick', '--out', 'out/gpu-check.json');
    console.log(run.stdout.slice(run.stdout.indexOf('GPU check (')));
    result = JSON.parse(readFileSync(join(dir, 'out/gpu-check.json'), 'utf8')) as GpuCheckResult;
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stays well inside the device machine’s 64 MiB, node_modules left behind', () => {
    expect(bundleBytes).toBeLessThan(16 * 1024 * 1024); // without node.gz (≈ 35 MiB)
    expect(size(join(dir, 'bundle'))).toBe(bundleBytes); // the run unpacked dawn.node elsewhere
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });

  it('names the adapter and driver, and picks the quick form for a software adapter', () => {
    expect(result.complete).toBe(true);
    expect(result.form).toBe('quick');
    expect(result.adapter.software).toMatch(/swiftshader|software|fallback/i);
    expect(result.adapter.description).toMatch(/swiftshader/i);
    expect(result.vulkan.icd).toBeTruthy();
    expect(run.stdout).toMatch(/adapter: .*swiftshader/i);
  });

  it('checks every fused kernel against the plain path, values and gradients within 1e-4', () => {
    expect(result.kernels.map((k) => k.kernel)).toEqual([
      'rmsnorm',
      'rope',
      'cross-entropy',
      'swiglu',
      'adamw',
      'attention',
      'matmul x·Wᵀ',
      'matmul batched Aᵀ·B',
    ]);
    for (const k of result.kernels) {
      expect(k.error, k.kernel).toBeNull();
      expect(k.errVsGpuPlain).toHaveLength(k.outputs.length);
      expect(k.errVsCpuPlain).toHaveLength(k.outputs.length);
      for (const e of [...k.errVsGpuPlain, ...k.errVsCpuPlain]) expect(e, k.kernel).toBeLessThan(1e-4);
      expect(k.pass).toBe(true);
      expect(k.gpuPlainOff).toBe(false);
    }
  });

  it('measures a matmul ceiling and the reference workload’s tokens/s and MFU against it, Full and LoRA', () => {
    expect(result.matmul.length).toBeGreaterThanOrEqual(2);
    expect(result.ceilingGflops).toBe(Math.max(...result.matmul.map((m) => m.gflops)));
    expect(result.train.map((t) => `${t.workload}/${t.method}`)).toEqual(['reference/full', 'reference/lora']);
    for (const t of result.train) {
      expect(t.tokensPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(t.finalLoss)).toBe(true);
      // MFU is the achieved FLOP rate over the ceiling, nothing else.
      expect(t.mfu).toBeCloseTo((t.flopsPerToken * t.tokensPerSec) / (result.ceilingGflops! * 1e9), 9);
    }
    expect(result.train[1].trainableParams).toBeLessThan(result.train[0].trainableParams);
    expect(result.skipped).toEqual([]);
  });

  // Before main's fused step gate, train/clip.ts summed every squared gradient with one tf.addN, whose
  // tfjs-webgpu program binds a storage buffer per input (40 here) against a limit of 8: the pipeline
  // was invalid and its command buffer dropped, silently. This is what catches such a thing.
  it('raises no uncaptured WebGPU error, and passes as a whole', () => {
    expect(result.gpuErrors.count, result.gpuErrors.first.join('\n')).toBe(0);
    expect(result.train.every((t) => t.gpuErrors === 0)).toBe(true);
    expect(result.ok).toBe(true);
  });

  it('refuses a bad --out at once, before starting the GPU', () => {
    const bad = bundle('--out', '/etc/hostname/x.json');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--out \/etc\/hostname\/x\.json cannot be written/);
    expect(bad.stdout).not.toMatch(/adapter:/);
  });
});
