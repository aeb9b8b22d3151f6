import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng';
import { PRESETS, type LlamaConfig } from '../model/config';
import type { LoraConfig } from '../model/lora-config';
import { adapterShapes, exportPeftAdapter, importPeftAdapter } from '../model/io/peft';
import { startHubCommitServer, type RunningHubCommitServer } from '../testing/hub-commit-server';
import { filesToPush, pushToHub, repoNameProblem, type HubPushProgress } from './hub-push';

const TOKEN = 'hf_writeTokenForTheStandIn0123456789';
const READ_TOKEN = 'hf_readOnlyToken0123456789';
const OTHER_TOKEN = 'hf_someoneElse0123456789';
const tiny: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: 512 };
const lora: LoraConfig = { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] };

function adapterFiles() {
  const rand = mulberry32(3);
  const w = new Map<string, Float32Array>();
  for (const [name, [a, b]] of adapterShapes(tiny, lora)) w.set(name, Float32Array.from({ length: a * b }, rand));
  return exportPeftAdapter({ ...tiny, lora }, w, { id: 'HuggingFaceTB/SmolLM2-135M', revision: 'main' });
}
const CARD = '---\nlibrary_name: peft\n---\n# my adapter\n';

let hub: RunningHubCommitServer;
beforeEach(async () => {
  hub = await startHubCommitServer([
    { name: 'alice', token: TOKEN, orgs: ['team'] },
    { name: 'alice', token: READ_TOKEN, role: 'read' },
    { name: 'bob', token: OTHER_TOKEN },
  ]);
});
afterEach(() => hub.close());

describe('push to the Hub (local stand-in)', () => {
  it('creates the repo, uploads the adapter and the card; the files read back byte for byte and load as PEFT', async () => {
    const files = adapterFiles();
    const progress: HubPushProgress[] = [];
    const out = await pushToHub({
      repo: 'smol-xsum-lora',
      token: TOKEN,
      private: true,
      files,
      card: CARD,
      hubUrl: hub.url,
      onProgress: (p) => progress.push(p),
    });
    expect(out).toMatchObject({
      repoId: 'alice/smol-xsum-lora',
      url: `${hub.url}/alice/smol-xsum-lora`,
      created: true,
    });
    expect(out.files).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'README.md']);
    const repo = hub.state.repos.get('alice/smol-xsum-lora')!;
    expect(repo.private).toBe(true);
    expect(repo.commits).toHaveLength(1);
    expect(out.commitOid).toBe(repo.commits[0].oid);
    for (const f of files) expect(hub.state.file(repo.id, f.name)).toEqual(f.bytes);
    expect(new TextDecoder().decode(hub.state.file(repo.id, 'README.md'))).toBe(CARD);
    // What was pushed is an adapter the studio (and PEFT) reads back.
    const back = importPeftAdapter(
      ['adapter_config.json', 'adapter_model.safetensors'].map((name) => ({
        name,
        bytes: hub.state.file(repo.id, name)!,
      })),
      tiny,
    );
    expect(back.lora).toEqual(lora);

    // The protocol @huggingface/hub speaks: who, create, preupload, LFS batch + PUT for the weights only, commit.
    expect(hub.state.log.map((l) => l.replace(/[0-9a-f]{64}$/, '<oid>'))).toEqual([
      'GET /api/whoami-v2',
      'POST /api/repos/create',
      'POST /api/models/alice/smol-xsum-lora/preupload/main',
      'POST /alice/smol-xsum-lora.git/info/lfs/objects/batch',
      'PUT /__hub-commit-lfs/<oid>',
      'POST /api/models/alice/smol-xsum-lora/commit/main',
    ]);
    expect(hub.state.lfs.size).toBe(1); // adapter_model.safetensors; the JSON and README went inline
    // The token went only to the Hub API, in the Authorization header; never to the upload URL.
    for (const { path, auth } of hub.state.authSeen)
      expect(auth, path).toBe(path.startsWith('/__hub-commit-lfs/') ? undefined : `Bearer ${TOKEN}`);
    expect(progress.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['checking-token', 'creating-repo', 'preuploading', 'uploading', 'committing']),
    );
    expect(progress).toContainEqual({ phase: 'uploading', file: 'adapter_model.safetensors', fraction: 1 });
  });

  it('pushes a new commit to a repo that exists (and to an org the token may write to)', async () => {
    await pushToHub({
      repo: 'team/adapter',
      token: TOKEN,
      private: false,
      files: adapterFiles(),
      card: (repoId) => `# ${repoId}\n`,
      hubUrl: hub.url,
    });
    expect(new TextDecoder().decode(hub.state.file('team/adapter', 'README.md'))).toBe('# team/adapter\n');
    const changed = [{ name: 'adapter_config.json', bytes: new TextEncoder().encode('{"peft_type": "LORA"}') }];
    const out = await pushToHub({
      repo: 'team/adapter',
      token: TOKEN,
      private: false,
      files: changed,
      hubUrl: hub.url,
    });
    expect(out.created).toBe(false);
    const repo = hub.state.repos.get('team/adapter')!;
    expect(repo.commits).toHaveLength(2);
    expect(hub.state.file('team/adapter', 'adapter_config.json')).toEqual(changed[0].bytes);
    expect(hub.state.file('team/adapter', 'adapter_model.safetensors')).toBeDefined(); // the earlier file stays
  });

  it('401: a wrong token, named as such, and the token is in no message', async () => {
    const bad = 'hf_notAKnownToken999';
    const err = await pushToHub({
      repo: 'x',
      token: bad,
      private: false,
      files: adapterFiles(),
      hubUrl: hub.url,
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^the Hub refused the token \(401: Invalid credentials in Authorization header\): it is wrong or expired; make a new one with write access at http:\/\/127\.0\.0\.1:\d+\/settings\/tokens$/,
    );
    expect((err as Error).message).not.toContain(bad);
    expect(hub.state.repos.size).toBe(0);
  });

  it("403: another user's namespace", async () => {
    await pushToHub({
      repo: 'bob/his-model',
      token: OTHER_TOKEN,
      private: false,
      files: adapterFiles(),
      hubUrl: hub.url,
    });
    await expect(
      pushToHub({ repo: 'bob/his-model', token: TOKEN, private: false, files: adapterFiles(), hubUrl: hub.url }),
    ).rejects.toThrow(
      /^the token may not write to bob\/his-model \(403: You don't have the rights to create a model under the namespace "bob"\)/,
    );
    expect(hub.state.repos.get('bob/his-model')!.commits).toHaveLength(1);
  });

  it('a read-only token is refused before anything is created', async () => {
    await expect(
      pushToHub({ repo: 'x', token: READ_TOKEN, private: false, files: adapterFiles(), hubUrl: hub.url }),
    ).rejects.toThrow(/is read-only; pushing needs a token with write access/);
    expect(hub.state.log).toEqual(['GET /api/whoami-v2']);
  });

  it('refuses a bad repo name or a non-token before any request', async () => {
    for (const [repo, why] of [
      ['my model', /may hold only letters, digits/],
      ['a/b/c', /more than one "\/"/],
      ['-bad', /must start and end/],
      ['a--b', /"--"/],
      ['x.git', /\.git/],
      ['', /empty/],
    ] as const)
      await expect(
        pushToHub({ repo, token: TOKEN, private: false, files: adapterFiles(), hubUrl: hub.url }),
      ).rejects.toThrow(why);
    await expect(
      pushToHub({ repo: 'x', token: 'password123', private: false, files: adapterFiles(), hubUrl: hub.url }),
    ).rejects.toThrow(/not a Hugging Face access token \(they start with "hf_"\)/);
    expect(hub.state.log).toEqual([]);
    expect(repoNameProblem('alice/SmolLM2-135M_xsum.v1')).toBeNull();
  });

  it('network failure: an endpoint nothing answers, and a connection dropped mid-upload', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    await expect(
      pushToHub({
        repo: 'x',
        token: TOKEN,
        private: false,
        files: adapterFiles(),
        hubUrl: `http://127.0.0.1:${closed}`,
      }),
    ).rejects.toThrow(
      new RegExp(
        `^could not reach http://127\\.0\\.0\\.1:${closed} while checking the token .*; check the network and the Hub URL$`,
      ),
    );

    hub.state.fault = (method, path) =>
      method === 'PUT' && path.startsWith('/__hub-commit-lfs/') ? 'drop' : undefined;
    await expect(
      pushToHub({ repo: 'x', token: TOKEN, private: false, files: adapterFiles(), hubUrl: hub.url }),
    ).rejects.toThrow(/^could not reach http:\/\/127\.0\.0\.1:\d+ while uploading the weights/);
    expect(hub.state.repos.get('alice/x')!.commits).toHaveLength(0); // nothing half-committed
  });

  it('a server error on commit is reported with its status and stage', async () => {
    hub.state.fault = (_method, path) =>
      path.endsWith('/commit/main') ? { status: 500, error: 'storage down' } : undefined;
    await expect(
      pushToHub({ repo: 'x', token: TOKEN, private: false, files: adapterFiles(), hubUrl: hub.url }),
    ).rejects.toThrow(/^the Hub answered 500 while committing: storage down$/);
  });
});

describe('filesToPush', () => {
  const f = (name: string) => ({ name, bytes: new Uint8Array([1]) });
  const both = [
    'config.json',
    'model.safetensors',
    'tokenizer.json',
    'adapter_config.json',
    'adapter_model.safetensors',
  ].map(f);
  it('splits a trained model into its adapter and its merged HF files', () => {
    expect(filesToPush(both, 'adapter')!.map((x) => x.name)).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    expect(filesToPush(both, 'merged')!.map((x) => x.name)).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
  });
  it('null when there is no adapter (full fine-tuning) or no model', () => {
    expect(filesToPush(both.slice(0, 3), 'adapter')).toBeNull();
    expect(filesToPush(both.slice(3), 'merged')).toBeNull();
  });
});
