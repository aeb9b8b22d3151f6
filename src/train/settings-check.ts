// Run settings checked against what they will run on: the model actually chosen (its positions)
// and the data's split sizes. validateSpec (spec.ts) checks each value alone; this is what can be
// known only beside the model and the data, and it is checked as the user types, so a value the run
// cannot honour is named in the settings panel and Start refuses with the same words — not minutes
// later when the run has tokenized everything, nor never (a fresh preset trained past its positions
// exports a model that refuses its own data).
import { DEFAULT_SEPARATOR } from '../data/examples';
import { PRESETS } from '../model/config';
import type { RunSpec } from './spec';

/**
 * Tokens an example holds besides the document (≤ maxSourceLength) and the summary with its EOS
 * (≤ maxTargetLength): BOS, and the separator. The separator is ASCII, so any byte-level or
 * byte-fallback tokenizer spends at most one token per character on it, plus one for a
 * SentencePiece word-start marker. The run itself measures the real examples (run.ts checkContext);
 * this bound is what every example fits whatever the data.
 */
export const TEMPLATE_TOKENS = 1 + DEFAULT_SEPARATOR.length + 1;

/** The model a run trains: how many positions it has, and how to name it in a message. */
export interface RunModel {
  positions: number;
  name: string; // "the fresh small preset", "the base model"
}

/** How many examples the data holds; validation null = no validation split (the run holds out 10% of train). */
export interface RunDataSize {
  train: number;
  validation: number | null;
}

export interface SettingsContext {
  model: RunModel | null; // null: not known here (a base whose files are missing: the run refuses it anyway)
  data: RunDataSize | null; // null: no data loaded yet
}

export interface SettingsCheck {
  /** Values the run cannot honour, by field: shown under the field, and Start refuses while any is present. */
  issues: Partial<Record<keyof RunSpec, string>>;
  /** What the run will really do with a value that is allowed but beyond the data, shown beside the field. */
  notes: Partial<Record<keyof RunSpec, string>>;
}

/** The fresh model a preset makes, as the run builds it when no base model is chosen. */
export function presetModel(spec: Pick<RunSpec, 'preset'>): RunModel {
  return { positions: PRESETS[spec.preset].model.maxPositionEmbeddings, name: `the fresh ${spec.preset} preset` };
}

/** Validation pairs the run holds out of `train` when there is no validation split (data/batching.ts splitTrainValidation at 10%). */
export function heldOutValidation(train: number): number {
  if (train < 2) return 0; // the run refuses fewer than 2 pairs before it splits
  return Math.min(train - 1, Math.max(1, Math.round(train * 0.1)));
}

const count = (n: number) => n.toLocaleString('en-US');
const examples = (n: number) => `${count(n)} example${n === 1 ? '' : 's'}`;

/** Max source + max target (+ the template) against the model's positions; the same words on both fields. */
function lengthIssue(spec: RunSpec, model: RunModel): string | null {
  const need = spec.maxSourceLength + spec.maxTargetLength + TEMPLATE_TOKENS;
  if (need <= model.positions) return null;
  const room = model.positions - TEMPLATE_TOKENS;
  // validateSpec's least lengths are 8 (source) + 2 (target): below that no setting fits.
  const fix =
    room >= 8 + 2
      ? `keep max source + max target at most ${count(room)}`
      : 'it cannot hold a single example: choose a model with more positions';
  return `max source ${count(spec.maxSourceLength)} + max target ${count(spec.maxTargetLength)} + ${TEMPLATE_TOKENS} template tokens = ${count(need)} positions, but ${model.name} has ${count(model.positions)}: ${fix}`;
}

/** Every check that needs the model or the data; fields absent from both maps are fine. */
export function checkRunSettings(spec: RunSpec, ctx: SettingsContext): SettingsCheck {
  const issues: SettingsCheck['issues'] = {};
  const notes: SettingsCheck['notes'] = {};
  if (ctx.model) {
    const issue = lengthIssue(spec, ctx.model);
    if (issue) {
      issues.maxSourceLength = issue;
      issues.maxTargetLength = issue;
    }
  }
  if (ctx.data) {
    const { train, validation } = ctx.data;
    const held = validation === null ? heldOutValidation(train) : validation;
    const trainable = train - (validation === null ? held : 0);
    const where =
      validation === null
        ? `there is no validation split, so the run holds out 10% of the training examples (${count(held)})`
        : `the validation split has ${examples(held)}`;
    if (spec.validationSize > held)
      notes.validationSize = `${where}; the run will evaluate on ${held === 0 ? 'none' : `all ${count(held)}`}`;
    if (spec.maxTrainSamples > trainable)
      notes.maxTrainSamples = `the training split has ${examples(trainable)}${validation === null ? ' after the hold-out' : ''}; the run will train on all ${count(trainable)}`;
  }
  return { issues, notes };
}

/** The first issue, as Start words its refusal; null when the run can start. */
export function firstIssue(check: SettingsCheck): string | null {
  return Object.values(check.issues)[0] ?? null;
}
