// The layers of src/ and the one direction imports flow between them (see README "How it works"):
//
//   core ← kernels ← data, metrics ← model ← collectives, sweep engine ← train ← sweep studio/persist
//        ← export ← runtime, bench ← app ← store ← ui ← main.tsx
//
// A file may import its own layer and any layer below it, never one above. Two more rules keep the
// shells honest: the store and the UI never talk to a worker protocol or client (runtime/) — they
// go through app/ — and the engine (everything up to export) stays free of the DOM, React and Node,
// so it runs in a worker and under Vitest alike.
// Tests, benchmarks and test support (testing/, reliability/, testdata/) are exempt: a kernel's
// test compares it with the model's plain path, which sits above it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Layer of each folder under src/ (the longest matching prefix wins); higher may import lower. */
export const LAYERS: Record<string, number> = {
  core: 0,
  kernels: 1,
  data: 2,
  metrics: 2,
  model: 3,
  collectives: 4,
  'sweep/engine': 4,
  train: 5,
  sweep: 6, // src/sweep/index.ts: the package's public surface
  'sweep/studio': 6,
  'sweep/persist': 6,
  export: 7,
  runtime: 8,
  bench: 8,
  app: 9,
  store: 10,
  ui: 11,
  'main.tsx': 12,
};
/** Engine layers: no DOM, no React, no Node built-ins. */
const ENGINE_TOP = LAYERS.export;
/** Folders that may not import these folders at all, whatever their layers. */
const NEVER: Record<string, string[]> = { store: ['runtime'], ui: ['runtime'] };
const EXEMPT_DIRS = new Set(['testing', 'reliability', 'testdata']);

const SRC = __dirname;

export function layerOf(srcRelative: string): { key: string; level: number } | null {
  let best: string | null = null;
  for (const key of Object.keys(LAYERS)) {
    if ((srcRelative === key || srcRelative.startsWith(`${key}/`)) && (best === null || key.length > best.length))
      best = key;
  }
  return best === null ? null : { key: best, level: LAYERS[best] };
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return EXEMPT_DIRS.has(f) ? [] : sources(p);
    return /\.tsx?$/.test(f) && !/\.(test|bench)\.tsx?$/.test(f) ? [p] : [];
  });
}

// Comments may mention anything; only code counts.
const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every rule a file's relative imports break, as "file: what". */
export function violations(file: string, code: string): string[] {
  const from = layerOf(relative(SRC, file));
  if (!from) return [`${relative(SRC, file)}: not in any layer (add its folder to LAYERS)`];
  const out: string[] = [];
  for (const m of stripComments(code).matchAll(IMPORT)) {
    const target = relative(SRC, resolve(dirname(file), m[1]));
    if (target.startsWith('..')) {
      out.push(`${relative(SRC, file)}: imports ${m[1]} from outside src/`);
      continue;
    }
    const to = layerOf(target);
    if (!to) continue; // test support (testing/) or a file outside the layers: reported on its own
    if (to.level > from.level) out.push(`${relative(SRC, file)} (${from.key}) imports upward: ${m[1]} (${to.key})`);
    const banned = NEVER[from.key.split('/')[0]] ?? [];
    if (banned.includes(to.key.split('/')[0]))
      out.push(`${relative(SRC, file)} (${from.key}) may not import ${to.key}: ${m[1]}`);
  }
  return out;
}

const FORBIDDEN_IMPORTS = /from\s+['"](react|react-dom|zustand|recharts|node:[^'"]+|fs|path)['"]/;
// navigator is allowed: workers have one (WorkerNavigator), e.g. for storage quota estimates.
const FORBIDDEN_GLOBALS = /\b(document|window|localStorage|sessionStorage|HTMLElement|self)\s*[.[]/;

describe('architecture', () => {
  const files = sources(SRC);
  const engine = files.filter((f) => (layerOf(relative(SRC, f))?.level ?? Infinity) <= ENGINE_TOP);

  it('has sources in every layer', () => {
    const seen = new Set(files.map((f) => layerOf(relative(SRC, f))?.key));
    expect(Object.keys(LAYERS).filter((k) => !seen.has(k))).toEqual([]);
    expect(engine.length).toBeGreaterThan(100);
  });

  it('imports flow one way: no file imports a layer above its own', () => {
    expect(files.flatMap((f) => violations(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('the engine imports nothing from the DOM, React or Node', () => {
    const bad = engine.flatMap((f) => {
      const code = stripComments(readFileSync(f, 'utf8'));
      const hits = [code.match(FORBIDDEN_IMPORTS)?.[0], code.match(FORBIDDEN_GLOBALS)?.[0]].filter(Boolean);
      return hits.map((h) => `${relative(SRC, f)}: ${h}`);
    });
    expect(bad).toEqual([]);
  });

  it('the checks catch what they are meant to catch', () => {
    const at = (p: string) => join(SRC, p);
    expect(violations(at('model/llama.ts'), `import { x } from '../train/step';`)).toEqual([
      'model/llama.ts (model) imports upward: ../train/step (train)',
    ]);
    expect(violations(at('sweep/engine/study.ts'), `import { r } from '../studio/runner';`)).toHaveLength(1);
    expect(violations(at('store/run.ts'), `import type { ToWorker } from '../runtime/train/protocol';`)).toHaveLength(
      1,
    );
    expect(violations(at('core/prng.ts'), `const w = new URL('../ui/App', import.meta.url);`)).toHaveLength(1);
    expect(
      violations(
        at('ui/App.tsx'),
        `import { useRunStore } from '../store/run';\nimport { PRESETS } from '../model/config';`,
      ),
    ).toEqual([]);
    // A commented-out import is not an import.
    expect(violations(at('model/llama.ts'), `// import { x } from '../train/step';`)).toEqual([]);
    expect(FORBIDDEN_IMPORTS.test(`import { create } from 'zustand';`)).toBe(true);
    expect(FORBIDDEN_IMPORTS.test(`import { readFileSync } from 'node:fs';`)).toBe(true);
    expect(FORBIDDEN_GLOBALS.test('document.body')).toBe(true);
    expect(FORBIDDEN_IMPORTS.test(`import * as tf from '@tensorflow/tfjs-core';`)).toBe(false);
  });
});
