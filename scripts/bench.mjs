#!/usr/bin/env node
// `npm run bench`: builds the studio, serves it with `vite preview` (cross-origin isolated, with the
// app's CSP), opens /bench.html in headless Chromium through playwright-core, streams the page's
// progress lines, prints the report table and writes the whole result as JSON.
//
//   npm run bench -- [--backends webgpu,wasm,cpu] [--sections matmul,train,generate,anatomy,allreduce,rouge]
//                    [--workloads tiny,small,base,reference,smollm2-135m]
//                    [--quick | --full] [--out DIR] [--port N] [--timeout-min M] [--no-build]
//
// --out names a folder, as for `npm run sweep`: the result goes to DIR/bench.json (default
// bench-out/<date>/). A path ending in .json that is not an existing folder is still taken as the
// file itself, as before. Checked before building, so a bad path fails at once.
//
// It always builds (unless --no-build), into its own folder bench-out/dist: a benchmark of stale
// code is worse than 20 s of building, and a separate folder never swaps dist/ out from under an
// e2e run or a preview server someone else has open.
// Exits non-zero, saying why, on a page error, a worker error, a crash or the timeout.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM, portFree } from './lib/host.mjs';
import { outDirProblem } from './lib/out-dir.mjs';

const USAGE =
  'usage: npm run bench -- [--backends webgpu,wasm,cpu] [--sections matmul,train,generate,anatomy,allreduce,rouge] [--workloads tiny,small,base,reference,smollm2-135m] [--quick | --full] [--out DIR] [--port N] [--timeout-min M] [--no-build]\n\n  --out DIR   the folder bench.json goes in (default bench-out/<date>/; a path ending in .json is the file itself)';
// Same browser and flags as playwright.config.ts.
const BUILD_DIR = 'bench-out/dist';

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = {
    backends: null,
    sections: null,
    workloads: null,
    quick: false,
    full: false,
    out: null,
    port: null,
    timeoutMin: null,
    build: true,
  };
  const value = (i, name) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) fail(`${name} needs a value\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const take = () => (inline !== null ? inline : value(i++, flag));
    if (flag === '--backends') o.backends = take();
    else if (flag === '--sections') o.sections = take();
    else if (flag === '--workloads') o.workloads = take();
    else if (flag === '--quick') o.quick = true;
    else if (flag === '--full') o.full = true;
    else if (flag === '--out') o.out = take();
    else if (flag === '--port') o.port = Number(take());
    else if (flag === '--timeout-min') o.timeoutMin = Number(take());
    else if (flag === '--no-build') o.build = false;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument "${a}"\n${USAGE}`);
  }
  if (o.quick && o.full) fail('--quick and --full exclude each other');
  if (o.port !== null && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536))
    fail(`--port must be a TCP port, got ${o.port}`);
  if (o.timeoutMin !== null && !(o.timeoutMin > 0))
    fail(`--timeout-min must be a positive number of minutes, got ${o.timeoutMin}`);
  return o;
}

/** The first free port in 4400–4499 (BENCH_PORT or --port overrides). */
async function pickPort(wanted) {
  if (wanted) return wanted;
  for (let p = 4400; p < 4500; p++) if (await portFree(p)) return p;
  fail('no free port in 4400-4499 (pass --port)');
}

async function waitForServer(url, server, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (server.exitCode !== null) fail(`vite preview exited with code ${server.exitCode} before serving ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`vite preview did not answer at ${url} within ${ms / 1000} s`);
}

/** Which code was measured: the commit and the files changed since (read-only git queries). */
function codeVersion() {
  const git = (...args) => spawnSync('git', args, { encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: null, changedFiles: [] };
  const changed = git('status', '--porcelain')
    .stdout.split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3));
  return { commit: head.stdout.trim(), changedFiles: changed };
}

const o = parseArgs(process.argv.slice(2));
const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
/** --out DIR → DIR/bench.json; a .json path that is not a folder is the file itself (the old convention). */
function outFileOf(out) {
  const path = resolve(out ?? join('bench-out', stamp));
  const asFile = /\.json$/i.test(path) && !(existsSync(path) && statSync(path).isDirectory());
  const dir = asFile ? dirname(path) : path;
  const problem = outDirProblem(dir);
  if (problem) fail(`--out: ${problem} (give a folder; bench.json is written inside it)`);
  return asFile ? path : join(dir, 'bench.json');
}
const outFile = outFileOf(o.out);
const timeoutMs = (o.timeoutMin ?? (o.quick ? 15 : o.full ? 90 : 45)) * 60_000;

if (o.build) {
  console.log(`bench: building into ${BUILD_DIR}`);
  const b = spawnSync('npx', ['vite', 'build', '--outDir', BUILD_DIR, '--emptyOutDir', '--logLevel', 'error'], {
    stdio: 'inherit',
  });
  if (b.status !== 0) fail(`vite build failed (exit ${b.status})`);
}

const port = await pickPort(o.port ?? (process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) : null));
const origin = `http://127.0.0.1:${port}`;
const server = spawn(
  'npx',
  ['vite', 'preview', '--outDir', BUILD_DIR, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
);
let serverLog = '';
server.stdout.on('data', (d) => (serverLog += d));
server.stderr.on('data', (d) => (serverLog += d));
let browser = null;
let page = null;
const stopServer = () => {
  try {
    process.kill(-server.pid, 'SIGTERM'); // npx → node: the whole group this script started
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143)); // e.g. from timeout(1): still stop the server

async function run() {
  await waitForServer(`${origin}/bench.html`, server, 60_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  let failure = null;
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench] ')) console.log(`  ${text.slice(8)}`);
    else if (msg.type() === 'error') console.error(`  [console.error] ${text}`);
  });
  page.on('pageerror', (e) => (failure ??= `page error: ${e.message}`));
  page.on('crash', () => (failure ??= 'the page crashed (out of memory?)'));
  const q = new URLSearchParams();
  if (o.backends) q.set('backends', o.backends);
  if (o.sections) q.set('sections', o.sections);
  if (o.workloads) q.set('workloads', o.workloads);
  if (o.quick) q.set('quick', '1');
  if (o.full) q.set('full', '1');
  const url = `${origin}/bench.html${q.size ? `?${q}` : ''}`;
  console.log(`bench: ${url} in ${CHROMIUM} (timeout ${timeoutMs / 60_000} min)`);
  await page.goto(url);
  const deadline = Date.now() + timeoutMs;
  let st = null;
  for (;;) {
    if (failure) throw new Error(failure);
    st = await page.evaluate(() => {
      const b = window.__bench;
      return b ? { state: b.state, error: b.error } : null;
    });
    if (st?.state === 'error') throw new Error(st.error ?? 'the bench page reported an error');
    if (st?.state === 'done') break;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 60_000} min (last line: ${await page.evaluate(() => window.__bench?.progress.at(-1) ?? 'none')})`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
  const result = await page.evaluate(() => window.__bench.result);
  result.code = codeVersion();
  result.browser.version = browser.version(); // e.g. "1xx.0.xxxx.xx": the Chromium build itself
  result.browser.executable = CHROMIUM;
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const code = result.code.commit
    ? `code ${result.code.commit.slice(0, 8)}${result.code.changedFiles.length ? ` + ${result.code.changedFiles.length} changed file(s)` : ''}`
    : 'code: not a git checkout';
  console.log(`\n${result.table}\n\nbench: browser ${browser.version()}; ${code}; wrote ${outFile}`);
}

try {
  await run();
  await browser?.close();
  stopServer();
  process.exit(0);
} catch (e) {
  // Keep what was measured: the progress lines say how far it got.
  const progress = await page?.evaluate(() => window.__bench?.progress ?? []).catch(() => []);
  if (progress?.length) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify({ error: e.message, progress }, null, 2)}\n`);
    console.error(`bench: wrote the progress so far to ${outFile}`);
  }
  await browser?.close().catch(() => {});
  stopServer();
  if (serverLog && /error/i.test(serverLog)) console.error(serverLog);
  fail(e.message);
}
