// The anatomy of a WebGPU training step and of one generated token: what they ask of the device
// (dispatches, pipelines, buffers, uploads, readbacks — kernels/webgpu/device-counter.ts counts
// them at the API), not how long they take. On a real GPU these counts decide a small model's
// step time: each dispatch costs driver work, each readback drains the queue, each buffer created
// in steady state is an allocation on the hot path. The counts are exact and the same on
// SwiftShader as on a GPU (same tfjs programs), so they can be driven down without one.
//
// Compile time: where pipeline creation blocks (Dawn in Node) compileMs measures it; Chromium
// compiles in its GPU process and the cost surfaces in the first step's execution, so the table also
// shows the first step's time beyond a steady step's.
//
// Per layer: the steady dispatches of the workload minus those of the same workload with one layer
// fewer — what a Llama layer costs forward, backward and in the optimizer, with the embedding,
// final norm, head, loss and clipping subtracted out.
import { greedy } from '../model/generate/generate';
import { initWeights, toVariables } from '../model/params';
import { mulberry32 } from '../core/prng';
import { countTfjsWebGPU, describeDispatches, diffCounts, type DeviceCounts } from '../kernels/webgpu/device-counter';
import { formatTiming } from '../core/format';
import { benchStepper, syncParams } from './train';
import { now } from './timing';
import { workloadConfig } from './workloads';
import type { LlamaConfig } from '../model/config';
import type { StepAnatomy, TokenAnatomy, TrainWorkload } from './types';

/** Steps run before the counted one: the first compiles and allocates; the second may still grow tfjs's buffer pool. */
const SETTLE_STEPS = 2;

/** The first step's and one steady step's counts of a config at batch × seqLen. */
async function countSteps(
  config: LlamaConfig,
  w: TrainWorkload,
  precompile = false,
  log?: (line: string) => void,
): Promise<{ first: DeviceCounts; firstStepMs: number; steady: DeviceCounts; steadyStepMs: number }> {
  const counter = countTfjsWebGPU();
  const s = benchStepper(config, w);
  try {
    let before = counter.counts();
    const t0 = now();
    // The warm-up, when asked, counts as part of the first step: it is what a Train click would wait for.
    if (precompile) {
      const r = await s.precompile();
      log?.(
        `webgpu anatomy ${w.name}: compile-only warm-up ${r.pipelines} pipelines in ${formatTiming(r.ms)}${r.failed.length ? ` (${r.failed.length} refused)` : ''}`,
      );
    }
    await s.step();
    await syncParams(s.params);
    const firstStepMs = now() - t0;
    const first = diffCounts(counter.counts(), before);
    for (let i = 1; i < SETTLE_STEPS; i++) await s.step();
    await syncParams(s.params);
    before = counter.counts();
    const t1 = now();
    await s.step();
    // The step's own work only: the sync probe's dispatch and readback are not the step's.
    const steady = diffCounts(counter.counts(), before);
    await syncParams(s.params);
    return { first, firstStepMs, steady, steadyStepMs: now() - t1 };
  } finally {
    s.dispose();
  }
}

export async function measureStepAnatomy(
  w: TrainWorkload,
  log: (line: string) => void,
  precompile = false,
): Promise<StepAnatomy> {
  const config = workloadConfig(w.name);
  const tag = `webgpu anatomy ${w.name} B${w.batch}×T${w.seqLen}${precompile ? ' (compile-only warm-up first)' : ''}`;
  const { first, firstStepMs, steady, steadyStepMs } = await countSteps(config, w, precompile, log);
  log(
    `${tag}: first step ${formatTiming(firstStepMs)} (${first.pipelines} pipelines), steady step ${formatTiming(steadyStepMs)}: ${steady.dispatches} dispatches, ${steady.readbacks} readbacks, ${steady.buffersCreated} buffers created`,
  );
  // One layer fewer, at batch 1 (the dispatch count does not depend on the batch): the difference is a layer's.
  const fewer = { ...config, numHiddenLayers: config.numHiddenLayers - 1 };
  let perLayerDispatches: number | null = null;
  let perLayerBy: Record<string, number> | null = null;
  if (fewer.numHiddenLayers >= 1) {
    const one = { ...w, batch: 1 };
    const [a, b] = [await countSteps(config, one), await countSteps(fewer, one)];
    const layer = diffCounts(a.steady, b.steady);
    perLayerDispatches = layer.dispatches;
    perLayerBy = layer.dispatchesBy;
    log(`${tag}: ${perLayerDispatches} dispatches per layer (${describeDispatches(perLayerBy)})`);
  }
  return {
    workload: w.name,
    method: w.method,
    batch: w.batch,
    seqLen: w.seqLen,
    layers: config.numHiddenLayers,
    firstStepMs,
    steadyStepMs,
    first,
    steady,
    perLayerDispatches,
    perLayerBy,
  };
}

/** One cached decode step of greedy generation: the counts of n + 1 new tokens minus those of n. */
export async function measureTokenAnatomy(
  preset: 'tiny' | 'small',
  promptTokens: number,
  log: (line: string) => void,
): Promise<TokenAnatomy> {
  const config = workloadConfig(preset);
  const params = toVariables(config, initWeights(config, 7));
  const rand = mulberry32(99);
  const prompt = Array.from({ length: promptTokens }, () => Math.floor(rand() * config.vocabSize));
  const counter = countTfjsWebGPU();
  try {
    await greedy(params, config, prompt, { maxNewTokens: 3 }); // compiles the prompt pass and the decode step
    const countOf = async (n: number) => {
      const before = counter.counts();
      await greedy(params, config, prompt, { maxNewTokens: n });
      return diffCounts(counter.counts(), before);
    };
    const counts = diffCounts(await countOf(3), await countOf(2));
    log(
      `webgpu anatomy ${preset} generation: one token ${counts.dispatches} dispatches, ${counts.readbacks} readbacks, ${counts.buffersCreated} buffers created`,
    );
    return { preset, promptTokens, counts };
  } finally {
    for (const v of params.values()) v.dispose();
  }
}
