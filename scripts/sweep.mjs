#!/usr/bin/env node
// `npm run sweep -- --config sweep.json [--trials N] [--backend webgpu|wasm|cpu] [--workers W] [--out DIR]`
//
// Runs a hyperparameter sweep headless: builds the studio if dist/ is stale, serves it with vite
// preview on a free port, opens it in headless Chromium through playwright-core, and drives the
// page's own sweep (globalThis.__studio.sweep, src/app/headless.ts) — the same sweep session as
// the Sweep tab, so there is one sweep implementation and one config validator
// (src/sweep/studio/cli-config.ts, run in the page). Progress streams to stdout; page and worker errors
// to stderr. Writes DIR/study.json (the studio's export), DIR/trials.csv, DIR/best-params.json
// and the best model's export in DIR/best-model/. DIR is checked before anything starts (a file there,
// or a parent that cannot take it, is refused at once) and made when the results are written.
// Trials are numbered as Optuna numbers them and as study.json, trials.csv and the Sweep tab show
// them: #0, #1, …
//
// Exit status: 0 done; 1 the run failed (reason on stderr); 2 bad usage or a bad config file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildIfNeeded, Exit, freePort, openPage, sleep, startPreview } from './lib/host.mjs';
import { outDirProblem } from './lib/out-dir.mjs';

const POLL_MS = 1000;
const USAGE = `usage: npm run sweep -- --config sweep.json [--trials N] [--backend auto|webgpu|wasm|cpu] [--workers W] [--out DIR] [--port P] [--no-build]

  --config FILE   sweep config (JSON): name, trials, objective, sampler, pruner, seed, searchSpace, run
  --trials N      number of trials (overrides the file)
  --backend B     tfjs backend for every trial (overrides run.backend)
  --workers W     data-parallel replicas per trial (run.replicas; 0 = one per GPU adapter)
  --out DIR       the folder study.json, trials.csv, best-params.json and best-model/ go in (default sweep-out/<date>/)
  --port P        preview server port (default: a free one)
  --no-build      serve dist/ as it is, even when it is older than the sources

Trials are numbered from 0 (#0, #1, …), as in study.json, trials.csv and the Sweep tab.`;

const log = (line) => process.stdout.write(`${line}\n`);
const warn = (line) => process.stderr.write(`${line}\n`);

// ---- arguments and the config file --------------------------------------------------------------

function parseCli(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        trials: { type: 'string' },
        backend: { type: 'string' },
        workers: { type: 'string' },
        out: { type: 'string' },
        port: { type: 'string' },
        'no-build': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new Exit(2, `${e.message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    log(USAGE);
    process.exit(0);
  }
  if (!v.config) throw new Exit(2, `--config is required\n${USAGE}`);
  if (v.port !== undefined && !(/^\d+$/.test(v.port) && Number(v.port) >= 1 && Number(v.port) <= 65535)) {
    throw new Exit(2, `--port: must be an integer in [1, 65535], got ${JSON.stringify(v.port)}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const out = resolve(v.out ?? join('sweep-out', stamp));
  const problem = outDirProblem(out);
  if (problem) throw new Exit(2, `--out: ${problem} (give a folder; the results are written inside it)`);
  return {
    configPath: resolve(v.config),
    // Passed to the page as typed: cli-config.ts validates them and names the flag when one is bad.
    flags: { trials: v.trials, backend: v.backend, workers: v.workers },
    out,
    port: v.port === undefined ? null : Number(v.port),
    build: !v['no-build'],
  };
}

/** "at position 42" → "line 3, column 5" when the message does not say it already. */
function jsonErrorWhere(text, message) {
  const m = /position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1])).split('\n');
  return `${message} (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}

function readConfig(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Exit(2, `cannot read the config file ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Exit(2, `the config file ${path} is not valid JSON: ${jsonErrorWhere(text, e.message)}`);
  }
}

// ---- build, serve, browse -----------------------------------------------------------------------

async function openStudio(url, cleanups, pageErrors) {
  const page = await openPage({
    cleanups,
    onError: (kind, text) => {
      pageErrors.push(text);
      if (kind !== 'crash') warn(`page ${kind === 'console' ? 'error' : 'exception'}: ${text}`);
    },
  });
  await page.goto(`${url}#sweep`);
  await page
    .waitForFunction(() => globalThis.__studio?.sweep, null, { timeout: 60_000 })
    .catch(() => {
      throw new Exit(
        1,
        `the studio at ${url} has no headless sweep hook (globalThis.__studio.sweep) after 60 s${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''}`,
      );
    });
  // The sweep needs the default data: wait until the page knows whether the server has it.
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
  if (data.data === 'missing')
    throw new Exit(
      1,
      `no training data: ${data.label} (the preview server serves ../shared/data/xsum, or STUDIO_XSUM_DIR)`,
    );
  return { page };
}

// ---- progress ----------------------------------------------------------------------------------

const rougeLabel = (objective) => (objective === 'sum' ? 'ROUGE-sum' : objective.replace(/^rouge/, 'ROUGE-'));
const num = (x, digits) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
const paramsText = (params) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(', ');

/** `trial #0 of 3`: Optuna's 0-based number (as study.json and trials.csv), of the trials asked for. */
const trialOf = (number, s) => `trial #${number} of ${s.trials}`;

/** What a progress line reports apart from the ETA: a new line is printed only when this changes. */
const progressKey = (p) => (p ? `${p.trial}:${p.epoch}:${p.step}:${p.totalSteps}:${p.rouge}` : '');

function progressLine(s) {
  const p = s.progress;
  if (!p) return null;
  if (p.step === 0 && p.rouge === null)
    return `${p.trial < 0 ? 'final (best params)' : trialOf(p.trial, s)} preparing (data, tokenizer, model) ETA ${s.eta}`;
  const who = p.trial < 0 ? 'final (best params)' : trialOf(p.trial, s);
  const rouge = p.rouge === null ? '' : ` ${rougeLabel(s.objective)} ${num(p.rouge, 2)}`;
  const loss = p.loss === null ? '' : ` loss ${num(p.loss, 3)}`;
  return `${who} epoch ${Math.max(p.epoch, p.step > 0 ? 1 : 0)}/${p.epochs} step ${p.step}/${p.totalSteps || '?'}${loss}${rouge} ETA ${s.eta}`;
}

function trialLine(t, s) {
  const head = `${trialOf(t.number, s)} ${t.state}`;
  if (t.state === 'complete') return `${head}: ${rougeLabel(s.objective)} ${num(t.value, 3)} (${paramsText(t.params)})`;
  if (t.state === 'failed') return `${head}: ${t.failReason ?? 'no reason given'} (${paramsText(t.params)})`;
  return `${head} (${paramsText(t.params)})`;
}

/**
 * Which progress changes get a line: each run's "preparing" and first step, every evaluation, the
 * run's last step, and the newest change of every poll. So every run shows its steps however fast it
 * is (a tiny wasm trial can start and end between two polls), and a long one prints about a line a
 * second.
 */
function worthALine(e, prev, newest) {
  const p = e.progress;
  if (p.step === 0 && p.rouge === null) return !prev || prev.trial !== p.trial; // "preparing", once a run
  const firstStep = !prev || prev.trial !== p.trial || prev.step === 0;
  const evaluated = p.rouge !== null && (!prev || prev.rouge !== p.rouge || prev.trial !== p.trial);
  return firstStep || evaluated || p.step === p.totalSteps || newest;
}

/** Polls the page until the sweep ends, printing progress and each trial's end; returns the last status. */
async function follow(page, pageErrors) {
  let lastKey = '';
  let seen = 0; // the last progress entry read
  let prev = null;
  const reported = new Set();
  for (;;) {
    if (pageErrors.includes('the page crashed')) throw new Exit(1, 'the browser page crashed during the sweep');
    const s = await page.evaluate((since) => globalThis.__studio.sweep.status(since), seen);
    s.progressLog.forEach((e, i) => {
      const key = progressKey(e.progress);
      if (key !== lastKey && worthALine(e, prev, i === s.progressLog.length - 1)) {
        log(progressLine({ ...s, progress: e.progress, eta: e.eta }));
        lastKey = key;
      }
      prev = e.progress;
      seen = e.seq;
    });
    for (const t of s.results) {
      if (t.state === 'running' || reported.has(t.number)) continue;
      reported.add(t.number);
      log(trialLine(t, s));
    }
    if (s.done) return s;
    await sleep(POLL_MS);
  }
}

// ---- outputs -----------------------------------------------------------------------------------

async function writeOutputs(page, s, out) {
  mkdirSync(out, { recursive: true });
  const json = await page.evaluate((id) => globalThis.__studio.sweep.exportJSON(id), s.studyId);
  writeFileSync(join(out, 'study.json'), json.text);
  const csv = await page.evaluate((id) => globalThis.__studio.sweep.exportCSV(id), s.studyId);
  writeFileSync(join(out, 'trials.csv'), csv.text);
  log(`wrote ${join(out, 'study.json')} and ${join(out, 'trials.csv')}`);
  if (!s.best) return;
  const bestParams = { trial: s.best.number, value: s.best.value, objective: s.objective, params: s.best.params };
  writeFileSync(join(out, 'best-params.json'), `${JSON.stringify(bestParams, null, 2)}\n`);

  const modelDir = join(out, 'best-model');
  mkdirSync(modelDir, { recursive: true });
  // The model of the last finished run (the final training with the best params), when the page offers it.
  const files = await page.evaluate(async () => {
    const f = globalThis.__studio.trainedModelFiles;
    return typeof f === 'function' ? ((await f()) ?? null) : null;
  });
  if (files && Object.keys(files).length > 0) {
    for (const [name, b64] of Object.entries(files)) {
      // A file name from the page must not climb out of the output folder.
      const safe = basename(name);
      if (safe !== name || safe === '' || safe.startsWith('.'))
        throw new Exit(1, `the page offered a model file with an unsafe name: ${JSON.stringify(name)}`);
      writeFileSync(join(modelDir, safe), Buffer.from(b64, 'base64'));
    }
    log(`wrote the best model (${Object.keys(files).join(', ')}) to ${modelDir}`);
  } else {
    writeFileSync(join(modelDir, 'best-params.json'), `${JSON.stringify(bestParams, null, 2)}\n`);
    warn(
      `sweep: warning: the page exports no trained model (globalThis.__studio.trainedModelFiles is missing or returned null); wrote ${join(modelDir, 'best-params.json')} instead`,
    );
  }
}

// ---- main --------------------------------------------------------------------------------------

const cleanups = [];
let cleaning = null;
const cleanup = () => (cleaning ??= Promise.allSettled(cleanups.reverse().map((f) => f())));
let interrupted = null; // the signal that ended the run: main's own errors after it are its echo

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = sig;
    warn(`sweep: ${sig}: stopping the browser and the preview server`);
    void cleanup().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

async function main() {
  const args = parseCli(process.argv.slice(2));
  const config = readConfig(args.configPath);
  buildIfNeeded({ build: args.build, who: 'sweep', warn });
  const port = args.port ?? (await freePort());
  const url = await startPreview({ port, cleanups });
  log(`serving the studio at ${url}`);
  const pageErrors = [];
  const { page } = await openStudio(url, cleanups, pageErrors);

  const started = await page.evaluate(({ config, flags }) => globalThis.__studio.sweep.start(config, flags), {
    config,
    flags: Object.fromEntries(Object.entries(args.flags).filter(([, v]) => v !== undefined)),
  });
  if (started.issues) {
    throw new Exit(
      2,
      `invalid sweep config ${relative(process.cwd(), args.configPath) || args.configPath} (${started.issues.length} problem${started.issues.length === 1 ? '' : 's'}):\n${started.issues.map((i) => `  ${i}`).join('\n')}`,
    );
  }
  if (started.error) throw new Exit(1, `the sweep could not start: ${started.error}`);
  log(`study ${started.studyId} started`);

  const s = await follow(page, pageErrors);
  // Whatever happened, keep what the study holds.
  if (s.studyId) await writeOutputs(page, s, args.out);
  if (s.error)
    throw new Exit(
      1,
      `the sweep failed: ${s.error}${pageErrors.length ? `\npage errors:\n  ${pageErrors.join('\n  ')}` : ''}`,
    );
  if (s.status !== 'complete') throw new Exit(1, `the sweep ended ${s.status}, not complete`);
  if (!s.best) {
    const why = s.results
      .map((t) => `trial #${t.number} ${t.state}${t.failReason ? `: ${t.failReason}` : ''}`)
      .join('; ');
    throw new Exit(
      1,
      `no trial completed (${why || 'no trials ran'})${pageErrors.length ? `\npage errors:\n  ${pageErrors.join('\n  ')}` : ''}`,
    );
  }
  log(
    `best: trial #${s.best.number} ${rougeLabel(s.objective)} ${num(s.best.value, 3)} (${paramsText(s.best.params)})`,
  );
  log(`done: ${args.out}`);
}

let code = 0;
try {
  await main();
} catch (e) {
  code = e instanceof Exit ? e.code : 1;
  if (interrupted) await new Promise(() => {}); // the signal handler exits once cleanup is done
  warn(`sweep: ${e instanceof Exit ? e.message : (e?.stack ?? String(e))}`);
}
await cleanup();
process.exit(code);
