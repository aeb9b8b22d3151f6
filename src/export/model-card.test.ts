import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultSpec } from '../train/spec';
import { markdownText, modelCard, type ModelCardInput } from './model-card';

const spec = { ...defaultSpec('small'), finetune: 'lora' as const, loraR: 8, loraAlpha: 16, learningRate: 1e-4 };
const rouge = {
  model: { rouge1: 30.123, rouge2: 9.5, rougeL: 24.01, rougeLsum: 24.2 },
  epoch0: { rouge1: 12.5, rouge2: 1.25, rougeL: 10, rougeLsum: 10.5 },
  lead: { rouge1: 16.3, rouge2: 1.61, rougeL: 11.95, rougeLsum: 12.1 },
  examples: 100,
};
const adapterCard: ModelCardInput = {
  kind: 'adapter',
  repoId: 'me/smol-xsum-lora',
  base: { id: 'HuggingFaceTB/SmolLM2-135M', revision: 'main' },
  spec,
  data: { hubName: 'EdinburghNLP/xsum', label: 'XSum sample', trainPairs: 871, validationPairs: 100 },
  rouge,
  license: 'apache-2.0',
  studioVersion: '0.1.0',
};

function split(card: string): { meta: Record<string, unknown>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(card);
  if (!m) throw new Error('no front matter');
  return { meta: parse(m[1]) as Record<string, unknown>, body: m[2] };
}

describe('model card', () => {
  it("front matter as PEFT's card: base_model, library_name peft, text-generation, datasets, PEFT's tags, license, model-index", () => {
    const { meta } = split(modelCard(adapterCard));
    expect(meta).toEqual({
      base_model: 'HuggingFaceTB/SmolLM2-135M',
      library_name: 'peft',
      license: 'apache-2.0',
      pipeline_tag: 'text-generation',
      datasets: ['EdinburghNLP/xsum'],
      tags: [
        'base_model:adapter:HuggingFaceTB/SmolLM2-135M',
        'lora',
        'summarization',
        'training-studio',
        'transformers',
      ],
      'model-index': [
        {
          name: 'smol-xsum-lora',
          results: [
            {
              task: { name: 'Summarization', type: 'summarization' },
              dataset: { name: 'EdinburghNLP/xsum', type: 'EdinburghNLP/xsum', split: 'validation' },
              metrics: [
                { name: 'ROUGE-1', type: 'rouge', value: 30.123 },
                { name: 'ROUGE-2', type: 'rouge', value: 9.5 },
                { name: 'ROUGE-L', type: 'rouge', value: 24.01 },
                { name: 'ROUGE-Lsum', type: 'rouge', value: 24.2 },
              ],
            },
          ],
        },
      ],
    });
  });

  it('a merged model is a transformers model; a fresh one has no base_model', () => {
    const merged = split(modelCard({ ...adapterCard, kind: 'merged' })).meta;
    expect(merged.library_name).toBe('transformers');
    expect(merged.tags).toEqual([
      'base_model:finetune:HuggingFaceTB/SmolLM2-135M',
      'llama',
      'summarization',
      'training-studio',
    ]);
    const fresh = split(
      modelCard({ ...adapterCard, kind: 'merged', base: null, license: undefined, rouge: undefined }),
    );
    expect(fresh.meta.base_model).toBeUndefined();
    expect(fresh.meta.license).toBeUndefined();
    expect(fresh.meta['model-index']).toBeUndefined();
    expect(fresh.body).toContain('trained from scratch');
    expect(fresh.body).not.toContain('## Evaluation');
  });

  it('ROUGE beside its baselines in one table, two decimals', () => {
    const { body } = split(modelCard(adapterCard));
    expect(body).toContain('| **This model** | 30.12 | 9.50 | 24.01 | 24.20 |');
    expect(body).toContain('| Before training (epoch 0) | 12.50 | 1.25 | 10.00 | 10.50 |');
    expect(body).toContain('| LEAD (first sentence of the document) | 16.30 | 1.61 | 11.95 | 12.10 |');
    expect(body).toContain('on 100 examples of the validation split, greedy decoding, no_repeat_ngram_size 3');
    const noBaselines = split(modelCard({ ...adapterCard, rouge: { model: rouge.model } })).body;
    expect(noBaselines).not.toContain('epoch 0) |');
    expect(noBaselines).not.toContain('LEAD (first');
  });

  it('names the base, the data, the settings that matter and the framework', () => {
    const { body } = split(modelCard(adapterCard));
    expect(body).toContain(
      '[HuggingFaceTB/SmolLM2\\-135M](https://huggingface.co/HuggingFaceTB/SmolLM2-135M) (revision main)',
    );
    expect(body).toContain(
      '[EdinburghNLP/xsum](https://huggingface.co/datasets/EdinburghNLP/xsum) (XSum sample): 871 training pairs, 100 validation pairs',
    );
    expect(body).toContain('- LoRA: r 8, lora_alpha 16 (scaling 2), lora_dropout 0.05');
    expect(body).toContain('- target_modules: q_proj, v_proj');
    expect(body).toContain('- learning rate: 0.0001 (');
    expect(body).toContain('AutoPeftModelForCausalLM.from_pretrained("me/smol-xsum-lora")');
    expect(body).toContain('AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M")');
    expect(body).toMatch(/- PEFT 0\.18\.1 .*\n- Training Studio 0\.1\.0\n- TensorFlow\.js 4\.\d+\.\d+\n$/);
  });

  it('user text stays data: YAML reads it back exactly, markdown shows it literally, code holds it as a literal', () => {
    const evil = 'x"\ny: 1 # <script>alert(1)</script> ```\u2028é';
    const card = modelCard({
      ...adapterCard,
      repoId: 'me/**bold**[a](javascript:alert(1))',
      data: { hubName: evil, label: '<img src=x onerror=alert(1)> | col |' },
    });
    const { meta, body } = split(card);
    expect(meta.datasets).toEqual([evil]);
    expect(Object.keys(meta).sort()).toEqual(
      ['base_model', 'datasets', 'library_name', 'license', 'model-index', 'pipeline_tag', 'tags'].sort(),
    );
    const prose = body.replace(/\n(`{3,})python\n[\s\S]*?\n\1\n/, '\n');
    // Every <, ( after ], and backtick that came from the user is escaped.
    expect(prose).not.toMatch(/(?<!\\)<|\]\(javascript|(?<!\\)``/);
    expect(body).toContain('# me/\\*\\*bold\\*\\*\\[a\\]\\(javascript\\:alert\\(1\\)\\)');
    // The evil dataset id is no plain Hub id: shown as text, never a link.
    expect(body).not.toContain('https://huggingface.co/datasets/x');
    // The python block's fence is longer than the ``` inside the literal.
    const fence = /\n(`{3,})python\n/.exec(body)![1];
    expect(fence.length).toBe(3); // the repo id has no backticks …
    const withTicks = split(modelCard({ ...adapterCard, repoId: 'me/a```b' })).body;
    expect(/\n(`{3,})python\n/.exec(withTicks)![1]).toBe('````'); // … this one does
  });

  it('markdownText round-trips: removing the escapes gives the text back (whitespace folded)', () => {
    const s = 'a*b_c [d](e) <f> & | g \\ h`i ~j #k\n\tl';
    expect(markdownText(s).replace(/\\(.)/g, '$1')).toBe(s.replace(/\s+/g, ' '));
  });
});
