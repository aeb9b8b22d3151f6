// One Train click's run (defaultSpec, the shared XSum sample) on tfjs-backend-wasm in Node, to choose
// the fresh presets' defaults by measurement: loss, ROUGE, sample predictions, wall and CPU time.
// Skipped unless FRESH_RUN is set (an epoch of 'small' takes ~8 minutes of one core):
//   FRESH_RUN=1 TAG=b LR=2e-3 EPOCHS=1 npx vitest run dev/fresh-defaults.test.ts
// Env (each overrides defaultSpec): PRESET, LR, EPOCHS, BS, TOI (auto|on|off), SRC (max source
// length), MAXSTEPS, VAL (validation size), BACKEND (wasm|cpu); OUT (JSON path; /tmp/fresh-TAG.json).
// Node runs the single-threaded SIMD wasm binary (no threads there), so CPU time ≈ idle wall time.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { shareIdentityOnWasm } from '../src/kernels/wasm/identity';
import { readSharedText } from '../src/testing/shared';
import { runTraining } from '../src/train/run';
import { readRunData } from '../src/train/run-data';
import { defaultSpec, type RunSpec } from '../src/train/spec';
import type { PresetName } from '../src/model/config';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');

it.skipIf(!process.env.FRESH_RUN)(
  'one default-like run, measured',
  async () => {
    await tf.setBackend(process.env.BACKEND ?? 'wasm');
    await tf.ready();
    if (tf.getBackend() === 'wasm') shareIdentityOnWasm();
    const env = process.env;
    const base = defaultSpec((env.PRESET ?? 'small') as PresetName);
    const spec: RunSpec = {
      ...base,
      backend: 'wasm',
      learningRate: Number(env.LR ?? base.learningRate),
      epochs: Number(env.EPOCHS ?? base.epochs),
      trainOnInputs: (env.TOI ?? base.trainOnInputs) as RunSpec['trainOnInputs'],
      maxSourceLength: Number(env.SRC ?? base.maxSourceLength),
      batchSize: Number(env.BS ?? base.batchSize),
      maxSteps: Number(env.MAXSTEPS ?? 0),
      validationSize: Number(env.VAL ?? base.validationSize),
    };
    const data = readRunData(
      {
        train: { name: 'train.jsonl', text: readSharedText('data/xsum/train.jsonl') },
        validation: { name: 'validation.jsonl', text: readSharedText('data/xsum/validation.jsonl') },
      },
      () => {},
    );
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const steps: { step: number; loss: number; t: number; tps: number; cpuS: number }[] = [];
    const cpuSince = () => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1e6;
    };
    const evals: unknown[] = [];
    await runTraining({
      spec,
      data,
      emit: (e) => {
        if (e.type === 'step') {
          steps.push({ step: e.step, loss: e.loss, t: Date.now() - t0, tps: e.tokensPerSec, cpuS: cpuSince() });
          if (e.step % 10 === 0)
            console.log(env.TAG, 'step', e.step, e.loss.toFixed(3), ((Date.now() - t0) / 1000).toFixed(0), 's');
        }
        if (e.type === 'evaluation') {
          evals.push({ ...e, t: Date.now() - t0 });
          console.log(
            env.TAG,
            'eval',
            e.epoch,
            JSON.stringify(e.rouge),
            e.evalLoss,
            e.samples.slice(0, 3).map((s) => s.prediction),
          );
        }
        if (e.type === 'epoch') console.log(env.TAG, 'epoch', JSON.stringify(e));
      },
    });
    const cpu = process.cpuUsage(cpu0);
    const out = {
      tag: env.TAG,
      spec,
      wallS: (Date.now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
      steps,
      evals,
    };
    writeFileSync(env.OUT ?? `/tmp/fresh-${env.TAG ?? 'run'}.json`, JSON.stringify(out, null, 1));
    console.log(env.TAG, 'done wall', out.wallS, 'cpu', out.cpuS);
  },
  3_600_000,
);
