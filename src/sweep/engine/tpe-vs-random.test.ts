// TPE must beat random search where it should: on seeded synthetic objectives, over 10 seeds,
// the median best-after-30-trials of TPE (Optuna defaults: 10 random startup trials, then 20 TPE
// trials) is better than RandomSampler's.
import { describe, expect, it } from 'vitest';
import { NopPruner } from './pruners/nop';
import type { Sampler } from './samplers/base';
import { RandomSampler } from './samplers/random';
import { TPESampler } from './samplers/tpe';
import { Study, type Objective, type StudyDirection } from './study';

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const N_TRIALS = 30;

async function bestAfter(sampler: Sampler, direction: StudyDirection, objective: Objective): Promise<number> {
  const study = new Study({ direction, sampler, pruner: new NopPruner() });
  await study.optimize(objective, { nTrials: N_TRIALS });
  return study.bestValue!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function compare(
  name: string,
  direction: StudyDirection,
  objective: Objective,
  makeTpe: (seed: number) => Sampler = (seed) => new TPESampler({ seed }),
) {
  const tpe: number[] = [];
  const random: number[] = [];
  for (const seed of SEEDS) {
    tpe.push(await bestAfter(makeTpe(seed), direction, objective));
    random.push(await bestAfter(new RandomSampler(seed), direction, objective));
  }
  const [mt, mr] = [median(tpe), median(random)];
  console.log(
    `${name}: median best after ${N_TRIALS} trials over ${SEEDS.length} seeds — TPE ${mt.toPrecision(4)}, Random ${mr.toPrecision(4)}`,
  );
  return { tpe: mt, random: mr };
}

// (i) minimize (x − 0.3)² + (y + 0.2)² on [−1, 1]²
const quadratic: Objective = (t) => {
  const x = t.suggestFloat('x', -1, 1);
  const y = t.suggestFloat('y', -1, 1);
  return (x - 0.3) ** 2 + (y + 0.2) ** 2;
};

// (ii) maximize −(log10 lr + 4.5)² + bonus[batch], lr log-uniform in [1e-6, 1e-2]
const BONUS: Record<number, number> = { 4: 0, 8: 0.2, 16: 0.6, 32: 0.1 };
const logAndCategorical: Objective = (t) => {
  const lr = t.suggestFloat('lr', 1e-6, 1e-2, { log: true });
  const batch = t.suggestCategorical('batch', [4, 8, 16, 32]);
  return -((Math.log10(lr) + 4.5) ** 2) + BONUS[batch];
};

describe('TPE vs Random (10 seeds, best after 30 trials)', () => {
  it('2-D quadratic: TPE median is lower', async () => {
    const { tpe, random } = await compare('quadratic (minimize)', 'minimize', quadratic);
    expect(tpe).toBeLessThan(random);
  });

  it('log-scaled lr + categorical batch: TPE median is higher', async () => {
    const { tpe, random } = await compare('log lr + batch (maximize)', 'maximize', logAndCategorical);
    expect(tpe).toBeGreaterThan(random);
  });

  it('multivariate TPE also beats Random on the quadratic', async () => {
    const { tpe, random } = await compare(
      'quadratic, multivariate TPE',
      'minimize',
      quadratic,
      (seed) => new TPESampler({ seed, multivariate: true }),
    );
    expect(tpe).toBeLessThan(random);
  });
});
