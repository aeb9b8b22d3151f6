#!/usr/bin/env node
/* global process, fetch, setTimeout, console, window -- a Node script (dev/ is linted as browser code); window: page.evaluate callbacks */
// The tiny preset's first WebGPU training step in Chromium (SwiftShader here) under named variants
// of the bench page's switches (default: with and without the compile-only warm-up of
// src/train/precompile.ts), runs interleaved A B A B so a loaded machine's drift hits all alike. Each run is a fresh browser (a fresh GPU process and profile: no pipeline
// or shader cache carries over) on the bench page's anatomy section (tiny B8×T160); it stops at the
// anatomy line "first step …, steady step …" and prints it.
//
//   node dev/first-step-chromium.mjs [--rounds N] [--variants 'name:k=v&k=v|name:…'] [--port P] [--no-build]
//                                    [--page QUERY --until REGEX]
//
// --page/--until time something else the same way: --page 'sections=train&workloads=reference'
// --until 'webgpu train reference.*tokens/s' runs the bench page with that query (plus
// backends=webgpu&quick=1 and the variant's) and prints the first progress line matching REGEX.
// e.g. --variants 'tfjs:gemm=off|gemm:gemm=on' (bench/options.ts names the switches). Builds into
// bench-out/dist first, as npm run bench does.
import { spawn, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/lib/host.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const rounds = Number(arg('rounds', 2));
const variants = arg('variants', 'no-warm-up:|warm-up:precompile=1')
  .split('|')
  .map((v) => [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)]);
const port = Number(arg('port', 4380));
const pageQuery = arg('page', 'sections=anatomy&workloads=tiny');
const until = new RegExp(arg('until', '^webgpu anatomy tiny B\\d+×T\\d+.*first step'));
const DIST = 'bench-out/dist';

if (!process.argv.includes('--no-build')) {
  const b = spawnSync('npx', ['vite', 'build', '--outDir', DIST, '--emptyOutDir', '--logLevel', 'error'], {
    stdio: 'inherit',
  });
  if (b.status !== 0) process.exit(1);
}
const server = spawn(
  'npx',
  ['vite', 'preview', '--outDir', DIST, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  {
    stdio: 'ignore',
    detached: true,
  },
);
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
};
process.on('exit', stop);
const origin = `http://127.0.0.1:${port}`;
for (let i = 0; i < 120; i++) {
  try {
    if ((await fetch(`${origin}/bench.html`)).ok) break;
  } catch {
    /* not yet */
  }
  await new Promise((r) => setTimeout(r, 500));
}

async function once(query) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const lines = [];
    page.on('console', (m) => m.text().startsWith('[bench] ') && lines.push(m.text().slice(8)));
    const q = `backends=webgpu&quick=1&${pageQuery}${query ? `&${query}` : ''}`;
    await page.goto(`${origin}/bench.html?${q}`);
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline) {
      const hit = lines.find((l) => until.test(l));
      const err = await page.evaluate(() => window.__bench?.error ?? null);
      if (err) throw new Error(err);
      if (hit) return [...lines.filter((l) => /warm-up \d/.test(l)), hit];
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out; last lines: ${lines.slice(-3).join(' | ')}`);
  } finally {
    await browser.close();
  }
}

console.log(
  `chromium ${CHROMIUM_PATH}; ${rounds} round(s) of ${variants.map(([n, q]) => `${n} (${q || 'defaults'})`).join(', ')}`,
);
for (let r = 0; r < rounds; r++)
  for (const [name, query] of variants)
    for (const line of await once(query)) console.log(`round ${r + 1} ${name}: ${line}`);
stop();
process.exit(0);
