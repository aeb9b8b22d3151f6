// Generation tokens/s with the KV cache (one new position per step) against full recompute (the
// whole sequence per step), greedy, on seeded random weights and a random prompt.
import { greedy, greedyRecompute } from '../model/generate';
import { initWeights, toVariables } from '../model/params';
import { mulberry32 } from '../model/prng';
import { fmtMs, now } from './timing';
import { workloadConfig } from './workloads';
import type { BackendName, BackendPlan, GenerateRecord } from './types';

export async function measureGenerate(backend: BackendName, cfg: NonNullable<BackendPlan['generate']>, log: (line: string) => void): Promise<GenerateRecord> {
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
    let t0 = now();
    await greedy(params, config, prompt, { maxNewTokens: 1 });
    const firstMs = now() - t0;
    log(`${backend} generate ${cfg.preset}: first token (prompt pass) in ${fmtMs(firstMs)}`);
    t0 = now();
    const cached = await greedy(params, config, prompt, o);
    const cachedMs = now() - t0;
    log(`${backend} generate ${cfg.preset}: KV cache ${cfg.newTokens} tokens in ${fmtMs(cachedMs)}`);
    t0 = now();
    const recomputed = await greedyRecompute(params, config, prompt, o);
    const recomputeMs = now() - t0;
    log(`${backend} generate ${cfg.preset}: recompute ${cfg.newTokens} tokens in ${fmtMs(recomputeMs)}`);
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
