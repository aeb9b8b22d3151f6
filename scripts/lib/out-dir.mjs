// One --out convention for the headless drivers (sweep.mjs, bench.mjs): --out names a FOLDER the
// results go in, checked before any work starts, so a bad path fails in a second with a clear
// message instead of after a 15-minute run (EISDIR once did).
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const statOf = (p) => {
  try {
    return statSync(p);
  } catch {
    return null;
  }
};

const writable = (dir) => {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why `dir` cannot take the results, or null when it can: an existing writable folder, or a path
 * whose nearest existing parent is a writable folder (the folder itself is made when the results
 * are written, so a run refused later for another reason leaves nothing behind).
 */
export function outDirProblem(dir) {
  const path = resolve(dir);
  const st = statOf(path);
  if (st) {
    if (!st.isDirectory()) return `${path} is a file, not a folder`;
    return writable(path) ? null : `the folder ${path} is not writable`;
  }
  for (let parent = dirname(path); ; parent = dirname(parent)) {
    const s = statOf(parent);
    if (s) {
      if (!s.isDirectory()) return `cannot make the folder ${path}: ${parent} is a file`;
      return writable(parent) ? null : `cannot make the folder ${path}: ${parent} is not writable`;
    }
    if (dirname(parent) === parent) return `cannot make the folder ${path}: nothing above it exists`;
  }
}
