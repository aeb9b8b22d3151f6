// The README.md a Hub repo gets when the studio pushes a model: YAML front matter in the form
// PEFT's create_or_update_model_card and transformers' Trainer.create_model_card write it (base_model,
// library_name, pipeline_tag, datasets, tags, license, model-index with the ROUGE results), then the
// base, the data, the settings that shaped the run, ROUGE beside its baselines (the model before
// training and LEAD), how to load it, and the framework.
//
// Everything that came from the user (repo and dataset names, labels) is data, never markup: YAML
// values are double-quoted ASCII-escaped scalars, markdown text is backslash-escaped, and code
// blocks hold Python literals inside a fence longer than any backtick run in them.
import { version_core as TFJS_VERSION } from '@tensorflow/tfjs-core';
import type { RougeSummary } from '../core/events';
import { PEFT_VERSION } from '../model/io/peft';
import { pyJsonString } from '../model/io/python-json';
import { loraScaling, targetsOf } from '../model/lora-config';
import type { RunSpec } from '../train/spec';
import { pyLiteral } from './bundle';

export interface ModelCardInput {
  /** adapter: the PEFT files on the base; merged: a full transformers model. */
  kind: 'adapter' | 'merged';
  /** The repo the card is for ("user/name"). */
  repoId: string;
  /** The pretrained base (Hub id and revision); null for a model trained from a fresh preset. */
  base: { id: string; revision?: string } | null;
  spec: RunSpec;
  data: {
    /** Hub dataset id when the data is one (the XSum sample is EdinburghNLP/xsum); else none. */
    hubName?: string;
    /** What the user saw the data called. */
    label: string;
    trainPairs?: number;
    validationPairs?: number;
  };
  /** Validation ROUGE (percent, as the chart shows it) and its baselines, when evaluated. */
  rouge?: {
    model: RougeSummary;
    epoch0?: RougeSummary;
    lead?: RougeSummary;
    split?: string; // default "validation"
    examples?: number;
  };
  /** SPDX id of the base's license when known (e.g. "apache-2.0"). */
  license?: string;
  /** The studio's version (package.json), for the framework section. */
  studioVersion?: string;
}

/** A YAML double-quoted scalar: JSON's escapes (valid YAML) with everything outside printable ASCII escaped. */
export const yamlString = (s: string) => pyJsonString(s);

/** Markdown text shown literally: CommonMark lets any ASCII punctuation be backslash-escaped. */
export function markdownText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>&~:"'=^$@%]/g, (c) => `\\${c}`);
}

/** A fenced code block whose fence no run of backticks inside can close. */
function codeBlock(lang: string, code: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${code}\n${fence}`;
}

/** Hub ids only become links when they are plain ids (no URL can be smuggled in). */
const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const hubLink = (id: string, kind: 'models' | 'datasets') =>
  HUB_ID.test(id)
    ? `[${markdownText(id)}](https://huggingface.co/${kind === 'datasets' ? 'datasets/' : ''}${id})`
    : markdownText(id);

const two = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const ROUGE_KEYS = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
const ROUGE_NAMES = { rouge1: 'ROUGE-1', rouge2: 'ROUGE-2', rougeL: 'ROUGE-L', rougeLsum: 'ROUGE-Lsum' };

function frontMatter(c: ModelCardInput): string {
  const lines = ['---'];
  if (c.base) lines.push(`base_model: ${yamlString(c.base.id)}`);
  lines.push(`library_name: ${c.kind === 'adapter' ? 'peft' : 'transformers'}`);
  if (c.license) lines.push(`license: ${yamlString(c.license)}`);
  lines.push('pipeline_tag: text-generation'); // a causal LM, as PEFT sets for PeftModelForCausalLM
  if (c.data.hubName) lines.push('datasets:', `- ${yamlString(c.data.hubName)}`);
  // PEFT's tags (base_model:adapter:…, lora, transformers), then what the model is for.
  const tags =
    c.kind === 'adapter'
      ? [...(c.base ? [`base_model:adapter:${c.base.id}`] : []), 'lora', 'transformers']
      : ['llama', ...(c.base ? [`base_model:finetune:${c.base.id}`] : [])];
  lines.push('tags:', ...[...tags, 'summarization', 'training-studio'].sort().map((t) => `- ${yamlString(t)}`));
  if (c.rouge) {
    // transformers' model-index: one result, the validation ROUGE of this model.
    const r = c.rouge;
    lines.push(
      'model-index:',
      `- name: ${yamlString(c.repoId.split('/').pop() ?? c.repoId)}`,
      '  results:',
      '  - task:',
      '      name: Summarization',
      '      type: summarization',
      '    dataset:',
      `      name: ${yamlString(c.data.hubName ?? c.data.label)}`,
      `      type: ${yamlString(c.data.hubName ?? 'custom')}`,
      `      split: ${yamlString(r.split ?? 'validation')}`,
      '    metrics:',
      ...ROUGE_KEYS.flatMap((k) => [
        `    - name: ${ROUGE_NAMES[k]}`,
        '      type: rouge',
        `      value: ${Number.isFinite(r.model[k]) ? Number(r.model[k].toFixed(4)) : 0}`,
      ]),
    );
  }
  lines.push('---');
  return lines.join('\n');
}

function rougeSection(r: NonNullable<ModelCardInput['rouge']>, spec: RunSpec): string {
  const row = (name: string, s: RougeSummary) => `| ${name} | ${ROUGE_KEYS.map((k) => two(s[k])).join(' | ')} |`;
  const rows = [
    '| | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum |',
    '|---|---:|---:|---:|---:|',
    row('**This model**', r.model),
    ...(r.epoch0 ? [row('Before training (epoch 0)', r.epoch0)] : []),
    ...(r.lead ? [row('LEAD (first sentence of the document)', r.lead)] : []),
  ];
  const decoding =
    spec.numBeams > 1
      ? `beam search (${spec.numBeams} beams, length_penalty ${spec.lengthPenalty})`
      : 'greedy decoding';
  return [
    '## Evaluation',
    '',
    `Mean ROUGE F-measure ×100 (stemmed, sentences on separate lines for ROUGE-Lsum, as the seed's compute_metrics) on ${
      r.examples !== undefined ? `${r.examples} examples of ` : ''
    }the ${markdownText(r.split ?? 'validation')} split, ${decoding}, no_repeat_ngram_size ${spec.noRepeatNgramSize}, repetition_penalty ${spec.repetitionPenalty}, at least ${spec.minNewTokens} new tokens. The baselines are scored the same way: the model before its first step (epoch 0), and LEAD, the document's first sentence.`,
    '',
    ...rows,
  ].join('\n');
}

function settingsSection(c: ModelCardInput): string {
  const s = c.spec;
  const items: [string, string][] = [
    ['fine-tuning', s.finetune === 'lora' ? 'LoRA (base frozen)' : 'full (every weight)'],
  ];
  if (s.finetune === 'lora') {
    const lora = { r: s.loraR, alpha: s.loraAlpha, dropout: s.loraDropout, targetModules: targetsOf(s.loraTargets) };
    items.push(
      ['LoRA', `r ${lora.r}, lora_alpha ${lora.alpha} (scaling ${loraScaling(lora)}), lora_dropout ${lora.dropout}`],
      ['target_modules', lora.targetModules.join(', ')],
    );
  }
  const effective = s.batchSize * Math.max(1, s.replicas) * s.gradientAccumulation;
  items.push(
    ['learning rate', `${s.learningRate} (${s.schedule} schedule, warmup ratio ${s.warmupRatio})`],
    ['epochs', s.maxSteps > 0 ? `${s.epochs} (stopped at ${s.maxSteps} steps)` : String(s.epochs)],
    [
      'batch',
      `${s.batchSize} per replica × ${s.replicas > 0 ? `${s.replicas} replicas` : 'one replica per GPU adapter'} × ${s.gradientAccumulation} accumulation${s.replicas > 0 ? ` = ${effective}` : ''}`,
    ],
    ['optimizer', `AdamW, weight decay ${s.weightDecay}, max grad norm ${s.maxGradNorm}`],
    ['lengths', `source ≤ ${s.maxSourceLength} tokens, summary ≤ ${s.maxTargetLength} tokens`],
    ['loss on the document tokens (train_on_inputs)', s.trainOnInputs],
    ['seed', String(s.seed)],
  );
  return ['## Training settings', '', ...items.map(([k, v]) => `- ${k}: ${v}`)].join('\n');
}

function usageSection(c: ModelCardInput): string {
  const repo = pyLiteral(c.repoId);
  const prompt = 'document + "\\nTL;DR:\\n"'; // the studio's prompt (src/data/examples.ts)
  const code =
    c.kind === 'adapter'
      ? [
          'from peft import AutoPeftModelForCausalLM',
          'from transformers import AutoTokenizer',
          '',
          `model = AutoPeftModelForCausalLM.from_pretrained(${repo})`,
          `tokenizer = AutoTokenizer.from_pretrained(${c.base ? pyLiteral(c.base.id) : repo})`,
        ]
      : [
          'from transformers import AutoModelForCausalLM, AutoTokenizer',
          '',
          `model = AutoModelForCausalLM.from_pretrained(${repo})`,
          `tokenizer = AutoTokenizer.from_pretrained(${repo})`,
        ];
  code.push(
    `inputs = tokenizer(${prompt}, return_tensors="pt")`,
    `out = model.generate(**inputs, max_new_tokens=${c.spec.maxTargetLength}, no_repeat_ngram_size=${c.spec.noRepeatNgramSize})`,
    'print(tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True))',
  );
  return ['## How to use', '', codeBlock('python', code.join('\n'))].join('\n');
}

/** README.md for a pushed repo. */
export function modelCard(c: ModelCardInput): string {
  const what =
    c.kind === 'adapter'
      ? `A LoRA adapter (PEFT format) for ${c.base ? hubLink(c.base.id, 'models') : 'a Llama model'}`
      : `A Llama model${c.base ? ` fine-tuned from ${hubLink(c.base.id, 'models')}` : ' trained from scratch'}`;
  const revision = c.base?.revision ? ` (revision ${markdownText(c.base.revision)})` : '';
  const dataName = c.data.hubName ? hubLink(c.data.hubName, 'datasets') : markdownText(c.data.label);
  const counts = [
    c.data.trainPairs !== undefined ? `${c.data.trainPairs} training pairs` : '',
    c.data.validationPairs !== undefined ? `${c.data.validationPairs} validation pairs` : '',
  ].filter(Boolean);
  const sections = [
    frontMatter(c),
    '',
    `# ${markdownText(c.repoId)}`,
    '',
    `${what}${revision}, fine-tuned for one-sentence news summarization in the browser with Training Studio (TensorFlow.js).`,
    '',
    '## Training data',
    '',
    `${dataName}${c.data.hubName && c.data.label !== c.data.hubName ? ` (${markdownText(c.data.label)})` : ''}${
      counts.length ? `: ${counts.join(', ')}` : ''
    }. Each example is the document followed by \`\\nTL;DR:\\n\` and the reference summary; the loss covers the summary${
      c.spec.trainOnInputs === 'on'
        ? ' and the document'
        : c.spec.trainOnInputs === 'auto'
          ? ' (and the document for a fresh model)'
          : ''
    }.`,
    '',
    settingsSection(c),
  ];
  if (c.rouge) sections.push('', rougeSection(c.rouge, c.spec));
  sections.push(
    '',
    usageSection(c),
    '',
    '## Framework versions',
    '',
    ...(c.kind === 'adapter' ? [`- PEFT ${PEFT_VERSION} (the adapter file format followed)`] : []),
    `- Training Studio${c.studioVersion ? ` ${c.studioVersion.replace(/[^\w.+-]/g, '')}` : ''}`,
    `- TensorFlow.js ${TFJS_VERSION}`,
    '',
  );
  return sections.join('\n');
}
