// Generation tokens/s with the KV cache (one new position per step) against full recompute (the
// whole sequence per step), greedy, on seeded random weights and a random prompt.
import { greedy, greedyRecompute } from '../model/generate/generate';
import { initWeights, toVariables } from '../model/params';
import { mulberry32 } from '../core/prng';
import { formatTiming } from '../core/format';
import { bestOf, now } from './timing';
import { workloadConfig } from './workloads';
import type { BackendName } from '../core/run-types';
import type { BackendPlan, GenerateRecord } from './types';

export async function measureGenerate(
  backend: BackendName,
  cfg: NonNullable<BackendPlan['generate']>,
  log: (line: string) => void,
): Promise<GenerateRecord> {
  const config = workloadConfig(cfg.preset);
  const params = toVariables(config, initWeights(config, 7));
  const rand = mulberry32(99);
  const prompt = Array.from({ length: cfg.promptTokens }, () => Math.floor(rand() * config.vocabSize));
  const o = { maxNewTokens: cfg.newTokens }; // no EOS: always exactly newTokens
  try {
    // Warm-up of both paths, one full call each: every kernel shape is compiled/selected once, and
    // the JavaScript and wasm hot loops have been tiered up (in Node a decode step took ~2.5 ms in
    // the first call and ~1.5 ms from the third on); the figures are steady-state rates.
    await greedy(params, config, prompt, o);
    await greedyRecompute(params, config, prompt, o);
    const t0 = now();
    await greedy(params, config, prompt, { maxNewTokens: 1 });
    log(`${backend} generate ${cfg.preset}: first token (prompt pass) in ${formatTiming(now() - t0)}`);
    // The fastest of a few calls, as for the matmul ceilings: a 64-token KV call takes ~0.1–0.2 s,
    // where one scheduler hiccup on this shared 2-core machine moved a single run by ±30%.
    // Recompute is ~10× longer and takes fewer runs; off wasm (cpu ~35 s, WebGPU minutes) one.
    let cached: number[] = [];
    let recomputed: number[] = [];
    const reps = backend === 'wasm' ? 3 : 1;
    const kv = await bestOf(async () => void (cached = await greedy(params, config, prompt, o)), 1000, 10, reps);
    const cachedMs = kv.bestMs;
    log(
      `${backend} generate ${cfg.preset}: KV cache ${cfg.newTokens} tokens in ${formatTiming(cachedMs)} (fastest of ${kv.reps})`,
    );
    const re = await bestOf(
      async () => void (recomputed = await greedyRecompute(params, config, prompt, o)),
      0,
      reps,
      reps,
    );
    const recomputeMs = re.bestMs;
    log(
      `${backend} generate ${cfg.preset}: recompute ${cfg.newTokens} tokens in ${formatTiming(recomputeMs)} (fastest of ${re.reps})`,
    );
    const cachedTokensPerSec = cached.length / (cachedMs / 1000);
    const recomputeTokensPerSec = recomputed.length / (recomputeMs / 1000);
    return {
      backend,
      preset: cfg.preset,
      promptTokens: cfg.promptTokens,
      newTokens: cfg.newTokens,
      cachedTokensPerSec,
      recomputeTokensPerSec,
      speedup: cachedTokensPerSec / recomputeTokensPerSec,
      sameTokens: cached.length === recomputed.length && cached.every((id, i) => id === recomputed[i]),
    };
  } finally {
    for (const v of params.values()) v.dispose();
  }
}
