import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countParams } from '../config';
import { importModelFiles } from '../io/model-files';
import { startHubServer, type HubServer } from '../../testing/hub-server';
import { editConfig, llama2cHFModel, tinyHFModel, withFiles } from '../../testing/hf-model-fixture';
import { planHubModel } from './plan';
import type { HubAccess } from './hub-client';

const TOKEN = 'hf_secret_abcdef123456';
const tinyF32 = tinyHFModel({ dtype: 'F32' });
const tinyBF16Sharded = tinyHFModel({ dtype: 'BF16', shards: 3, seed: 2 });
const stories = llama2cHFModel('BF16');
const tinyF16 = tinyHFModel({ dtype: 'F16', seed: 8 });
const sum = (files: Record<string, Uint8Array>, names: string[]) => names.reduce((a, n) => a + files[n].byteLength, 0);

let hub: HubServer;
let access: HubAccess;

beforeAll(async () => {
  const f = tinyF32.files;
  hub = await startHubServer({
    tokens: [TOKEN],
    repos: {
      'test/tiny-f32': { files: f },
      'test/tiny-bf16-sharded': { files: tinyBF16Sharded.files, revisions: { v1: 'a'.repeat(40) } },
      'test/stories260K': { files: stories.files },
      'test/gated': { files: f, gated: true },
      'test/only-bin': { files: withFiles(f, { 'model.safetensors': undefined, 'pytorch_model.bin': 'PK\x03\x04' }) },
      'test/missing-shard': {
        files: withFiles(tinyBF16Sharded.files, { 'model-00002-of-00003.safetensors': undefined }),
      },
      'test/mistral': {
        files: withFiles(f, {
          'config.json': editConfig(f, { architectures: ['MistralForCausalLM'], model_type: 'mistral' }),
        }),
      },
      'test/rope-scaling': {
        files: withFiles(f, { 'config.json': editConfig(f, { rope_scaling: { rope_type: 'llama3', factor: 8 } }) }),
      },
      'test/bias': { files: withFiles(f, { 'config.json': editConfig(f, { attention_bias: true }) }) },
      'test/heads': { files: withFiles(f, { 'config.json': editConfig(f, { num_key_value_heads: 4 }) }) },
      // Hostile configs (issue 18): refused by the limits before any shape table is built.
      'test/layers': { files: withFiles(f, { 'config.json': editConfig(f, { num_hidden_layers: 100_000 }) }) },
      'test/positions': { files: withFiles(f, { 'config.json': editConfig(f, { max_position_embeddings: 1e9 }) }) },
      'test/big-config': {
        files: withFiles(f, { 'config.json': editConfig(f, { padding: ' '.repeat(2 * 2 ** 20) }) }),
      },
      'test/sentencepiece': {
        files: withFiles(f, { 'tokenizer.json': undefined, 'tokenizer.model': new Uint8Array([1, 2, 3]) }),
      },
    },
  });
  access = { endpoint: hub.url };
});
afterAll(() => hub.close());

describe('planHubModel', () => {
  it('reads an unsharded f32 model: commit, files, sizes, parameters — without fetching the weights', async () => {
    const before = hub.requests.length;
    const plan = await planHubModel({ repo: 'test/tiny-f32' }, access);
    expect(plan.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(plan.revision).toBe('main');
    expect(plan.config).toEqual(tinyF32.config);
    expect(plan.sharded).toBe(false);
    expect(plan.files.map((f) => f.path)).toEqual([
      'config.json',
      'generation_config.json',
      'tokenizer_config.json',
      'tokenizer.json',
      'model.safetensors',
    ]);
    expect(plan.tokenizerFiles).toEqual(['tokenizer_config.json', 'tokenizer.json']);
    const names = Object.keys(tinyF32.files);
    expect(plan.downloadBytes).toBe(sum(tinyF32.files, names));
    expect(plan.weightBytes).toBe(tinyF32.files['model.safetensors'].byteLength);
    expect(plan.parameterCount).toBe(countParams(tinyF32.config));
    expect(plan.dtypes).toEqual({ F32: { tensors: 2 + 9 * 2, parameters: countParams(tinyF32.config) } });
    // Safetensors: only Range requests of the header, never the whole weights file.
    const weightGets = hub.requests
      .slice(before)
      .filter((r) => r.path.endsWith('model.safetensors') && r.method === 'GET');
    expect(weightGets.length).toBeGreaterThan(0);
    for (const r of weightGets) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
      expect(m, `request without a bounded Range: ${r.range}`).not.toBeNull();
      expect(Number(m![2]) - Number(m![1]) + 1).toBeLessThan(plan.weightBytes / 4);
    }
    // No Xet negotiation: every read goes through /resolve (and its CDN), as downloads do.
    expect(hub.requests.slice(before).filter((r) => r.accept?.includes('xet'))).toEqual([]);
    // LFS file: the etag is the sha256; small files: the git oid.
    expect(plan.files.find((f) => f.path === 'model.safetensors')!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.files.find((f) => f.path === 'config.json')!.gitOid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads a sharded bf16 model through its index, at a named revision', async () => {
    const plan = await planHubModel({ repo: 'test/tiny-bf16-sharded', revision: 'v1' }, access);
    expect(plan.commit).toBe('a'.repeat(40));
    expect(plan.sharded).toBe(true);
    expect(plan.weightFiles).toEqual([1, 2, 3].map((i) => `model-0000${i}-of-00003.safetensors`));
    expect(plan.files.filter((f) => f.role === 'index').map((f) => f.path)).toEqual(['model.safetensors.index.json']);
    expect(plan.dtypes.BF16!.parameters).toBe(countParams(tinyBF16Sharded.config));
    expect(plan.dtypes.F32).toBeUndefined();
    expect(plan.downloadBytes).toBe(sum(tinyBF16Sharded.files, Object.keys(tinyBF16Sharded.files)));
    // Header reads used the commit, not the branch name.
    const shardReads = hub.requestsFor('model-00002-of-00003.safetensors');
    expect(shardReads.every((r) => r.path.includes(`/resolve/${'a'.repeat(40)}/`))).toBe(true);
  });

  it('reads an f16 model', async () => {
    hub.setRepo('test/tiny-f16', { files: tinyF16.files });
    const plan = await planHubModel({ repo: 'test/tiny-f16' }, access);
    expect(plan.dtypes).toEqual({ F16: { tensors: 20, parameters: countParams(tinyF16.config) } });
    expect(plan.weightBytes).toBe(tinyF16.files['model.safetensors'].byteLength);
  });

  it('reads the llama2.c fixture converted to HF files', async () => {
    const plan = await planHubModel({ repo: 'test/stories260K' }, access);
    expect(plan.config).toEqual(stories.config);
    expect(plan.config.hiddenSize).toBe(64);
    expect(plan.dtypes.BF16!.parameters).toBe(countParams(stories.config));
    // The converted files import as a model (the oracle: importModelFiles reads what the plan described).
    const imported = importModelFiles(Object.entries(stories.files).map(([name, bytes]) => ({ name, bytes })));
    expect(imported.config).toEqual(plan.config);
  });

  it('gated: 401 without a token, 403 with a wrong one, ok with the right one; the token never shows', async () => {
    await expect(planHubModel({ repo: 'test/gated' }, access)).rejects.toThrow(
      /test\/gated needs an access token: it is gated or private.*401/,
    );
    const wrong = 'hf_wrong_token_999999';
    const err = await planHubModel({ repo: 'test/gated' }, { ...access, accessToken: wrong }).catch((e: Error) => e);
    expect(String(err)).toMatch(/your access token does not give access \(403.*accept the model's license/);
    expect(String(err)).not.toContain(wrong);
    const notAToken = 'secret value';
    const bad = await planHubModel({ repo: 'test/gated' }, { ...access, accessToken: notAToken }).catch(
      (e: Error) => e,
    );
    expect(String(bad)).toMatch(/the access token is not a Hugging Face user access token: those start with "hf_"/);
    expect(String(bad)).not.toContain(notAToken);
    const plan = await planHubModel({ repo: 'test/gated' }, { ...access, accessToken: TOKEN });
    expect(plan.gated).toBe(true);
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
  });

  it.each([
    [
      'unknown repo',
      'test/nope',
      /no model "test\/nope" on http:\/\/127\.0\.0\.1:\d+ \(Repository not found\): check the model id/,
    ],
    ['bad id', 'not a repo id', /"not a repo id" is not a Hub model id: expected owner\/name/],
    ['only pytorch_model.bin', 'test/only-bin', /only PyTorch pickle weights \(pytorch_model\.bin\)/],
    [
      'index naming a missing shard',
      'test/missing-shard',
      /model\.safetensors\.index\.json puts tensor ".*" in model-00002-of-00003\.safetensors, but the repo has no such file/,
    ],
    [
      'unsupported architecture',
      'test/mistral',
      /config\.json: architecture \["MistralForCausalLM"\] is not supported/,
    ],
    [
      'rope_scaling',
      'test/rope-scaling',
      /config\.json: rope_scaling \{"rope_type":"llama3","factor":8\} is not supported/,
    ],
    ['biases', 'test/bias', /config\.json: attention_bias true is not supported/],
    [
      'head layout not matching the weights',
      'test/heads',
      /tensor "model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[16, 32\], but config\.json implies \[32, 32\]/,
    ],
    ['only tokenizer.model', 'test/sentencepiece', /has only the sentencepiece tokenizer\.model.*tokenizer\.json/],
    [
      'a config.json naming 100,000 layers',
      'test/layers',
      /^test\/layers: model config: num_hidden_layers 100,000 is beyond the 256 the studio supports$/,
    ],
    [
      'max_position_embeddings 1e9',
      'test/positions',
      /^test\/positions: model config: max_position_embeddings 1,000,000,000 is beyond the 131,072 the studio supports$/,
    ],
    [
      'a 2 MiB config.json (by the listing, before fetching it)',
      'test/big-config',
      /^test\/big-config: config\.json is 2\.0 MiB; the studio reads a config\.json of at most 1 MiB$/,
    ],
  ])('refuses %s with the reason', async (_what, repo, message) => {
    await expect(planHubModel({ repo }, access)).rejects.toThrow(message);
  });

  it('an unknown revision is named', async () => {
    await expect(planHubModel({ repo: 'test/tiny-f32', revision: 'nope' }, access)).rejects.toThrow(
      /test\/tiny-f32: the revision does not exist \(Invalid rev id: nope\)/,
    );
  });

  it('an unreachable endpoint says so', async () => {
    await expect(planHubModel({ repo: 'test/tiny-f32' }, { endpoint: 'http://127.0.0.1:9' })).rejects.toThrow(
      /could not read the model info: .*is http:\/\/127\.0\.0\.1:9 reachable/,
    );
  });
});
