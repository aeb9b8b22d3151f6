// GridSampler (Optuna's GridSampler): every combination of the given values, in an order
// shuffled once by the seed. Trial n < grid size takes grid point n; later trials (e.g. after
// concurrent duplicates) take a random point not yet finished or running. When no unvisited
// point remains after a trial, the study is stopped, as Optuna does.
import type { CategoricalChoice, Distribution, ParamValue } from '../distributions';
import { randomSeed, SeededRng } from '../rng';
import type { Study } from '../study';
import type { Trial } from '../trial';
import type { GridSamplerSpec, Sampler } from './base';

export class GridSampler implements Sampler {
  readonly rng: SeededRng;
  private readonly searchSpace: Record<string, CategoricalChoice[]>;
  private readonly paramNames: string[];
  private readonly grid: CategoricalChoice[][];

  constructor(searchSpace: Record<string, readonly CategoricalChoice[]>, seed?: number, draws = 0) {
    // Names sorted so the grid (and its shuffle) does not depend on object key order.
    this.paramNames = Object.keys(searchSpace).sort();
    this.searchSpace = {};
    for (const name of this.paramNames) {
      const values = searchSpace[name];
      if (!Array.isArray(values) || values.length === 0)
        throw new RangeError(`grid parameter "${name}": needs at least one value`);
      this.searchSpace[name] = [...values];
    }
    this.grid = cartesian(this.paramNames.map((n) => this.searchSpace[n]));
    // The shuffle is part of construction, so a restored sampler re-shuffles from draw 0 and
    // then skips to the saved position.
    const rng = new SeededRng(seed ?? randomSeed());
    rng.shuffle(this.grid);
    this.rng = draws > rng.draws ? new SeededRng(rng.seed, draws) : rng;
  }

  get gridSize(): number {
    return this.grid.length;
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  beforeTrial(study: Study, trial: Trial): void {
    if ('grid_id' in trial.systemAttrs) return;
    let gridId: number;
    if (trial.number < this.grid.length) gridId = trial.number;
    else {
      let targets = this.unvisitedGridIds(study);
      // Exhausted (concurrency or re-running a finished study): re-evaluate a random point.
      if (targets.length === 0) targets = this.grid.map((_, i) => i);
      gridId = targets[this.rng.int(targets.length)];
    }
    trial.systemAttrs.search_space = this.searchSpace;
    trial.systemAttrs.grid_id = gridId;
  }

  sampleIndependent(_study: Study, trial: Trial, name: string): ParamValue {
    const gridId = trial.systemAttrs.grid_id;
    if (typeof gridId !== 'number') throw new Error('GridSampler: trial has no grid_id');
    const index = this.paramNames.indexOf(name);
    if (index < 0) throw new RangeError(`parameter "${name}" is not in the grid (${this.paramNames.join(', ')})`);
    // Like Optuna, a value outside the suggested range is still used as-is.
    return this.grid[gridId][index];
  }

  afterTrial(study: Study, trial: Trial): void {
    const targets = this.unvisitedGridIds(study);
    if (targets.length === 0) study.stop();
    else if (targets.length === 1 && trial.systemAttrs.grid_id === targets[0]) study.stop();
  }

  toJSON(): GridSamplerSpec {
    return {
      kind: 'grid',
      searchSpace: JSON.parse(JSON.stringify(this.searchSpace)) as Record<string, CategoricalChoice[]>,
      seed: this.rng.seed,
      draws: this.rng.draws,
    };
  }

  private unvisitedGridIds(study: Study): number[] {
    const visited = new Set<number>();
    const running = new Set<number>();
    for (const t of study.trials) {
      const id = t.systemAttrs.grid_id;
      if (typeof id !== 'number' || !this.sameSearchSpace(t.systemAttrs.search_space)) continue;
      (t.state === 'running' ? running : visited).add(id);
    }
    let unvisited = this.grid.map((_, i) => i).filter((i) => !visited.has(i) && !running.has(i));
    // Every point started: still wait for the unfinished ones before stopping.
    if (unvisited.length === 0) unvisited = this.grid.map((_, i) => i).filter((i) => !visited.has(i));
    return unvisited;
  }

  private sameSearchSpace(other: unknown): boolean {
    if (typeof other !== 'object' || other === null) return false;
    const o = other as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    if (keys.length !== this.paramNames.length || keys.some((k, i) => k !== this.paramNames[i])) return false;
    return keys.every((k) => {
      const a = o[k];
      const b = this.searchSpace[k];
      return Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
    });
  }
}

function cartesian(lists: CategoricalChoice[][]): CategoricalChoice[][] {
  let out: CategoricalChoice[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}
