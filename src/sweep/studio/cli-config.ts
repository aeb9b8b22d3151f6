// The sweep config file of `npm run sweep` (scripts/sweep.mjs) and its validation. The file is
// JSON; every field is optional and falls back to the studio's defaults (the seed's search):
//
//   { "name": "lr search", "trials": 2, "objective": "sum", "sampler": "tpe", "pruner": "nop", "seed": 42,
//     "searchSpace": { "learning_rate": { "type": "float", "low": 1e-5, "high": 1e-3, "log": true },
//                      "per_device_train_batch_size": { "type": "categorical", "choices": [4, 8] } },
//     "run": { "preset": "tiny", "epochs": 1, "maxTrainSamples": 8, "validationSize": 4, "backend": "wasm" } }
//
// objective is a ROUGE score or their "sum" (maximized), or "eval_loss" (minimized; the direction
// follows the objective). Without a searchSpace the default one runs, its learning-rate range
// following the model the trials train (default-study.ts searchSpaceForModel).
//
// searchSpace is either that object (parameter name → distribution) or the studio's own list of
// ParamSpec (as the Sweep tab and study exports hold it). Parameter names are transformers'
// TrainingArguments words (PARAM_TO_SETTING); the RunSpec names (learningRate, batchSize, …) are
// accepted as aliases. Command-line flags (--trials, --backend, --workers) win over the file.
//
// Every problem is reported, each with the JSON path of the field ("run.epochs: must be …",
// "searchSpace.learning_rate.low: …", "--trials: …"), so one round of edits fixes a file. The
// checks themselves are validateSpec's and validateSearchSpace's: this file only walks the
// config, maps paths, and reports all problems instead of the first.
import { PRESETS, type PresetName } from '../../model/config';
import { defaultSpec, validateSpec, type RunSpec } from '../../train/spec';
import {
  DEFAULT_SWEEP,
  gridFromSpec,
  objectiveDirection,
  OBJECTIVES,
  validateSearchSpace,
  type ParamSpec,
  type PrunerKind,
  type SamplerKind,
  type SweepObjective,
  type SweepConfig,
} from './default-study';
import { PARAM_TO_SETTING, specForParams } from './runner';
import { errorMessage } from '../../core/errors';

/** Values from the command line (strings as typed, or numbers); absent = not given. */
export interface SweepCliFlags {
  trials?: string | number;
  backend?: string;
  workers?: string | number;
}

/** A valid config: the sweep to run and the run settings every trial starts from. */
export interface SweepCliConfig {
  name: string | null;
  sweep: SweepConfig;
  run: RunSpec;
}

export type SweepCliParse = { ok: true; config: SweepCliConfig } | { ok: false; issues: string[] };

const TOP_KEYS = ['name', 'trials', 'objective', 'sampler', 'pruner', 'seed', 'searchSpace', 'run'] as const;
const PARAM_KEYS = ['name', 'type', 'low', 'high', 'log', 'step', 'choices'] as const;
const SAMPLERS: readonly SamplerKind[] = ['tpe', 'random', 'grid'];
const PRUNERS: readonly PrunerKind[] = ['median', 'successive-halving', 'nop'];
const MAX_TRIALS = 10_000;
const MAX_NAME_LENGTH = 200;

/** RunSpec name → search-space name (learningRate → learning_rate), the aliases a config may use. */
const SETTING_TO_PARAM: Record<string, string> = Object.fromEntries(
  Object.entries(PARAM_TO_SETTING).map(([p, s]) => [s, p]),
);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : JSON.stringify(v));
const oneOf = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');
/** "run spec: epochs must be …" → "must be …" (validateSpec names the field; the path does here). */
const specDetail = (message: string, key: string) =>
  message.replace(/^run spec: /, '').replace(new RegExp(`^${key} `), '');
/** `parameter "lr": low …` / `parameter #2: …` → the detail (the path names the parameter). */
const paramDetail = (message: string) => message.replace(/^parameter (?:"[^"]*"|#\d+): /, '');

/** A positive integer from a flag (string) or the file (number); null when it is not one. */
function positiveInt(v: unknown): number | null {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : null;
}

/** Validates a parsed sweep config file merged with command-line flags; lists every problem. */
export function parseSweepCliConfig(raw: unknown, flags: SweepCliFlags = {}): SweepCliParse {
  const issues: string[] = [];
  const say = (path: string, detail: string) => issues.push(`${path}: ${detail}`);
  if (!isObject(raw)) return { ok: false, issues: [`config: must be a JSON object, got ${describe(raw)}`] };

  for (const key of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) say(key, `unknown key; known keys: ${TOP_KEYS.join(', ')}`);
  }

  let name: string | null = null;
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || raw.name.trim() === '')
      say('name', `must be a non-empty string, got ${describe(raw.name)}`);
    else if (raw.name.length > MAX_NAME_LENGTH)
      say('name', `must be at most ${MAX_NAME_LENGTH} characters, got ${raw.name.length}`);
    else name = raw.name;
  }

  const sweep: SweepConfig = { ...DEFAULT_SWEEP };
  const trialsFrom = (path: string, v: unknown) => {
    const n = positiveInt(v);
    if (n === null || n > MAX_TRIALS)
      say(path, `must be a positive integer (at most ${MAX_TRIALS}), got ${describe(v)}`);
    else sweep.nTrials = n;
  };
  if (raw.trials !== undefined) trialsFrom('trials', raw.trials);
  if (flags.trials !== undefined) trialsFrom('--trials', flags.trials);

  if (raw.objective !== undefined) {
    if (!OBJECTIVES.includes(raw.objective as SweepObjective))
      say('objective', `must be one of ${oneOf(OBJECTIVES)}, got ${describe(raw.objective)}`);
    else sweep.objective = raw.objective as SweepObjective;
  }
  sweep.direction = objectiveDirection(sweep.objective); // eval_loss is minimized, ROUGE maximized
  if (raw.sampler !== undefined) {
    if (!SAMPLERS.includes(raw.sampler as SamplerKind))
      say('sampler', `must be one of ${oneOf(SAMPLERS)}, got ${describe(raw.sampler)}`);
    else sweep.sampler = raw.sampler as SamplerKind;
  }
  if (raw.pruner !== undefined) {
    if (!PRUNERS.includes(raw.pruner as PrunerKind))
      say('pruner', `must be one of ${oneOf(PRUNERS)}, got ${describe(raw.pruner)}`);
    else sweep.pruner = raw.pruner as PrunerKind;
  }
  if (raw.seed !== undefined) {
    const s = raw.seed;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= 2 ** 32)
      say('seed', `must be an integer in [0, 2^32), got ${describe(s)}`);
    else sweep.seed = s;
  }

  const run = runSpecFrom(raw.run, flags, say);

  let spaceOk = true;
  if (raw.searchSpace !== undefined) {
    const space = searchSpaceFrom(raw.searchSpace, say);
    spaceOk = space !== null;
    if (space) {
      const found = validateSearchSpace(space.params);
      for (const i of found) {
        const at =
          i.index < 0
            ? 'searchSpace'
            : `${space.paths[i.index]}${i.field === 'name' && space.keyed ? '' : `.${i.field}`}`;
        say(at, paramDetail(i.message));
      }
      spaceOk = found.length === 0;
      if (spaceOk) {
        sweep.searchSpace = space.params;
        if (run) checkValuesAgainstRun(space.params, space.paths, run, say);
      }
    }
  }

  // A grid enumerates every value: a float range needs a step (checked once the space is sound).
  if (sweep.sampler === 'grid' && spaceOk) {
    sweep.searchSpace.forEach((p, index) => {
      try {
        gridFromSpec([p]);
      } catch (e) {
        if (raw.searchSpace === undefined)
          say(
            'sampler',
            `"grid" cannot enumerate the default search space (${errorMessage(e)}); give a searchSpace with choices or steps`,
          );
        else
          say(
            `searchSpace${pathOf(raw.searchSpace, p.name, index)}`,
            `${paramDetail(errorMessage(e))} (sampler is "grid")`,
          );
      }
    });
  }

  if (issues.length > 0 || !run) return { ok: false, issues };
  return { ok: true, config: { name, sweep, run } };
}

/** The path suffix of a parameter: `.name` in the keyed form, `[i]` in the list form. */
function pathOf(space: unknown, name: string, index: number): string {
  if (isObject(space)) return `.${Object.keys(space).find((k) => (SETTING_TO_PARAM[k] ?? k) === name) ?? name}`;
  return `[${index}]`;
}

/** The run settings: the preset's defaults, the file's `run` fields, then the flags. Null when invalid. */
function runSpecFrom(raw: unknown, flags: SweepCliFlags, say: (path: string, detail: string) => void): RunSpec | null {
  if (raw !== undefined && !isObject(raw)) {
    say('run', `must be an object of run settings, got ${describe(raw)}`);
    return null;
  }
  const fields: Record<string, unknown> = { ...(raw ?? {}) };
  const paths: Record<string, string> = Object.fromEntries(Object.keys(fields).map((k) => [k, `run.${k}`]));
  // The preset decides the lengths and the vocabulary, as the Settings panel's preset switch does.
  const preset = fields.preset;
  const validPreset = typeof preset === 'string' && preset in PRESETS;
  const base = defaultSpec(validPreset ? (preset as PresetName) : 'small');
  if (flags.backend !== undefined) {
    fields.backend = flags.backend;
    paths.backend = '--backend';
  }
  if (flags.workers !== undefined) {
    const w = flags.workers;
    fields.replicas = typeof w === 'string' && /^\s*\d+\s*$/.test(w) ? Number(w) : w;
    paths.replicas = '--workers';
  }

  let ok = true;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(fields)) {
    if (!(key in base)) {
      say(paths[key], `unknown run setting; known: ${Object.keys(base).join(', ')}`);
      ok = false;
      continue;
    }
    // One field at a time over valid defaults, so each bad field gets its own message.
    try {
      validateSpec({ ...base, [key]: value });
      merged[key] = value;
    } catch (e) {
      say(paths[key], specDetail(errorMessage(e), key));
      ok = false;
    }
  }
  if (!ok) return null;
  // A sweep's objective is ROUGE on the validation pairs: without them every trial would fail.
  if (merged.validationSize === 0) {
    say(
      paths.validationSize ?? 'run.validationSize',
      'must be at least 1 in a sweep: the objective is ROUGE on the validation pairs',
    );
    return null;
  }
  try {
    return validateSpec(merged);
  } catch (e) {
    say('run', specDetail(errorMessage(e), ''));
    return null;
  }
}

/** The search space as the studio's ParamSpec list, with the JSON path of each parameter. */
function searchSpaceFrom(
  raw: unknown,
  say: (path: string, detail: string) => void,
): { params: ParamSpec[]; paths: string[]; keyed: boolean } | null {
  const params: ParamSpec[] = [];
  const paths: string[] = [];
  let ok = true;
  const add = (path: string, entry: unknown, keyName: string | null) => {
    if (!isObject(entry)) {
      say(
        path,
        `must be an object like {"type": "float", "low": 1e-5, "high": 1e-3, "log": true}, got ${describe(entry)}`,
      );
      ok = false;
      return;
    }
    for (const k of Object.keys(entry)) {
      if (!(PARAM_KEYS as readonly string[]).includes(k)) {
        say(`${path}.${k}`, `unknown key; known keys: ${PARAM_KEYS.join(', ')}`);
        ok = false;
      }
    }
    if (keyName !== null && entry.name !== undefined && entry.name !== keyName) {
      say(
        `${path}.name`,
        `must match its key ${JSON.stringify(keyName)} (or be left out), got ${describe(entry.name)}`,
      );
      ok = false;
    }
    const given = keyName ?? entry.name;
    // Aliases map to the search-space word the runner knows; an unknown name would fail every trial.
    const name = typeof given === 'string' ? (SETTING_TO_PARAM[given] ?? given) : given;
    if (typeof name === 'string' && name.trim() !== '' && !(name in PARAM_TO_SETTING)) {
      say(
        keyName !== null ? path : `${path}.name`,
        `${JSON.stringify(given)} does not set any training setting; known: ${Object.keys(PARAM_TO_SETTING).join(', ')}`,
      );
      ok = false;
    }
    const { name: _given, ...rest } = entry;
    params.push({ name, ...rest } as ParamSpec);
    paths.push(path);
  };
  if (Array.isArray(raw)) raw.forEach((entry, i) => add(`searchSpace[${i}]`, entry, null));
  else if (isObject(raw)) for (const [key, entry] of Object.entries(raw)) add(`searchSpace.${key}`, entry, key);
  else {
    say(
      'searchSpace',
      `must be an object (parameter name → distribution) or a list of parameters, got ${describe(raw)}`,
    );
    return null;
  }
  return ok ? { params, paths, keyed: !Array.isArray(raw) } : null;
}

/** Each bound and choice must make valid run settings (e.g. a learning rate below 1); the runner's own mapping decides. */
function checkValuesAgainstRun(
  params: ParamSpec[],
  paths: string[],
  run: RunSpec,
  say: (path: string, detail: string) => void,
) {
  params.forEach((p, i) => {
    const values: [string, unknown][] =
      p.type === 'categorical'
        ? (p.choices ?? []).map((c, j) => [`choices[${j}]`, c])
        : [
            ['low', p.low],
            ['high', p.high],
          ];
    for (const [field, value] of values) {
      try {
        specForParams(run, { [p.name]: value as never });
      } catch (e) {
        const why = errorMessage(e).replace(/^.*give invalid settings: (run spec: )?/, '');
        say(`${paths[i]}.${field}`, `${JSON.stringify(value)} makes invalid run settings: ${why}`);
      }
    }
  });
}
