import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng';
import { PRESETS, type LlamaConfig } from '../model/config';
import type { LoraConfig } from '../model/lora-config';
import { adapterShapes, exportPeftAdapter } from '../model/io/peft';
import { startHubCommitServer, type RunningHubCommitServer } from '../testing/hub-commit-server';
import { useHubPushStore } from './hub-push';
import { useModelStore } from './model';
import { useRunStore } from './run';
import { useDataStore } from './data';

const TOKEN = 'hf_storeTestToken0123456789';
const tiny: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: 512 };
const lora: LoraConfig = { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj'] };

function trainedFiles() {
  const rand = mulberry32(5);
  const w = new Map<string, Float32Array>();
  for (const [name, [a, b]] of adapterShapes(tiny, lora)) w.set(name, Float32Array.from({ length: a * b }, rand));
  const adapter = exportPeftAdapter({ ...tiny, lora }, w, { id: 'HuggingFaceTB/SmolLM2-135M', revision: 'main' });
  const merged = ['config.json', 'model.safetensors', 'tokenizer.json'].map((name) => ({
    name,
    bytes: new TextEncoder().encode(`{"${name}": 1}`),
  }));
  return { merged, adapter };
}

const point = (epoch: number, r1: number) => ({
  epoch,
  step: epoch * 10,
  genLen: 20,
  evalLoss: 2,
  examples: 50,
  rouge1: r1,
  rouge2: r1 / 4,
  rougeL: r1 / 2,
  rougeLsum: r1 / 2,
});

let hub: RunningHubCommitServer;
beforeEach(async () => {
  hub = await startHubCommitServer([{ name: 'carol', token: TOKEN }]);
  useHubPushStore.setState({ status: 'idle', progress: null, result: null, error: null });
});
afterEach(() => hub.close());

describe('hub-push store', () => {
  it("pushes the trained model's adapter with a card of the run's ROUGE beside epoch 0; the token stays out of the state", async () => {
    const { merged: files, adapter } = trainedFiles();
    useModelStore.setState({
      trained: { slot: 'trained', label: 'run', notes: [], files, adapter, savedAt: '2026-01-01T00:00:00Z' },
    });
    useRunStore.setState({ evaluations: [point(0, 10), point(1, 20), point(2, 30)] });
    useDataStore.setState({ status: 'default', label: 'XSum sample' });
    const seen: string[] = [];
    const unsubscribe = useHubPushStore.subscribe((s) => seen.push(JSON.stringify(s)));
    await useHubPushStore
      .getState()
      .push({ repo: 'xsum', token: TOKEN, private: true, what: 'adapter', hubUrl: hub.url });
    unsubscribe();
    const s = useHubPushStore.getState();
    expect(s.error).toBeNull();
    expect(s.status).toBe('done');
    expect(s.result?.repoId).toBe('carol/xsum');
    expect(seen.length).toBeGreaterThan(2);
    for (const state of seen) expect(state).not.toContain(TOKEN);
    expect(hub.state.file('carol/xsum', 'adapter_model.safetensors')).toEqual(
      adapter.find((f) => f.name === 'adapter_model.safetensors')!.bytes,
    );
    expect(hub.state.file('carol/xsum', 'config.json')).toBeUndefined(); // the adapter only
    const card = new TextDecoder().decode(hub.state.file('carol/xsum', 'README.md'));
    expect(card).toContain('base_model: "HuggingFaceTB/SmolLM2-135M"');
    expect(card).toContain('- "EdinburghNLP/xsum"');
    expect(card).toContain('# carol/xsum');
    expect(card).toContain('| **This model** | 30.00 | 7.50 | 15.00 | 15.00 |');
    expect(card).toContain('| Before training (epoch 0) | 10.00 | 2.50 | 5.00 | 5.00 |');
    expect(card).toContain('(revision main)');
  });

  it('a fully fine-tuned model pushes its HF files; no trained model, or no adapter, is said in words', async () => {
    // (Merging a LoRA model's base and adapter for 'merged' is model/io/adapted-model.test.ts's.)
    const { merged: files } = trainedFiles();
    useModelStore.setState({
      trained: { slot: 'trained', label: 'run', notes: [], files, savedAt: '2026-01-01T00:00:00Z' },
    });
    await useHubPushStore
      .getState()
      .push({ repo: 'merged', token: TOKEN, private: false, what: 'merged', hubUrl: hub.url });
    expect(useHubPushStore.getState().result?.files).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'README.md',
    ]);
    expect(new TextDecoder().decode(hub.state.file('carol/merged', 'README.md'))).toContain(
      'library_name: transformers',
    );

    useModelStore.setState({
      trained: { slot: 'trained', label: 'full', notes: [], files: files.slice(0, 3), savedAt: '2026-01-01T00:00:00Z' },
    });
    await useHubPushStore
      .getState()
      .push({ repo: 'a', token: TOKEN, private: false, what: 'adapter', hubUrl: hub.url });
    expect(useHubPushStore.getState().error).toMatch(/no LoRA adapter \(it was fine-tuned in full\)/);
    useModelStore.setState({ trained: null });
    await useHubPushStore.getState().push({ repo: 'a', token: TOKEN, private: false, what: 'merged', hubUrl: hub.url });
    expect(useHubPushStore.getState().error).toMatch(/no trained model yet/);
    expect(hub.state.repos.size).toBe(1);
  });
});
