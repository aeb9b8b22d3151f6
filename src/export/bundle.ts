// Scale-out export: turns the studio's run (and optionally its sweep) into a Python bundle that
// trains the same recipe on a multi-GPU box with transformers + Accelerate + DeepSpeed, and
// searches it with Optuna. Plain TypeScript (no DOM, no Node) so the UI and worker can both call it.
//
// Safety: the Python templates are constant text; every setting reaches them as a Python literal
// rendered by pyLiteral (escaped, ASCII-only), so a dataset name like `x"; import os` stays data.
import { gridFromSpec, validateSearchSpace, type ParamSpec, type SweepConfig } from '../sweep/studio/default-study';
import { PARAM_TO_SETTING, specForParams } from '../sweep/studio/runner';
import { validateSpec, type RunSpec } from '../train/spec';
import { CONFIG_SLOT, OPTUNA_PY, TRAIN_PY } from './templates';

export interface ScaleOutInput {
  spec: RunSpec;
  sweep?: SweepConfig;
  /** Best trial's parameters (search-space names); they override the spec in train.py's defaults. */
  bestParams?: Record<string, number | string>;
  /** Total GPUs (Accelerate's num_processes); default 8. */
  worldSize?: number;
  /** Hugging Face model id or local path of the exported Llama checkpoint. */
  modelName?: string;
  dataset?: { hubName: string; config?: string };
}

export const DEFAULT_MODEL_NAME = './exported-model';
export const DEFAULT_DATASET: Readonly<{ hubName: string; config?: string }> = Object.freeze({
  hubName: 'EdinburghNLP/xsum',
});
const SEPARATOR = '\nTL;DR:\n'; // the studio's prompt cue (src/data/examples.ts DEFAULT_SEPARATOR)

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A Python literal for a JSON-like value; throws on non-finite numbers (Python has no literal for them). */
export function pyLiteral(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot export the non-finite number ${v}`);
    return JSON.stringify(v); // JSON number syntax (1e-7, 0.5, 42) is valid Python
  }
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyString(k)}: ${pyLiteral(x)}`)
    .join(', ')}}`;
}

// JSON's escapes are all valid in Python strings; escaping every non-ASCII code point as well keeps
// the file pure ASCII (no encoding or line-separator surprises) and round-trips astral characters,
// which JSON would write as a surrogate pair that Python reads as two separate characters.
function pyString(s: string): string {
  let out = '';
  for (const ch of JSON.stringify(s)) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp > 0xffff) out += `\\U${cp.toString(16).padStart(8, '0')}`;
    else out += `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkSweep(sweep: SweepConfig, spec: RunSpec): void {
  const issues = validateSearchSpace(sweep.searchSpace);
  if (issues.length > 0) throw new RangeError(`export: ${issues[0].message}`);
  for (const p of sweep.searchSpace) {
    // Names become Optuna parameter names and train.main keyword overrides: keep them plain.
    if (!IDENTIFIER.test(p.name))
      throw new RangeError(`export: parameter name ${JSON.stringify(p.name)} is not a plain identifier`);
    if (!(p.name in PARAM_TO_SETTING))
      throw new RangeError(
        `export: parameter "${p.name}" sets no training setting; known: ${Object.keys(PARAM_TO_SETTING).join(', ')}`,
      );
  }
  if (!Number.isInteger(sweep.nTrials) || sweep.nTrials < 1)
    throw new RangeError(`export: nTrials must be a positive integer, got ${sweep.nTrials}`);
  if (!Number.isInteger(sweep.seed) || sweep.seed < 0)
    throw new RangeError(`export: sweep seed must be a non-negative integer, got ${sweep.seed}`);
  if (sweep.direction !== 'maximize' && sweep.direction !== 'minimize')
    throw new RangeError(`export: bad direction ${JSON.stringify(sweep.direction)}`);
  if (!['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'sum', 'eval_loss'].includes(sweep.objective))
    throw new RangeError(`export: bad objective ${JSON.stringify(sweep.objective)}`);
  if (!['tpe', 'random', 'grid'].includes(sweep.sampler))
    throw new RangeError(`export: bad sampler ${JSON.stringify(sweep.sampler)}`);
  if (!['median', 'successive-halving', 'nop'].includes(sweep.pruner))
    throw new RangeError(`export: bad pruner ${JSON.stringify(sweep.pruner)}`);
  // Trials are scored by ROUGE on the validation pairs; with none there is nothing to optimize.
  if (spec.validationSize === 0)
    throw new RangeError('export: a sweep needs validationSize > 0 (trials are scored on validation ROUGE)');
}

/** One search-space entry in the shape optuna_search.py's suggest() reads (Optuna's defaults filled in). */
function pyParam(p: ParamSpec): PyValue {
  if (p.type === 'categorical') return { name: p.name, type: 'categorical', choices: p.choices! };
  const log = p.log ?? false;
  // Optuna rejects step together with log=True; an int's default step is 1, a float's None.
  const step = log ? (p.type === 'int' ? 1 : null) : (p.step ?? (p.type === 'int' ? 1 : null));
  return { name: p.name, type: p.type, low: p.low!, high: p.high!, log, step };
}

function pyAssignments(values: Record<string, PyValue>): string {
  return Object.entries(values)
    .map(([name, v]) => `${name} = ${pyLiteral(v)}`)
    .join('\n');
}

export function exportScaleOutBundle(input: ScaleOutInput): Record<string, string> {
  const base = validateSpec({ ...input.spec });
  // The best trial's parameters become the defaults, validated exactly as the studio's runner would.
  const spec =
    input.bestParams && Object.keys(input.bestParams).length > 0 ? specForParams(base, input.bestParams) : base;
  const worldSize = input.worldSize ?? 8;
  if (!Number.isInteger(worldSize) || worldSize < 1 || worldSize > 4096)
    throw new RangeError(`export: worldSize must be an integer in [1, 4096], got ${worldSize}`);
  const modelName = input.modelName ?? DEFAULT_MODEL_NAME;
  const dataset = input.dataset ?? DEFAULT_DATASET;
  if (typeof modelName !== 'string' || modelName.trim() === '')
    throw new RangeError('export: modelName must be a non-empty string');
  if (typeof dataset.hubName !== 'string' || dataset.hubName.trim() === '')
    throw new RangeError('export: dataset.hubName must be a non-empty string');
  if (dataset.config !== undefined && typeof dataset.config !== 'string')
    throw new RangeError('export: dataset.config must be a string');
  if (input.sweep) checkSweep(input.sweep, spec);

  const config: Record<string, PyValue> = {
    model_name: modelName,
    dataset_name: dataset.hubName,
    dataset_config: dataset.config ?? null,
    text_column: 'document',
    summary_column: 'summary',
    separator: SEPARATOR,
    max_source_length: spec.maxSourceLength,
    max_target_length: spec.maxTargetLength,
    max_train_samples: spec.maxTrainSamples,
    validation_size: spec.validationSize,
    learning_rate: spec.learningRate,
    per_device_train_batch_size: spec.batchSize,
    per_device_eval_batch_size: spec.batchSize,
    num_train_epochs: spec.epochs,
    max_steps: spec.maxSteps,
    lr_scheduler_type: spec.schedule, // transformers' names: linear | cosine | constant
    warmup_ratio: spec.schedule === 'constant' ? 0 : spec.warmupRatio, // the studio's constant has no warmup
    weight_decay: spec.weightDecay,
    max_grad_norm: spec.maxGradNorm,
    gradient_accumulation_steps: spec.gradientAccumulation,
    seed: spec.seed,
    num_beams: spec.numBeams,
    // The studio's generation settings (HF generate's names); no-repeat n-grams over the summary only.
    no_repeat_ngram_size: spec.noRepeatNgramSize,
    repetition_penalty: spec.repetitionPenalty,
    min_new_tokens: spec.minNewTokens,
    length_penalty: spec.lengthPenalty,
    fp16: spec.fp16Exchange,
    output_dir: 'output',
    save_total_limit: 3,
    logging_steps: 10,
  };

  const dsConfig = {
    // DeepSpeed's own total; Accelerate computes it from micro batch × accumulation × world size.
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: spec.batchSize,
    gradient_accumulation_steps: spec.gradientAccumulation,
    gradient_clipping: spec.maxGradNorm,
    steps_per_print: 100,
    zero_optimization: { stage: spec.zeroStage },
    // loss_scale 0 = dynamic loss scaling, the studio's fp16 exchange behaviour; 2^16 start.
    fp16: spec.fp16Exchange
      ? {
          enabled: true,
          loss_scale: 0,
          initial_scale_power: 16,
          loss_scale_window: 1000,
          hysteresis: 2,
          min_loss_scale: 1,
        }
      : { enabled: false },
    wall_clock_breakdown: false,
  };

  const files: Record<string, string> = {
    'train.py': TRAIN_PY.replace(CONFIG_SLOT, pyAssignments({ CONFIG: config })),
    'ds_config.json': JSON.stringify(dsConfig, null, 2) + '\n',
    'accelerate_config.yaml': accelerateYaml(worldSize, spec.fp16Exchange),
    'requirements.txt': requirements(input.sweep !== undefined),
    'README.md': readme({ spec, worldSize, modelName, sweep: input.sweep }),
  };
  if (input.sweep) {
    const s = input.sweep;
    const grid = s.sampler === 'grid' ? gridFromSpec(s.searchSpace) : null;
    files['optuna_search.py'] = OPTUNA_PY.replace(
      CONFIG_SLOT,
      pyAssignments({
        SEARCH_SPACE: s.searchSpace.map(pyParam),
        STUDY: {
          n_trials: s.nTrials,
          direction: s.direction,
          objective: s.objective,
          sampler: s.sampler,
          pruner: s.pruner,
          seed: s.seed,
        },
        GRID: grid,
      }),
    );
  }
  return files;
}

function accelerateYaml(worldSize: number, fp16: boolean): string {
  // Every value is a number or a fixed word, so plain YAML scalars are safe here.
  return [
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    '  deepspeed_config_file: ds_config.json',
    '  zero3_init_flag: false',
    'machine_rank: 0',
    'main_training_function: main',
    `mixed_precision: ${fp16 ? 'fp16' : 'no'}`,
    'num_machines: 1',
    `num_processes: ${worldSize}`,
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');
}

function requirements(withOptuna: boolean): string {
  const pins = [
    'torch>=2.1',
    'transformers>=4.40',
    'accelerate>=0.30',
    'deepspeed>=0.14',
    'datasets>=2.19',
    'evaluate>=0.4.1',
    'rouge_score>=0.1.2',
    'nltk>=3.8.1',
    'sentencepiece>=0.2.0',
  ];
  if (withOptuna) pins.push('optuna>=3.6');
  return pins.join('\n') + '\n';
}

function readme(o: { spec: RunSpec; worldSize: number; modelName: string; sweep?: SweepConfig }): string {
  const zero =
    o.spec.zeroStage === 1 ? 'ZeRO-1 (optimizer states sharded across GPUs)' : 'ZeRO stage 0 (plain data parallel)';
  const sweepPart = o.sweep
    ? [
        '## Hyperparameter search',
        '',
        `\`optuna_search.py\` runs ${o.sweep.nTrials} trials (${o.sweep.sampler} sampler, ${o.sweep.pruner} pruner, ${o.sweep.direction} ${o.sweep.objective}) with the studio's search space, each a call to \`train.main\`, then trains once more with the best parameters and writes \`best_params.json\`:`,
        '',
        '```sh',
        'python optuna_search.py',
        '# or the final training on every GPU:',
        'accelerate launch --config_file accelerate_config.yaml train.py --params best_params.json',
        '```',
        '',
        'Trials run in one process (one GPU): Optuna drives them sequentially.',
        '',
      ]
    : [];
  return [
    '# Scale-out bundle',
    '',
    'Exported from the browser studio: the same Llama summarization recipe (BOS + document + `\\nTL;DR:\\n` → summary + EOS, loss on the summary only), on many GPUs with Accelerate and DeepSpeed.',
    '',
    '```sh',
    'pip install -r requirements.txt',
    'accelerate launch --config_file accelerate_config.yaml train.py',
    '```',
    '',
    `- ${o.worldSize} GPUs (\`num_processes\` in accelerate_config.yaml), ${zero}, ${o.spec.fp16Exchange ? 'fp16 with dynamic loss scaling' : 'fp32'}.`,
    `- Per-GPU batch ${o.spec.batchSize} × accumulation ${o.spec.gradientAccumulation} × ${o.worldSize} GPUs = ${o.spec.batchSize * o.spec.gradientAccumulation * o.worldSize} examples per optimizer step.`,
    '- Settings live in `CONFIG` at the top of train.py; `--params file.json` overrides tuned ones, `--output_dir` the output folder.',
    "- Lengths are in tokens of the loaded tokenizer, which may split text differently from the studio's.",
    o.spec.fp16Exchange
      ? '- The studio only exchanged gradients in fp16; DeepSpeed fp16 also computes in fp16 (fp32 master weights).'
      : '',
    '',
    ...sweepPart,
    '## Loading the model',
    '',
    '```python',
    'from transformers import AutoTokenizer, LlamaForCausalLM',
    '',
    `model = LlamaForCausalLM.from_pretrained(${pyLiteral(o.modelName)})  # the exported starting point`,
    'tuned = LlamaForCausalLM.from_pretrained("output")  # after train.py',
    'tok = AutoTokenizer.from_pretrained("output")',
    '```',
    '',
  ].join('\n');
}
