// Runs a collective script with one rank per worker_threads thread. Node 20 cannot import
// TypeScript in a worker, so the transport module (self-contained by design) is transpiled with
// the project's own TypeScript into a temp .mjs that the fixture imports: the threads run the
// real code, not a port.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import type { Step } from './conformance';

export function transpiled(tsFile: URL): { url: string; cleanup: () => void } {
  const js = ts.transpileModule(readFileSync(tsFile, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true },
  }).outputText;
  const dir = mkdtempSync(join(tmpdir(), 'dist-collective-'));
  const file = join(dir, 'module.mjs');
  writeFileSync(file, js);
  return { url: pathToFileURL(file).href, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ThreadRun {
  transport: 'sab' | 'channel';
  moduleUrl: string;
  world: number;
  script: Step[];
  sab?: SharedArrayBuffer;
  name?: string;
  chunkFloats?: number;
}

/** Outputs per rank, each rank in its own thread. */
export function runInThreads(run: ThreadRun): Promise<Float32Array[][]> {
  const fixture = new URL('./collective-worker.mjs', import.meta.url);
  return Promise.all(
    Array.from({ length: run.world }, (_, rank) => {
      const w = new Worker(fixture, { workerData: { ...run, rank } });
      return new Promise<Float32Array[]>((resolve, reject) => {
        w.once('message', (m: { outputs: Float32Array[] }) => resolve(m.outputs));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`rank ${rank} thread exited with code ${code} before reporting`)));
      });
    }),
  );
}
