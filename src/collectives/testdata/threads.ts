// Runs a collective script with one rank per worker_threads thread. Node 20 cannot import
// TypeScript in a worker, so the transport's modules (which import only each other by design) are
// transpiled with the project's own TypeScript into temp .mjs files that the fixture imports: the
// threads run the real code, not a port.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import type { Step } from './conformance';

/**
 * Several modules that import only each other, transpiled side by side into one temp folder (by
 * base name), each relative import pointed at its transpiled .mjs; `url` is the first's. Throws
 * when a module imports anything outside the list (the threads would then run something other than
 * the real code).
 */
export function transpiledFiles(files: URL[]): { url: string; cleanup: () => void } {
  const out = mkdtempSync(join(tmpdir(), 'dist-collective-'));
  const base = (u: URL) => u.pathname.split('/').pop()!.replace(/\.ts$/, '');
  const listed = new Set(files.map((u) => u.href));
  for (const file of files) {
    const name = base(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true },
    }).outputText;
    const rewritten = js.replace(/from '([^']*)'/g, (_, spec: string) => {
      const target = spec.startsWith('.') ? new URL(`${spec}.ts`, file) : null;
      if (!target || !listed.has(target.href))
        throw new Error(
          `${name}.ts imports '${spec}', which is not among the transpiled files (${files.map(base).join(', ')}): add it, or keep the module import-free`,
        );
      return `from './${base(target)}.mjs'`;
    });
    if (/\bimport\s*\(/.test(rewritten))
      throw new Error(`${name}.ts has a dynamic import: the transpiled copy cannot follow it`);
    writeFileSync(join(out, `${name}.mjs`), rewritten);
  }
  return {
    url: pathToFileURL(join(out, `${base(files[0])}.mjs`)).href,
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}

/** sab-collective.ts and the files it imports, transpiled for worker_threads. */
export const transpiledSab = () =>
  transpiledFiles(
    [
      '../sab-collective.ts',
      '../sab-copy-path.ts',
      '../sab-group.ts',
      '../sab-barrier.ts',
      '../../kernels/wasm/shared-sum.ts',
      '../../kernels/wasm/sum.ts',
      '../../kernels/wasm/asm.ts',
    ].map((p) => new URL(p, import.meta.url)),
  );

export interface ThreadRun {
  transport: 'sab' | 'channel';
  moduleUrl: string;
  world: number;
  script: Step[];
  memory?: WebAssembly.Memory; // the 'sab' transport's group (createSabGroup)
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
