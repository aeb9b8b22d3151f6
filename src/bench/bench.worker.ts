// The bench worker: tfjs runs here, as in the app's training worker. One worker per backend
// (a fresh tfjs engine and wasm thread pool each), two for an all-reduce, one for ROUGE.
// Every failure is posted back as an 'error' message: an exception in an async message
// handler is otherwise silent, and the page would wait until the driver's timeout.
/// <reference lib="webworker" />
import { measureAllreduce, makeGroupMemory } from './allreduce';
import { measureStepAnatomy, measureTokenAnatomy } from './anatomy';
import { startBackend } from './env';
import { setWebGPUMatmul } from '../kernels/path-mode';
import { FLOPS_FORMULA } from './flops';
import { measureGenerate } from './generate';
import { measureMatmul } from './matmul';
import { planFor } from './plan';
import { measureRouge } from './rouge';
import { measureTrain } from './train';
import { describeReference, smallVsReferenceNote } from './workloads';
import type { BackendName } from '../core/run-types';
import type { BenchOptions, FromBenchWorker, ToBenchWorker } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromBenchWorker) => scope.postMessage(m);
const log = (line: string) => post({ type: 'progress', line });

async function runBackend(backend: BackendName, options: BenchOptions): Promise<void> {
  const plan = planFor(options, backend);
  post({
    type: 'about',
    referenceWorkload: describeReference(),
    flopsFormula: FLOPS_FORMULA,
    notes: [smallVsReferenceNote()],
  });
  log(`${plan.backend}: starting the tfjs backend`);
  setWebGPUMatmul(options.gemm);
  if (options.gemm !== 'auto') log(`${plan.backend}: webgpu matmul switch ${options.gemm}`);
  const env = await startBackend(plan.backend);
  post({ type: 'env', env });
  if (!env.ok) {
    log(`${plan.backend}: unavailable — ${env.reason}`);
    return;
  }
  log(
    `${plan.backend}: ${env.adapter}${env.wasmThreads !== null ? `, ${env.wasmThreads} wasm thread(s)` : ''} (${env.initMs.toFixed(0)} ms to start)`,
  );
  if (plan.matmul) {
    await measureMatmul(plan.backend, plan.matmul, (record) => {
      log(
        `${plan.backend} matmul ${record.variant} ${record.batch > 1 ? `${record.batch}×` : ''}${record.n}: ${record.gflops.toFixed(2)} GFLOP/s (best of ${record.reps})`,
      );
      post({ type: 'matmul', record });
    });
  }
  for (const w of plan.train) post({ type: 'train', record: await measureTrain(plan.backend, w, log) });
  if (plan.generate) {
    const record = await measureGenerate(plan.backend, plan.generate, log);
    log(
      `${plan.backend} generate ${record.preset}: ${record.cachedTokensPerSec.toFixed(1)} vs ${record.recomputeTokensPerSec.toFixed(1)} tokens/s (${record.speedup.toFixed(1)}×)`,
    );
    post({ type: 'generate', record });
  }
  if (plan.anatomy) {
    for (const w of plan.anatomy.train)
      post({ type: 'stepAnatomy', record: await measureStepAnatomy(w, log, options.precompile) });
    const t = plan.anatomy.token;
    post({ type: 'tokenAnatomy', record: await measureTokenAnatomy(t.preset, t.promptTokens, log) });
  }
}

async function handle(m: ToBenchWorker): Promise<void> {
  if (m.type === 'backend') await runBackend(m.backend, m.options);
  else if (m.type === 'allreduce') {
    let memory = m.memory;
    if (m.transport === 'sab' && m.rank === 0 && !memory) {
      memory = makeGroupMemory(m.world);
      post({ type: 'group', memory });
    }
    for (const record of await measureAllreduce({ ...m, memory })) post({ type: 'allreduce', record, rank: m.rank });
  } else if (m.type === 'rouge') post({ type: 'rouge', record: await measureRouge(m.url, m.minMs) });
  else throw new Error(`bench worker: unknown message ${JSON.stringify((m as { type?: unknown }).type)}`);
}

scope.onmessage = (e: MessageEvent<ToBenchWorker>) => {
  handle(e.data).then(
    () => post({ type: 'done' }),
    (err: unknown) =>
      post({ type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) }),
  );
};
