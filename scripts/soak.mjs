#!/usr/bin/env node
// `npm run soak -- [--minutes 30] [--port P] [--out FILE] [--sample-sec 10] [--view train|sweep] [--no-build]`
//
// A long headless sweep to show that nothing leaks across trials (not a CI test: it takes as long as
// you ask). Builds the studio into a private folder (<tmpdir>/studio-soak/dist, when older than the
// sources: a rebuild of the shared dist/ mid-soak renames the worker's asset and fails every later
// trial with "script error"), serves it with vite preview on a free port in
// 4460-4479, opens it in headless Chromium (playwright-core, the browser and flags of
// playwright.config.ts) and starts, through the page's own hook (globalThis.__studio.sweep,
// src/app/headless.ts), a sweep of many short trials (tiny preset, wasm, 8 samples, 1 epoch). Until
// the time is up it records:
//   - every ~10 s: the page's JS heap (CDP Performance.getMetrics) and the live workers;
//   - at the end of each trial, after a forced GC (CDP HeapProfiler.collectGarbage): the heap, the
//     workers alive, and the worker's tf.memory() (numTensors, numBytes) when the worker reports it
//     on its 'done' message (seen by wrapping the page's Worker; absent fields are reported as "-").
// Then it stops the sweep, writes a JSON report and prints a per-trial table with a verdict:
// flat = for each series, the max over the last trials is within 10% of the max over the first ones.
//
// Exit status: 0 flat; 1 something grew, or the run failed; 2 bad usage.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildIfNeeded, Exit, openPage, portFree, sleep, startPreview } from './lib/host.mjs';
import { heapGrowth, heapSummary } from './lib/heap-snapshot.mjs';

const BUILD_DIR = join(tmpdir(), 'studio-soak', 'dist'); // private: see the top of the file
const PORTS = [4460, 4479]; // this script's range: other tools use 4173/5173 and their own ranges
const TOLERANCE = 0.1; // "flat": last trials' max ≤ (1 + TOLERANCE) × first trials' max
// Many short trials: the point is the count of trials, not what they learn.
const SOAK_CONFIG = {
  name: 'soak',
  trials: 10_000, // more than any soak finishes; the script stops the sweep when time is up
  sampler: 'random',
  pruner: 'nop',
  seed: 1,
  searchSpace: {
    learning_rate: { type: 'float', low: 1e-5, high: 1e-3, log: true },
    per_device_train_batch_size: { type: 'categorical', choices: [2, 4] },
  },
  run: { preset: 'tiny', epochs: 1, maxTrainSamples: 8, validationSize: 2, backend: 'wasm' },
};
const HEAP_DIFF_AFTER = 20; // --heap-diff's first snapshot: after this many trials, once warm
const USAGE = `usage: npm run soak -- [--minutes N] [--port P] [--out FILE] [--sample-sec S] [--view V] [--heap-diff] [--no-build]

  --minutes N      how long to keep starting trials (default 30)
  --port P         preview server port (default: the first free one in ${PORTS[0]}-${PORTS[1]})
  --out FILE       the JSON report (default <tmpdir>/studio-soak/soak-<date>.json)
  --sample-sec S   seconds between heap/worker samples (default 10)
  --view V         the tab shown while it runs: train (default; the sweep dashboard, which rightly
                   grows by a table row and chart points per trial, is unmounted) or sweep
  --heap-diff      take heap snapshots after trial ${HEAP_DIFF_AFTER} and at the end, and print what grew
                   between them, by constructor (a few seconds per snapshot)
  --no-build       serve the last soak build as it is, even when older than the sources`;

const log = (line) => process.stdout.write(`${line}\n`);
const warn = (line) => process.stderr.write(`${line}\n`);

function parseCli(argv) {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string' },
        port: { type: 'string' },
        out: { type: 'string' },
        'sample-sec': { type: 'string' },
        view: { type: 'string' },
        'no-build': { type: 'boolean' },
        'heap-diff': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new Exit(2, `${e.message}\n${USAGE}`);
  }
  if (v.help) {
    log(USAGE);
    process.exit(0);
  }
  const positive = (flag, text, fallback) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!(Number.isFinite(n) && n > 0))
      throw new Exit(2, `--${flag}: must be a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
  const port = v.port === undefined ? null : Number(v.port);
  if (port !== null && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw new Exit(2, `--port: must be an integer in [1, 65535], got ${JSON.stringify(v.port)}`);
  const view = v.view ?? 'train';
  if (view !== 'train' && view !== 'sweep')
    throw new Exit(2, `--view: must be train or sweep, got ${JSON.stringify(v.view)}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  return {
    minutes: positive('minutes', v.minutes, 30),
    sampleSec: positive('sample-sec', v['sample-sec'], 10),
    port,
    out: resolve(v.out ?? join(tmpdir(), 'studio-soak', `soak-${stamp}.json`)), // outside the repo: nothing to ignore or commit
    build: !v['no-build'],
    view,
    heapDiff: v['heap-diff'] === true,
  };
}

// ---- build and serve (as scripts/sweep.mjs does) -------------------------------------------------

async function pickPort() {
  for (let p = PORTS[0]; p <= PORTS[1]; p++) if (await portFree(p)) return p;
  throw new Exit(1, `no free port in ${PORTS[0]}-${PORTS[1]}; pass --port`);
}

// Runs in the page before its scripts: counts workers and keeps each 'done' message's tf.memory()
// fields (numTensors, numBytes), which the page's own state does not hold.
function watchWorkers() {
  const w = (globalThis.__soak = { created: 0, terminated: 0, done: [] });
  const Base = globalThis.Worker;
  globalThis.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      w.created += 1;
      this.addEventListener('message', (ev) => {
        const m = ev.data;
        if (m && typeof m === 'object' && m.type === 'done') {
          w.done.push({
            at: Date.now(),
            rank: m.rank ?? 0,
            numTensors: typeof m.numTensors === 'number' ? m.numTensors : null,
            numBytes: typeof m.numBytes === 'number' ? m.numBytes : null,
          });
        }
      });
    }
    terminate() {
      w.terminated += 1;
      super.terminate();
    }
  };
}

async function openStudio(url, cleanups, pageErrors) {
  const page = await openPage({ cleanups, onError: (_, text) => pageErrors.push(text) });
  // A worker's own errors (e.g. why a trial's worker failed) are not page console messages.
  page.on('worker', (w) =>
    w.on('console', (m) => m.type() === 'error' && pageErrors.push(`worker ${w.url().split('/').pop()}: ${m.text()}`)),
  );
  await page.addInitScript(watchWorkers);
  await page.goto(`${url}#sweep`);
  await page
    .waitForFunction(() => globalThis.__studio?.sweep, null, { timeout: 60_000 })
    .catch(() => {
      throw new Exit(
        1,
        `the studio has no headless sweep hook (globalThis.__studio.sweep) after 60 s${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''}`,
      );
    });
  const data = await page
    .waitForFunction(
      () => {
        const s = globalThis.__studio.sweep.status();
        return s.data !== 'checking' && { data: s.data, label: s.dataLabel };
      },
      null,
      { timeout: 60_000, polling: 250 },
    )
    .then((h) => h.jsonValue());
  if (data.data === 'missing') throw new Exit(1, `no training data: ${data.label}`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return { page, cdp };
}

// ---- measuring ---------------------------------------------------------------------------------

const MB = 1024 * 1024;

async function heap(cdp, gc) {
  if (gc) await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return {
    usedMB: m.JSHeapUsedSize / MB,
    totalMB: m.JSHeapTotalSize / MB,
    listeners: m.JSEventListeners ?? null,
    nodes: m.Nodes ?? null,
  };
}

async function sample(page, cdp, gc) {
  const h = await heap(cdp, gc);
  const w = await page.evaluate(() => ({
    created: globalThis.__soak.created,
    terminated: globalThis.__soak.terminated,
    done: globalThis.__soak.done.length,
  }));
  return { ...h, workersAlive: page.workers().length, workersCreated: w.created, workersTerminated: w.terminated };
}

/** Max of the first and of the last k values (k = a quarter, 1 to 5) and whether the last stay within tolerance. */
function trend(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length < 2) return { n: v.length, first: null, last: null, flat: null };
  const k = Math.max(1, Math.min(5, Math.floor(v.length / 4)));
  const first = Math.max(...v.slice(0, k));
  const last = Math.max(...v.slice(-k));
  // Least-squares growth per trial, to tell a steady leak from noise between the two ends.
  const mx = (v.length - 1) / 2;
  const my = v.reduce((a, b) => a + b, 0) / v.length;
  const slope = v.reduce((a, y, x) => a + (x - mx) * (y - my), 0) / v.reduce((a, _, x) => a + (x - mx) ** 2, 0);
  return { n: v.length, k, first, last, slopePerTrial: slope, flat: last <= first * (1 + TOLERANCE) + 1e-9 };
}

const f = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const pad = (s, n) => String(s).padStart(n);

// ---- main --------------------------------------------------------------------------------------

const cleanups = [];
let cleaning = null;
const cleanup = () => (cleaning ??= Promise.allSettled(cleanups.reverse().map((fn) => fn())));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    warn(`soak: ${sig}: stopping the browser and the preview server`);
    void cleanup().then(() => process.exit(130));
  });
}

async function main() {
  const args = parseCli(process.argv.slice(2));
  buildIfNeeded({ build: args.build, outDir: BUILD_DIR, who: 'soak', warn });
  const port = args.port ?? (await pickPort());
  const url = await startPreview({ port, outDir: BUILD_DIR, cleanups });
  const pageErrors = [];
  const { page, cdp } = await openStudio(url, cleanups, pageErrors);
  log(
    `soak: ${args.minutes} min of tiny wasm trials at ${url} (${args.view} tab shown); samples every ${args.sampleSec} s`,
  );

  const started = await page.evaluate((config) => globalThis.__studio.sweep.start(config), SOAK_CONFIG);
  if (started.issues) throw new Exit(1, `the soak config was refused: ${started.issues.join('; ')}`);
  if (started.error) throw new Exit(1, `the sweep could not start: ${started.error}`);
  // The sweep runs in the store, whichever tab shows; on the Train tab the page's own growth per
  // trial (the dashboard's rows and points) is out of the heap figures, so what grows is a leak.
  if (args.view === 'train') await page.evaluate(() => (window.location.hash = ''));

  const t0 = Date.now();
  const deadline = t0 + args.minutes * 60_000;
  const samples = [];
  const trials = [];
  const seen = new Set();
  let nextSample = 0;
  let lastEnd = t0;
  let stopping = false;
  let early = null; // --heap-diff's first snapshot
  log(
    `${pad('trial', 5)} ${pad('state', 9)} ${pad('sec', 6)} ${pad('tensors', 8)} ${pad('MB(tf)', 8)} ${pad('heapMB', 8)} ${pad('workers', 7)}`,
  );
  for (;;) {
    if (pageErrors.includes('the page crashed')) throw new Exit(1, 'the page crashed during the soak');
    const now = Date.now();
    if (!stopping && now >= deadline) {
      stopping = true;
      await page.evaluate(() => globalThis.__studio.sweep.stop());
    }
    const s = await page.evaluate(() => globalThis.__studio.sweep.status());
    const finished = s.results.filter((t) => t.state !== 'running' && !seen.has(t.number));
    if (finished.length > 0) {
      const done = await page.evaluate(() => globalThis.__soak.done);
      const m = await sample(page, cdp, true);
      const fp = await page.evaluate(() => globalThis.__studio.sweep.footprint());
      if (args.heapDiff && !early && seen.size + finished.length >= HEAP_DIFF_AFTER)
        early = { trials: seen.size + finished.length, summary: await heapSummary(cdp) };
      for (const t of finished) {
        seen.add(t.number);
        // The trial's own fields when the page reports them; else the last worker 'done' message.
        const last = done.length ? done[done.length - 1] : null;
        const row = {
          trial: t.number,
          state: t.state,
          value: t.value,
          seconds: (Date.now() - lastEnd) / 1000,
          numTensors: t.numTensors ?? last?.numTensors ?? null,
          numBytes: t.numBytes ?? last?.numBytes ?? null,
          heapUsedMB: m.usedMB,
          workersAlive: m.workersAlive,
          listeners: m.listeners,
          nodes: m.nodes,
          failReason: t.failReason ?? null,
          studyKB: fp.studyChars / 1024,
          viewKB: fp.viewChars / 1024,
        };
        lastEnd = Date.now();
        trials.push(row);
        log(
          `${pad(row.trial, 5)} ${pad(row.state, 9)} ${pad(f(row.seconds), 6)} ${pad(row.numTensors ?? '-', 8)} ${pad(f(row.numBytes === null ? null : row.numBytes / MB, 2), 8)} ${pad(f(row.heapUsedMB), 8)} ${pad(row.workersAlive, 7)}`,
        );
      }
    }
    if (now >= nextSample) {
      samples.push({ sec: (now - t0) / 1000, trialsFinished: seen.size, ...(await sample(page, cdp, false)) });
      nextSample = now + args.sampleSec * 1000;
    }
    if (s.done || (stopping && now > deadline + 180_000)) break;
    await sleep(1000);
  }

  // After the stop: nothing may be left running.
  await sleep(2000);
  const end = await sample(page, cdp, true);
  const hasTf = trials.some((t) => t.numTensors !== null);
  const heapDiff = early
    ? { fromTrial: early.trials, toTrial: trials.length, growth: heapGrowth(early.summary, await heapSummary(cdp)) }
    : null;
  const verdict = {
    heapUsedMB: trend(trials.map((t) => t.heapUsedMB)),
    numTensors: hasTf
      ? trend(trials.map((t) => t.numTensors))
      : { flat: null, note: "the worker's 'done' message carries no numTensors/numBytes yet" },
    numBytes: hasTf ? trend(trials.map((t) => t.numBytes)) : { flat: null },
    workersAliveAfterStop: end.workersAlive,
    // Informational, not in the verdict: the Sweep tab draws one more table row and chart point per trial.
    domNodes: trend(trials.map((t) => t.nodes)),
    // Informational: what the page keeps of the sweep on purpose (the study's trials, curves and
    // samples, and the dashboard's view of them), to set beside the heap's growth per trial.
    studyKB: trend(trials.map((t) => t.studyKB)),
    viewKB: trend(trials.map((t) => t.viewKB)),
    eventListeners: trend(trials.map((t) => t.listeners)),
  };
  const flat =
    verdict.heapUsedMB.flat !== false &&
    verdict.numTensors.flat !== false &&
    verdict.numBytes.flat !== false &&
    end.workersAlive === 0;
  const report = {
    minutes: args.minutes,
    view: args.view,
    config: SOAK_CONFIG,
    startedAt: new Date(t0).toISOString(),
    wallSec: (Date.now() - t0) / 1000,
    trials,
    samples,
    end,
    verdict: { ...verdict, flat, tolerance: TOLERANCE },
    heapDiff,
    pageErrors: pageErrors.slice(0, 50),
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);

  const states = trials.reduce((a, t) => ((a[t.state] = (a[t.state] ?? 0) + 1), a), {});
  log(
    `\n${trials.length} trials in ${f(report.wallSec / 60)} min (${
      Object.entries(states)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'none'
    })`,
  );
  log(`heap samples (MB used, every ${args.sampleSec} s): ${samples.map((x) => f(x.usedMB)).join(' ')}`);
  log(
    `workers alive per sample: ${samples.map((x) => x.workersAlive).join(' ')}; after stop: ${end.workersAlive} (created ${end.workersCreated}, terminated ${end.workersTerminated})`,
  );
  const say = (name, t, unit = '') =>
    t.flat === null || t.flat === undefined
      ? `${name}: n/a${t.note ? ` (${t.note})` : ''}`
      : `${name}: first ${t.k} trials max ${f(t.first, 2)}${unit}, last ${t.k} max ${f(t.last, 2)}${unit}, trend ${t.slopePerTrial >= 0 ? '+' : ''}${f(t.slopePerTrial, 3)}${unit}/trial → ${t.flat ? 'flat' : 'GROWING'}`;
  log(say('heap after GC', verdict.heapUsedMB, ' MB'));
  const perTrial = (t) => (t.slopePerTrial === undefined ? 'n/a' : `${f(t.slopePerTrial, 2)} KB/trial`);
  log(
    `kept on purpose (JSON): study ${perTrial(verdict.studyKB)}, dashboard view ${perTrial(verdict.viewKB)}; heap ${verdict.heapUsedMB.slopePerTrial === undefined ? 'n/a' : `${f(verdict.heapUsedMB.slopePerTrial * 1024, 2)} KB/trial`}`,
  );
  log(
    `${say('DOM nodes', verdict.domNodes)}; ${say('event listeners', verdict.eventListeners)} (informational${args.view === 'sweep' ? ': the dashboard grows by one trial each time' : ''})`,
  );
  if (heapDiff) {
    log(`heap growth from trial ${heapDiff.fromTrial} to ${heapDiff.toTrial} (self sizes after GC), largest first:`);
    for (const g of heapDiff.growth)
      log(`  ${pad(f(g.bytes / 1024, 1), 9)} KB ${pad(g.count >= 0 ? `+${g.count}` : g.count, 8)}  ${g.key}`);
  }
  log(say('tf tensors', verdict.numTensors));
  log(say('tf bytes', verdict.numBytes));
  const reasons = trials
    .filter((t) => t.state === 'failed')
    .reduce(
      (a, t) => a.set(t.failReason ?? 'no reason given', (a.get(t.failReason ?? 'no reason given') ?? 0) + 1),
      new Map(),
    );
  if (reasons.size) log(`failed trials: ${[...reasons].map(([why, n]) => `${n} × ${why}`).join('; ')}`);
  if (pageErrors.length) warn(`page errors (${pageErrors.length}): ${pageErrors.slice(0, 5).join(' | ')}`);
  log(`verdict: ${flat ? 'FLAT' : 'NOT FLAT'} (within ${TOLERANCE * 100}%); report: ${args.out}`);
  if (trials.length < 2) throw new Exit(1, `only ${trials.length} trial(s) finished: too few to judge; run longer`);
  // Failed trials still show the page's heap, but not a trained model's tensors: say the soak did not train.
  if (states.complete === undefined || states.complete < 2)
    throw new Exit(
      1,
      `only ${states.complete ?? 0} trial(s) completed: the soak did not exercise training (see the failed trials above)`,
    );
  return flat ? 0 : 1;
}

let code = 0;
try {
  code = await main();
} catch (e) {
  code = e instanceof Exit ? e.code : 1;
  warn(`soak: ${e instanceof Exit ? e.message : (e?.stack ?? String(e))}`);
}
await cleanup();
process.exit(code);
