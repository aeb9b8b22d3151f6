// The bench page: starts one worker per backend (tfjs runs there, as in the app), two for each
// all-reduce and one for ROUGE, collects their records, and exposes progress and the result on
// window.__bench for the driver (scripts/bench.mjs), which also streams the console.log lines.
// Imports only bench-only modules, so the page bundle shares no chunk with the main app.
import { allreduceLabel, formatReport } from './format';
import { parseOptions } from './options';
import { summarize } from './summary';
import type {
  AllreduceRecord,
  BackendEnv,
  BenchOptions,
  BenchResult,
  BenchState,
  FromBenchWorker,
  GenerateRecord,
  MatmulRecord,
  RougeRecord,
  StepAnatomy,
  ToBenchWorker,
  TokenAnatomy,
  TrainRecord,
  Transport,
} from './types';
import { errorMessage } from '../core/errors';

const state: BenchState = { state: 'running', progress: [], result: null, error: null };
(window as unknown as { __bench: BenchState }).__bench = state;
const logEl = document.getElementById('log');

function log(line: string): void {
  state.progress.push(line);
  console.log(`[bench] ${line}`);
  if (logEl) logEl.textContent += `${line}\n`;
}

const records = {
  about: { referenceWorkload: '', flopsFormula: '', notes: [] as string[] },
  backends: [] as BackendEnv[],
  matmul: [] as MatmulRecord[],
  train: [] as TrainRecord[],
  generate: [] as GenerateRecord[],
  anatomy: { steps: [] as StepAnatomy[], tokens: [] as TokenAnatomy[] },
  allreduce: [] as AllreduceRecord[],
  rouge: null as RougeRecord | null,
};

function collect(m: FromBenchWorker): void {
  if (m.type === 'progress') log(m.line);
  else if (m.type === 'about')
    records.about = { referenceWorkload: m.referenceWorkload, flopsFormula: m.flopsFormula, notes: m.notes };
  else if (m.type === 'env') records.backends.push(m.env);
  else if (m.type === 'matmul') records.matmul.push(m.record);
  else if (m.type === 'train') records.train.push(m.record);
  else if (m.type === 'generate') records.generate.push(m.record);
  else if (m.type === 'stepAnatomy') records.anatomy.steps.push(m.record);
  else if (m.type === 'tokenAnatomy') records.anatomy.tokens.push(m.record);
  else if (m.type === 'allreduce' && m.rank === 0) records.allreduce.push(m.record);
  else if (m.type === 'rouge') records.rouge = m.record;
}

const spawn = (name: string) => new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name });

/** Sends one job; resolves on 'done', rejects on an 'error' message or a worker that fails to load or crashes. */
function job(
  w: Worker,
  label: string,
  msg: ToBenchWorker,
  onMessage: (m: FromBenchWorker) => void = () => {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent<FromBenchWorker>) => {
      const m = e.data;
      if (m.type === 'done') resolve();
      else if (m.type === 'error') reject(new Error(`${label} worker: ${m.message}`));
      else {
        collect(m);
        onMessage(m);
      }
    };
    w.onerror = (e: ErrorEvent) =>
      reject(
        new Error(
          `${label} worker failed: ${e.message || 'could not load or crashed'} ${e.filename ?? ''}:${e.lineno ?? ''}`,
        ),
      );
    w.onmessageerror = () => reject(new Error(`${label} worker: a message could not be deserialised`));
    w.postMessage(msg);
  });
}

async function allreduce(transport: Transport, o: BenchOptions): Promise<void> {
  const world = 2;
  const floats = 4 << 20; // 16 MiB of float32
  const iters = o.quick ? 3 : transport === 'sab' ? 10 : 5;
  const channel = `bench-allreduce-${Date.now()}`;
  const workers = [0, 1].map((r) => spawn(`allreduce-${transport}-${r}`));
  const base = { type: 'allreduce' as const, transport, world, floats, iters, channel };
  log(`all-reduce ${transport}: 2 workers, 16 MiB float32, ${iters} iterations`);
  try {
    let rank1: Promise<void> | null = null;
    const start1 = (memory: WebAssembly.Memory | null) =>
      (rank1 = job(workers[1], `all-reduce ${transport} rank 1`, { ...base, rank: 1, memory }));
    // The SAB transport: rank 0 makes the group's shared memory, the page hands it to rank 1.
    const before = records.allreduce.length;
    const rank0 = job(workers[0], `all-reduce ${transport} rank 0`, { ...base, rank: 0, memory: null }, (m) => {
      if (m.type === 'group') start1(m.memory);
    });
    if (transport === 'broadcastchannel') start1(null);
    await rank0;
    if (!rank1) throw new Error(`all-reduce ${transport}: rank 1 never started (no group memory from rank 0)`);
    await rank1;
    for (const r of records.allreduce.slice(before))
      log(
        `all-reduce ${allreduceLabel(r)}: ${r.mbPerSec.toFixed(0)} MiB/s vs memcpy ${r.memcpyMbPerSec.toFixed(0)} MiB/s (${(r.ratio * 100).toFixed(1)}%)`,
      );
  } finally {
    for (const w of workers) w.terminate();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const o = parseOptions(location.search);
  const notes: string[] = [];
  log(
    `options: backends ${o.backends.join(',')}; sections ${o.sections.join(',')}; workloads ${o.workloads.join(',')}${o.quick ? '; quick' : ''}${o.full ? '; full' : ''}`,
  );
  const runsOnBackends = o.sections.some((s) => s === 'matmul' || s === 'train' || s === 'generate' || s === 'anatomy');
  if (runsOnBackends) {
    for (const backend of o.backends) {
      const w = spawn(`bench-${backend}`);
      try {
        await job(w, backend, { type: 'backend', backend, options: o });
      } finally {
        w.terminate(); // frees the backend's memory and wasm threads before the next one starts
      }
    }
  }
  if (o.sections.includes('allreduce')) {
    if (globalThis.crossOriginIsolated) {
      await allreduce('sab', o);
      notes.push(
        'all-reduce "sab" reduces each rank\'s registered array (sharedArray) in place, as training does, and is the row the target judges; "sab (copy)" passes private Float32Arrays (the copy path)',
      );
    } else notes.push('the page is not cross-origin isolated: the SharedArrayBuffer all-reduce was skipped');
    await allreduce('broadcastchannel', o);
  }
  if (o.sections.includes('rouge')) {
    const w = spawn('bench-rouge');
    try {
      log('rouge: scoring validation pairs');
      await job(w, 'rouge', { type: 'rouge', url: '/data/xsum/validation.jsonl', minMs: o.quick ? 500 : 2000 });
      if (records.rouge) log(`rouge: ${records.rouge.pairsPerSec.toFixed(0)} pairs/s (${records.rouge.source})`);
    } finally {
      w.terminate();
    }
  }
  if (records.train.some((t) => t.backend === 'webgpu') && records.train.some((t) => t.backend !== 'webgpu')) {
    notes.push('peak tensor bytes are engine-tracked and the same on every backend: profiled on wasm/cpu only');
  }
  const ua = navigator.userAgent;
  const partial: Omit<BenchResult, 'table'> = {
    startedAt,
    finishedAt: new Date().toISOString(),
    options: o,
    browser: {
      userAgent: ua,
      chromiumVersion: /(?:HeadlessChrome|Chromium|Chrome)\/([\d.]+)/.exec(ua)?.[1] ?? null,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    },
    flopsFormula: records.about.flopsFormula,
    referenceWorkload: records.about.referenceWorkload,
    backends: records.backends,
    matmul: records.matmul,
    train: records.train,
    generate: records.generate,
    anatomy: records.anatomy,
    allreduce: records.allreduce,
    rouge: records.rouge,
    summary: summarize(records.matmul, records.train, records.generate, records.allreduce),
    notes: [...records.about.notes, ...notes],
  };
  state.result = { ...partial, table: formatReport(partial) };
  state.state = 'done';
  log('done');
}

main().catch((e: unknown) => {
  state.error = errorMessage(e);
  state.state = 'error';
  console.error(`[bench] error: ${state.error}`);
  if (logEl) logEl.textContent += `ERROR: ${state.error}\n`;
});
