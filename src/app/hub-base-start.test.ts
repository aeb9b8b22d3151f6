// A Hub base model reaches the training worker with its identity (repo, commit), checked on receipt;
// a Hub base whose files left the cache never starts a run (and never a fresh model in its place).
import { describe, expect, it } from 'vitest';
import { weightsHash } from '../model/checksum';
import { checkToWorker } from '../runtime/train/protocol';
import type { TrainingClient } from '../runtime/train/client';
import type { SessionEvent } from '../core/session-events';
import { defaultSpec } from '../train/spec';
import type { StoredModel } from './model-storage';
import { RunSession } from './run-session';

const COMMIT = 'b'.repeat(40);
const files = [{ name: 'model.safetensors', bytes: new Uint8Array(2) }];
const hubBase = (withFiles: boolean): StoredModel => ({
  slot: 'base',
  label: 'acme/tiny from the Hugging Face Hub',
  notes: [],
  files: withFiles ? files : [],
  savedAt: '',
  hub: { repo: 'acme/tiny', revision: 'main', commit: COMMIT },
});

function session(base: StoredModel) {
  const started: unknown[][] = [];
  const events: SessionEvent[] = [];
  const client: TrainingClient = {
    start: (...args) => void started.push(args),
    stop: () => {},
    dispose: () => {},
    killWorker: () => {},
    injectFault: () => {},
  };
  const s = new RunSession({
    onEvent: (e) => events.push(e),
    models: { base, setTrained: async () => {} },
    checkpoints: { load: () => Promise.reject(new Error('none')), runSavedOne: () => {} },
    createClient: () => client,
  });
  return { s, started, events };
}

describe('a Hub base model at run start', () => {
  it('sends the files with the repo and commit as the base identity', () => {
    const f = session(hubBase(true));
    f.s.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    expect(f.started[0][2]).toMatchObject({ model: files, modelBase: { id: 'acme/tiny', revision: COMMIT } });
  });

  it('refuses to start when the files are gone from the cache, saying what to do', () => {
    const f = session(hubBase(false));
    f.s.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    expect(f.started).toEqual([]);
    expect(f.events).toHaveLength(1);
    expect(f.events[0]).toMatchObject({ type: 'error' });
    expect((f.events[0] as { message: string }).message).toContain('download it again from the Hub');
  });

  it('the worker protocol takes modelBase only as {id, revision} strings beside a model', () => {
    const start = {
      type: 'start',
      spec: {},
      data: { kind: 'url', trainUrl: '/t.jsonl' },
      replica: { rank: 0, world: 1, memory: null, channel: 'c', powerPreference: 'high-performance' },
    };
    expect(checkToWorker({ ...start, model: files, modelBase: { id: 'acme/tiny', revision: COMMIT } })).toMatchObject({
      modelBase: { id: 'acme/tiny', revision: COMMIT },
    });
    expect(checkToWorker({ ...start, modelBase: { id: 'acme/tiny', revision: COMMIT } })).toMatch(/beside a model/);
    expect(checkToWorker({ ...start, model: files, modelBase: { id: 'acme/tiny' } })).toMatch(/modelBase must be/);
  });
});

describe('weightsHash (BaseIdentity.hash)', () => {
  const w = () =>
    new Map([
      ['model.embed_tokens.weight', new Float32Array([0.5, -1, 2, 3])],
      ['model.norm.weight', new Float32Array([1, 1])],
    ]);
  it('is 16 hex digits, the same whatever order the tensors came in', () => {
    const h = weightsHash(w());
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(weightsHash(new Map([...w()].reverse()))).toBe(h);
  });
  it('changes with any value, name or tensor', () => {
    const h = weightsHash(w());
    const changed = w();
    changed.get('model.norm.weight')![1] = 1.0000001;
    expect(weightsHash(changed)).not.toBe(h);
    const renamed = new Map([...w()].map(([k, v]) => [k.replace('norm', 'nrm'), v]));
    expect(weightsHash(renamed)).not.toBe(h);
    const fewer = w();
    fewer.delete('model.norm.weight');
    expect(weightsHash(fewer)).not.toBe(h);
    // -0 and +0 are different bits: a hash of values, not of their sum.
    const zero = new Map([['x', new Float32Array([0])]]);
    expect(weightsHash(zero)).not.toBe(weightsHash(new Map([['x', new Float32Array([-0])]])));
  });
});
