import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bannedNgramTokens } from '../model/generate/logits-processors';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SWEEP, type SweepConfig } from '../sweep/studio/default-study';
import { defaultSpec, type RunSpec } from '../train/spec';
import { exportScaleOutBundle, pyLiteral } from './bundle';

const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const HAS_NUMPY = HAS_PYTHON && spawnSync('python3', ['-c', 'import numpy']).status === 0;

/** Writes the files to a temp dir and runs `body` there; cleans up after. */
function inTempDir<T>(files: Record<string, string>, body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pyCompile(files: Record<string, string>): void {
  const py = Object.keys(files).filter((f) => f.endsWith('.py'));
  inTempDir(files, (dir) =>
    execFileSync('python3', ['-m', 'py_compile', ...py.map((f) => join(dir, f))], { stdio: 'pipe' }),
  );
}

const spec: RunSpec = {
  ...defaultSpec(),
  batchSize: 16,
  gradientAccumulation: 4,
  maxGradNorm: 0.5,
  zeroStage: 1,
  fp16Exchange: true,
};
const sweep: SweepConfig = {
  ...DEFAULT_SWEEP,
  searchSpace: [
    { name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true },
    { name: 'per_device_train_batch_size', type: 'categorical', choices: [4, 8, 16, 32] },
    { name: 'num_train_epochs', type: 'int', low: 1, high: 5 },
    { name: 'warmup_ratio', type: 'float', low: 0, high: 0.2, step: 0.05 },
  ],
  nTrials: 7,
  objective: 'rougeL',
};

describe('exportScaleOutBundle', () => {
  const files = exportScaleOutBundle({ spec, sweep, worldSize: 4 });

  it('writes a ds_config.json with the stage, fp16, accumulation, clipping and micro batch', () => {
    const ds = JSON.parse(files['ds_config.json']);
    expect(ds.zero_optimization.stage).toBe(1);
    expect(ds.fp16).toMatchObject({ enabled: true, loss_scale: 0, initial_scale_power: 16 });
    expect(ds.gradient_accumulation_steps).toBe(4);
    expect(ds.gradient_clipping).toBe(0.5);
    expect(ds.train_micro_batch_size_per_gpu).toBe(16);
    expect(files['README.md']).toContain('ZeRO-1');
  });

  it('best params override the spec in train.py and ds_config.json', () => {
    const f = exportScaleOutBundle({ spec, bestParams: { per_device_train_batch_size: '8', learning_rate: 3e-5 } });
    expect(JSON.parse(f['ds_config.json']).train_micro_batch_size_per_gpu).toBe(8);
    expect(f['train.py']).toContain('"learning_rate": 0.00003');
    expect(() => exportScaleOutBundle({ spec, bestParams: { bogus: 1 } })).toThrow(/bogus/);
  });

  it('writes an accelerate_config.yaml for DeepSpeed on worldSize processes', () => {
    const y = parseYaml(files['accelerate_config.yaml']);
    expect(y.distributed_type).toBe('DEEPSPEED');
    expect(y.num_processes).toBe(4);
    expect(y.mixed_precision).toBe('fp16');
    expect(y.deepspeed_config.deepspeed_config_file).toBe('ds_config.json');
    const plain = parseYaml(exportScaleOutBundle({ spec: defaultSpec() })['accelerate_config.yaml']);
    expect(plain).toMatchObject({ num_processes: 8, mixed_precision: 'no' });
  });

  it('puts every search-space parameter with its bounds, log and choices into optuna_search.py', () => {
    const py = files['optuna_search.py'];
    expect(py).toContain(
      '{"name": "learning_rate", "type": "float", "low": 0.000001, "high": 0.0001, "log": True, "step": None}',
    );
    expect(py).toContain('{"name": "per_device_train_batch_size", "type": "categorical", "choices": [4, 8, 16, 32]}');
    expect(py).toContain('{"name": "num_train_epochs", "type": "int", "low": 1, "high": 5, "log": False, "step": 1}');
    expect(py).toContain(
      '{"name": "warmup_ratio", "type": "float", "low": 0, "high": 0.2, "log": False, "step": 0.05}',
    );
    expect(py).toContain('"n_trials": 7');
    expect(py).toContain('"objective": "rougeL"');
    expect(py).toMatch(/TPESampler\(seed=/);
    expect(py).toContain('suggest_float');
    expect(py).toContain('trial.should_prune()');
  });

  it("exports an eval_loss study: minimized, and train.py reports the summaries' eval loss beside ROUGE", () => {
    const f = exportScaleOutBundle({ spec, sweep: { ...sweep, objective: 'eval_loss', direction: 'minimize' } });
    expect(f['optuna_search.py']).toContain('"objective": "eval_loss"');
    expect(f['optuna_search.py']).toContain('"direction": "minimize"');
    expect(f['optuna_search.py']).toContain('return scores["eval_loss"]');
    expect(f['train.py']).toContain('scores["eval_loss"] = evaluate_loss(accelerator, model, loss_loader)');
    expect(() => exportScaleOutBundle({ spec, sweep: { ...sweep, objective: 'bleu' as never } })).toThrow(
      /bad objective "bleu"/,
    );
  });

  it('rejects parameter names that are not plain identifiers or set nothing', () => {
    const bad = (name: string) => ({ ...sweep, searchSpace: [{ name, type: 'float' as const, low: 0, high: 1 }] });
    expect(() => exportScaleOutBundle({ spec, sweep: bad('x"); import os #') })).toThrow(/identifier/);
    expect(() => exportScaleOutBundle({ spec, sweep: bad('dropout') })).toThrow(/sets no training setting/);
  });

  it('without a sweep produces a train-only bundle with the defaults', () => {
    const f = exportScaleOutBundle({ spec: defaultSpec() });
    expect(Object.keys(f).sort()).toEqual([
      'README.md',
      'accelerate_config.yaml',
      'ds_config.json',
      'requirements.txt',
      'train.py',
    ]);
    expect(f['train.py']).toContain('"dataset_name": "EdinburghNLP/xsum"');
    expect(f['train.py']).toContain('"model_name": "./exported-model"');
    expect(f['requirements.txt']).not.toContain('optuna');
    expect(JSON.parse(f['ds_config.json']).fp16.enabled).toBe(false);
  });

  it('renders Python literals for every JSON-like value', () => {
    expect(pyLiteral({ a: [1, 2.5, true, false, null, 'x'] })).toBe('{"a": [1, 2.5, True, False, None, "x"]}');
    expect(() => pyLiteral(Number.NaN)).toThrow();
  });

  const malicious = 'evil"""\n\'); import os; os.system("rm -rf /") #\\ \u2028 é 😀';
  const mal = exportScaleOutBundle({ spec, sweep, dataset: { hubName: malicious, config: "a'b" }, modelName: 'm"\n' });

  it.skipIf(!HAS_PYTHON)('py_compile accepts train.py and optuna_search.py (skipped when python3 is missing)', () => {
    pyCompile(files);
    pyCompile(exportScaleOutBundle({ spec: defaultSpec() }));
    pyCompile(
      exportScaleOutBundle({ spec, sweep: { ...sweep, sampler: 'grid', searchSpace: sweep.searchSpace.slice(1) } }),
    );
  });

  it.skipIf(!HAS_NUMPY)(
    "train.py bans the summary's repeated n-grams as the studio does, never the article's (skipped without python3 + numpy)",
    () => {
      // The processor alone, on numpy arrays standing in for torch tensors.
      const py = files['train.py'];
      const fn = py.slice(py.indexOf('def no_repeat_ngram_in_summary'), py.indexOf('def evaluate_rouge'));
      const script = [
        'import json, numpy as np',
        fn,
        'ids = np.array([[5, 6, 7, 5, 6, 9, 5, 6], [5, 6, 7, 5, 6, 5, 6, 5]])  # prompt: the first 5',
        'out = []',
        'for n in (2, 3):',
        '    s = no_repeat_ngram_in_summary(n, 5)(ids, np.zeros((2, 10)))',
        '    out.append([sorted(int(t) for t in np.nonzero(np.isinf(r))[0]) for r in s])',
        'print(json.dumps(out))',
      ].join('\n');
      const got = inTempDir({ 'p.py': script }, (dir) =>
        execFileSync('python3', [join(dir, 'p.py')], { encoding: 'utf8' }),
      );
      const want = [2, 3].map((n) =>
        [
          [9, 5, 6],
          [5, 6, 5],
        ].map((gen) => [...new Set(bannedNgramTokens(gen, n))].sort((a, b) => a - b)),
      );
      expect(JSON.parse(got)).toEqual(want);
      expect(want[0][1]).toEqual([6]); // "5 6" is in the summary: after its last 5, 6 is banned…
      expect(want[0][0]).toEqual([]); // …while the article's "6 7" stays allowed (HF would ban 7)
      expect(want[1][0]).toEqual([]); // and its "5 6 7" too
    },
  );

  it.skipIf(!HAS_PYTHON)(
    'escapes a malicious dataset name: compiles and round-trips (skipped when python3 is missing)',
    () => {
      pyCompile(mal);
      // Read CONFIG back by evaluating only its assignment line: the rest would import torch.
      const line = mal['train.py'].split('\n').find((l) => l.startsWith('CONFIG = '))!;
      const out = inTempDir(
        {
          'c.py': `${line}\nimport json, sys\nsys.stdout.write(json.dumps([CONFIG["dataset_name"], CONFIG["dataset_config"], CONFIG["model_name"]]))\n`,
        },
        (dir) => execFileSync('python3', [join(dir, 'c.py')], { encoding: 'utf8' }),
      );
      expect(JSON.parse(out)).toEqual([malicious, "a'b", 'm"\n']);
    },
  );

  it('keeps the malicious string out of the code as raw text', () => {
    // The newlines in the name stay escapes: the file has exactly as many lines as a plain export.
    const plain = exportScaleOutBundle({ spec, sweep })['train.py'];
    expect(mal['train.py'].split('\n').length).toBe(plain.split('\n').length);
    expect(mal['train.py']).toMatch(/^[\x00-\x7f]*$/); // non-ASCII arrives escaped
  });
});
