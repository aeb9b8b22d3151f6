// Optuna's IntersectionSearchSpace: the parameters that every given trial has, with the same
// distribution in all of them, sorted by name. Multivariate TPE samples jointly over it; the
// importance evaluator uses it to know which parameters to rank.
import type { Distribution } from './distributions';
import type { Trial } from './trial';

export function intersectionSearchSpace(trials: readonly Trial[]): Record<string, Distribution> {
  let space: Map<string, Distribution> | null = null;
  for (const t of trials) {
    if (space === null) {
      space = new Map(Object.entries(t.distributions));
      continue;
    }
    for (const [name, d] of [...space]) {
      const other = t.distributions[name];
      if (other === undefined || !other.equals(d)) space.delete(name);
    }
  }
  const out: Record<string, Distribution> = {};
  for (const name of [...(space?.keys() ?? [])].sort()) out[name] = space!.get(name)!;
  return out;
}
