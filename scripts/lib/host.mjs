// What the headless drivers (sweep.mjs, soak.mjs, bench.mjs) share: building the studio when the
// build is older than its sources, serving it with `vite preview`, and the Chromium they drive.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chromiumArgs from './chromium-args.json' with { type: 'json' };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
// One list of flags for these drivers and playwright.config.ts: WebGPU on where the browser has it,
// nothing fetched in the background.
export const CHROMIUM_ARGS = chromiumArgs;

/**
 * Headless Chromium with one page; the browser closes through cleanups. onError(kind, text) hears
 * the page's console errors ('console'), uncaught exceptions ('exception') and a crash ('crash').
 */
export async function openPage({ cleanups, onError }) {
  if (!existsSync(CHROMIUM_PATH))
    throw new Exit(1, `no Chromium at ${CHROMIUM_PATH}: install chromium or set CHROMIUM_PATH`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  cleanups.push(() => browser.close().catch(() => {}));
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && onError('console', m.text()));
  page.on('pageerror', (e) => onError('exception', e.message));
  page.on('crash', () => onError('crash', 'the page crashed'));
  return page;
}

/** An error that ends the script with this exit code and message. */
export class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True when nothing listens on 127.0.0.1:port. */
export const portFree = (port) =>
  new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });

/** A port nothing listens on now. */
export const freePort = () =>
  new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });

// Tests and benchmarks are not part of the build: editing one does not make a build stale.
const NOT_BUILT = /\.(test|bench)\.tsx?$/;

/** The newest built-from file under the given paths (recursively): [mtimeMs, path]. */
function newest(paths) {
  let best = [0, ''];
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) visit(join(p, f));
    else if (!NOT_BUILT.test(p) && st.mtimeMs > best[0]) best = [st.mtimeMs, p];
  };
  paths.forEach(visit);
  return best;
}

/**
 * Runs `vite build` (into outDir) when the build is missing or older than a source file; with
 * build false only warns. Build output goes to stderr: stdout is the driver's progress.
 */
export function buildIfNeeded({ build, outDir = join(ROOT, 'dist'), who, warn }) {
  const builtAt = join(outDir, 'index.html');
  const name = relative(ROOT, outDir) || outDir;
  let why = null;
  if (!existsSync(builtAt)) why = `${name} is missing`;
  else {
    const [srcTime, srcFile] = newest(
      ['src', 'index.html', 'bench.html', 'public', 'vite.config.ts'].map((p) => join(ROOT, p)),
    );
    if (srcTime > statSync(builtAt).mtimeMs) why = `${name} is older than ${relative(ROOT, srcFile)}`;
  }
  if (!why) return;
  if (!build) {
    if (!existsSync(builtAt))
      throw new Exit(1, `${name} is missing and --no-build was given: run once without --no-build`);
    warn(`${who}: warning: ${why}; serving it anyway (--no-build)`);
    return;
  }
  warn(`${who}: ${why}: running vite build --outDir ${name}`);
  const r = spawnSync(process.execPath, [VITE, 'build', '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0) throw new Exit(1, `vite build failed (exit ${r.status ?? r.signal})`);
}

/**
 * `vite preview` of outDir on port, in its own process group (so it and its children end
 * together, by a function pushed on cleanups); resolves with its URL once it answers.
 */
export async function startPreview({ port, outDir = join(ROOT, 'dist'), cleanups }) {
  const child = spawn(
    process.execPath,
    [VITE, 'preview', '--outDir', outDir, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  cleanups.push(() => {
    if (exited !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (exited !== null) throw new Exit(1, `vite preview exited (${exited}) before serving:\n${output.trim()}`);
    try {
      if ((await fetch(url)).ok) return url;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Exit(1, `vite preview did not answer at ${url} within 60 s:\n${output.trim()}`);
}
