import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// `npm run sweep` from a terminal: the CLI (scripts/sweep.mjs) is spawned as a child process, as a
// person would run it; it serves the built studio on a free port of its own and drives it in
// headless Chromium. These tests check what it leaves behind and what it says.

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/sweep.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const writeConfig = (dir: string, config: unknown) => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sweep.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
};

test('a 2-trial sweep on the tiny preset runs headless from the terminal and writes study.json, trials.csv and the best model', async () => {
  test.setTimeout(4 * 60_000);
  const dir = test.info().outputPath('good');
  const out = join(dir, 'out');
  const config = writeConfig(dir, {
    name: 'cli e2e',
    trials: 2,
    pruner: 'nop',
    searchSpace: {
      learning_rate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
      per_device_train_batch_size: { type: 'categorical', choices: [4, 8] },
    },
    run: { preset: 'tiny', epochs: 1, maxTrainSamples: 8, validationSize: 4 },
  });
  // --backend as a flag: flags win over the file.
  const r = await runCli(['--config', config, '--backend', 'wasm', '--out', out]);
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);

  // Progress streamed to the terminal: steps with their loss, each trial's ROUGE, an ETA, then the end.
  // Trials by Optuna's 0-based number, as study.json and trials.csv number them.
  expect(r.stdout).toMatch(
    /^trial #0 of 2 epoch 1\/1 step \d+\/\d+ loss \d+\.\d{3}( ROUGE-sum \d+\.\d{2})? ETA (\d+:)?\d+:\d\d$/m,
  );
  expect(r.stdout).toMatch(/^trial #1 of 2 epoch 1\/1 step \d+\/\d+ loss /m);
  expect(r.stdout).toMatch(
    /^trial #0 of 2 complete: ROUGE-sum \d+\.\d{3} \(learning_rate=[\d.e-]+, per_device_train_batch_size=(4|8)\)$/m,
  );
  expect(r.stdout).toMatch(/^trial #1 of 2 complete: ROUGE-sum /m);
  expect(r.stdout).not.toMatch(/^trial #2/m);
  expect(r.stdout).toMatch(/^final \(best params\) epoch 1\/1 step /m);
  expect(r.stdout).toMatch(/^done: /m);

  // study.json: the studio's own export format, the two trials complete, the config's settings kept.
  const study = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  expect(study.format).toBe('training-studio-study');
  expect(study.study.name).toBe('cli e2e');
  expect(study.study.status).toBe('complete');
  expect(study.study.trials).toHaveLength(2);
  expect(study.study.trials.map((t: { state: string }) => t.state)).toEqual(['complete', 'complete']);
  expect(study.study.config.base).toMatchObject({
    preset: 'tiny',
    backend: 'wasm',
    epochs: 1,
    maxTrainSamples: 8,
    validationSize: 4,
  });
  for (const t of study.study.trials) {
    expect(t.params.learning_rate).toBeGreaterThanOrEqual(1e-4);
    expect(t.params.learning_rate).toBeLessThanOrEqual(1e-2);
  }
  // The final training with the best parameters ran (the runner records it on the study).
  expect(study.study.userAttrs.final).toBeTruthy();

  // trials.csv: a header and one row per trial.
  const csv = readFileSync(join(out, 'trials.csv'), 'utf8').trim().split('\n');
  expect(csv).toHaveLength(3);
  expect(csv[0]).toMatch(/^number,state,value,params_learning_rate,params_per_device_train_batch_size/);

  // best-params.json: the best trial as the study ranks it.
  const best = JSON.parse(readFileSync(join(out, 'best-params.json'), 'utf8'));
  const values = study.study.trials.map((t: { value: number }) => t.value);
  expect(best.value).toBe(Math.max(...values));
  expect(best.params).toEqual(study.study.trials[best.trial].params);
  // One numbering: the terminal's best trial is best-params.json's, study.json's number and trials.csv's.
  const said = /^best: trial #(\d+) ROUGE-sum /m.exec(r.stdout);
  expect(said, r.stdout).not.toBeNull();
  expect(Number(said![1])).toBe(best.trial);
  expect(study.study.trials[best.trial].number).toBe(best.trial);
  expect(csv[1 + best.trial].split(',')[0]).toBe(String(best.trial));
  // The final training's model as Hugging Face files.
  const model = join(out, 'best-model');
  for (const f of [
    'config.json',
    'generation_config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
  ])
    expect(existsSync(join(model, f)), f).toBe(true);
  expect(JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'))).toMatchObject({
    architectures: ['LlamaForCausalLM'],
    hidden_size: 64,
  });
  expect(r.stderr).not.toContain('warning: the page exports no trained model');
});

test('a bad config exits non-zero and names every bad field', async () => {
  test.setTimeout(2 * 60_000);
  const dir = test.info().outputPath('bad');
  const config = writeConfig(dir, {
    trials: 2,
    searchSpace: { learning_rate: { type: 'float', low: 1e-2, high: 1e-4, log: true } },
    run: { preset: 'tiny', epochs: 0 },
  });
  // The first test built dist/ if it was stale; the sources may have moved since (others edit them), and this test needs no rebuild.
  const r = await runCli(['--config', config, '--out', join(dir, 'out'), '--no-build']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('invalid sweep config');
  expect(r.stderr).toContain('searchSpace.learning_rate.low: low 0.01 is greater than high 1e-4');
  expect(r.stderr).toContain('run.epochs: must be an integer in [1, 1000], got 0');
  expect(existsSync(join(dir, 'out'))).toBe(false);

  // A file that is not JSON is refused before anything starts, naming the file and the place.
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{\n  "trials": 2,\n}\n');
  const b = await runCli(['--config', broken]);
  expect(b.code).toBe(2);
  expect(b.stderr).toContain(`the config file ${broken} is not valid JSON`);
  expect(b.stderr).toMatch(/line 3, column 1|line 3 column 1/);
});

test('--out is a folder for both drivers, checked before any work: a file there is refused at once', async () => {
  test.setTimeout(60_000);
  const dir = test.info().outputPath('out-check');
  const config = writeConfig(dir, { trials: 1, run: { preset: 'tiny' } });
  const file = join(dir, 'taken');
  writeFileSync(file, 'a file, not a folder\n');

  const started = Date.now();
  const sweep = await runCli(['--config', config, '--out', file]);
  expect(sweep.code).toBe(2);
  expect(sweep.stderr).toContain(`--out: ${file} is a file, not a folder`);
  const under = await runCli(['--config', config, '--out', join(file, 'sub')]);
  expect(under.code).toBe(2);
  expect(under.stderr).toContain(`cannot make the folder ${join(file, 'sub')}: ${file} is a file`);

  // npm run bench: the same check, before its build (it used to crash with EISDIR after the whole run).
  const bench = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', '--out', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  expect(bench.code).toBe(1);
  expect(bench.stderr).toContain(`bench: --out: ${file} is a file, not a folder`);
  expect(bench.stdout).not.toContain('building');
  // Refused in seconds: no build, no server, no browser.
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(readFileSync(file, 'utf8')).toBe('a file, not a folder\n'); // untouched
});
