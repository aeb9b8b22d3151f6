// The engine (model, data, train, metrics) must run in Node and in a worker alike: no DOM, no React,
// no Node built-ins, and no reaching up into the shells (ui, store, workers).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENGINE = ['model', 'data', 'train', 'metrics', 'dist', 'sweep'].map((d) => join(__dirname, d));
const FORBIDDEN_IMPORTS = /from\s+['"](react|react-dom|zustand|recharts|node:[^'"]+|fs|path|\.\.\/(ui|store|workers)\/[^'"]*)['"]/;
// navigator is allowed: workers have one (WorkerNavigator), e.g. for storage quota estimates.
const FORBIDDEN_GLOBALS = /\b(document|window|localStorage|sessionStorage|HTMLElement|self)\s*[.[]/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'testdata' ? [] : sources(p); // test support may use Node
    // Tests and benchmarks run in Node only (vitest run / vitest bench): they may use Node.
    return /\.tsx?$/.test(f) && !/\.(test|bench)\.tsx?$/.test(f) ? [p] : [];
  });
}

// Comments may mention the DOM; only code counts.
const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('engine boundary', () => {
  const files = ENGINE.flatMap(sources);

  it('has engine sources to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('imports nothing from the DOM, React, Node or the shells', () => {
    const bad = files.flatMap((f) => {
      const code = stripComments(readFileSync(f, 'utf8'));
      const hits = [code.match(FORBIDDEN_IMPORTS)?.[0], code.match(FORBIDDEN_GLOBALS)?.[0]].filter(Boolean);
      return hits.map((h) => `${relative(__dirname, f)}: ${h}`);
    });
    expect(bad).toEqual([]);
  });

  it('the checks catch what they are meant to catch', () => {
    expect(FORBIDDEN_IMPORTS.test(`import { create } from 'zustand';`)).toBe(true);
    expect(FORBIDDEN_IMPORTS.test(`import x from '../ui/App';`)).toBe(true);
    expect(FORBIDDEN_IMPORTS.test(`import { readFileSync } from 'node:fs';`)).toBe(true);
    expect(FORBIDDEN_GLOBALS.test('document.body')).toBe(true);
    expect(FORBIDDEN_IMPORTS.test(`import * as tf from '@tensorflow/tfjs-core';`)).toBe(false);
  });
});
