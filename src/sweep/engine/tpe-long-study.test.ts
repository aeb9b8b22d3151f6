// Long TPE studies, where the kernels get narrow and their bounds many σ away (issue 17, item 7).
//
// A long study must keep proposing on both sides of the optimum. Minimizing (x − 0.1)² over
// [0, 1] with the default TPESampler (10 startup trials, 24 candidates, magic clip), the last 100
// of 300 trials fall above 0.1 about half the time: Optuna (with its truncated-normal fix) gives
// 53–55%. When Φ was wrong in its upper tail (normCdf(19) = 0.962, normCdf(25) = 0.5), a kernel
// near 0.1 whose σ had shrunk below 0.05 — its upper bound 0.9 away, 18σ or more — drew from a
// distorted quantile function, and only 30% of late trials landed above 0.1.
import { describe, expect, it } from 'vitest';
import { NopPruner } from './pruners/nop';
import { TPESampler } from './samplers/tpe';
import { Study } from './study';

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const N_TRIALS = 300;
const LATE = 100;
const OPTIMUM = 0.1;

async function lateShareAbove(seed: number): Promise<number> {
  const study = new Study({ direction: 'minimize', sampler: new TPESampler({ seed }), pruner: new NopPruner() });
  await study.optimize((t) => (t.suggestFloat('x', 0, 1) - OPTIMUM) ** 2, { nTrials: N_TRIALS });
  const xs = study.getTrials(['complete']).map((t) => t.params.x as number);
  expect(xs).toHaveLength(N_TRIALS);
  return xs.slice(-LATE).filter((x) => x > OPTIMUM).length / LATE;
}

describe(`TPE, long studies of (x − ${OPTIMUM})² on [0, 1]`, () => {
  it(`over ${N_TRIALS} trials, proposes above the optimum about half the time in the last ${LATE} trials`, async () => {
    const shares: number[] = [];
    for (const seed of SEEDS) shares.push(await lateShareAbove(seed));
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    console.log(
      `share of the last ${LATE} trials above ${OPTIMUM}, seeds ${SEEDS[0]}–${SEEDS.at(-1)}: ` +
        `${shares.map((s) => s.toFixed(2)).join(' ')}; mean ${mean.toFixed(3)}`,
    );
    // Measured: 0.547 (0.51–0.58 by seed); with the broken upper tail 0.303 (0.23–0.39).
    // Binomial noise on 1,000 draws is ±0.016, on one seed's 100 ±0.05.
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.65);
    for (const s of shares) expect(s).toBeGreaterThan(0.4);
  });

  it('runs with magic clip off, where σ goes down to 1e-12 and a kernel is 1e11σ from its bounds', async () => {
    // normCdf(6.5e10) used to be NaN (the series' e^{−x²} · Σ = 0 · ∞), and so was the proposal.
    const study = new Study({
      direction: 'minimize',
      sampler: new TPESampler({ seed: 0, considerMagicClip: false }),
      pruner: new NopPruner(),
    });
    await study.optimize((t) => (t.suggestFloat('x', 0, 1) - OPTIMUM) ** 2, { nTrials: 100 });
    const xs = study.getTrials(['complete']).map((t) => t.params.x as number);
    expect(xs).toHaveLength(100);
    for (const x of xs) expect(x >= 0 && x <= 1, `x = ${x}`).toBe(true);
    // Without the clip TPE collapses onto its best point, as Optuna's does: the point is near 0.1.
    expect(Math.abs((study.bestParams!.x as number) - OPTIMUM)).toBeLessThan(0.01);
  });
});
