import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/session-events';
import type { TrainingClient } from '../runtime/train/client';
import { checkFromWorker, type FromWorker } from '../runtime/train/protocol';
import { defaultSpec } from '../train/spec';
import { RunSession } from './run-session';

/** A session over a fake client: `emit` plays the client's messages, `started` records starts. */
function fixture(base: { label: string; files: { name: string; bytes: Uint8Array }[] } | null = null) {
  let emit!: (e: FromWorker) => void;
  const events: SessionEvent[] = [];
  const trained: string[] = [];
  const started: unknown[] = [];
  let saved = 0;
  const client: TrainingClient = {
    start: (...args) => void started.push(args),
    stop: () => {},
    dispose: () => {},
    killWorker: () => {},
    injectFault: () => {},
  };
  const session = new RunSession({
    onEvent: (e) => events.push(e),
    models: { base: base as never, setTrained: async (_files, label) => void trained.push(label) },
    checkpoints: { load: () => Promise.reject(new Error('none')), runSavedOne: () => void saved++ },
    createClient: (onEvent) => {
      emit = onEvent;
      return client;
    },
  });
  return { session, events, trained, started, saves: () => saved, emit: (e: FromWorker) => emit(e) };
}

describe('RunSession', () => {
  it('passes the run facts on and keeps heartbeats and snapshots back', () => {
    const f = fixture();
    f.session.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    f.emit({ type: 'heartbeat' });
    f.emit({ type: 'status', message: 'loading data' });
    f.emit({ type: 'snapshot', step: 10, weights: new Float32Array(4) });
    f.emit({ type: 'done', reason: 'finished', steps: 1, elapsedMs: 10, checksum: 7, optimizerBytes: 64 });
    expect(f.events.map((e) => e.type)).toEqual(['status', 'done']);
  });

  it('hands a trained model to the models and a saved checkpoint to the library', () => {
    const f = fixture();
    f.session.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    f.emit({ type: 'trained', files: [{ name: 'config.json', bytes: new Uint8Array(1) }] });
    f.emit({
      type: 'checkpoint',
      info: { id: 'c', runId: 'r', step: 1, epoch: 1, createdAt: '', bytes: 1 } as never,
      deleted: [],
    });
    expect(f.events).toEqual([]);
    expect(f.trained).toHaveLength(1);
    expect(f.trained[0]).toMatch(/^Trained from a fresh tiny model, /);
    expect(f.saves()).toBe(1);
  });

  it('names the base model in the trained label and fine-tunes its files', () => {
    const files = [{ name: 'model.safetensors', bytes: new Uint8Array(2) }];
    const f = fixture({ label: 'Imported m.zip', files });
    f.session.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    expect(
      (f.started[0] as [unknown, unknown, { model?: unknown; checkpoints?: { keepLast: number } }])[2],
    ).toMatchObject({ model: files, checkpoints: { keepLast: 3 } });
    f.emit({ type: 'trained', files });
    expect(f.trained[0]).toMatch(/^Trained from Imported m\.zip, /);
  });

  it('a checkpoint that could not be saved: the listener hears why, the run goes on and its model still arrives', () => {
    const f = fixture();
    const off: string[] = [];
    // The fixture's session has no listener: it says it as a status line.
    f.session.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    f.emit({ type: 'checkpointsOff', message: 'Checkpoints are off for the rest of this run: storage is full' });
    expect(f.events).toEqual([
      { type: 'status', message: 'Checkpoints are off for the rest of this run: storage is full' },
    ]);
    // With a listener (the page's checkpoints panel), it goes there.
    let emit!: (e: FromWorker) => void;
    const trained: string[] = [];
    const events: SessionEvent[] = [];
    const session = new RunSession({
      onEvent: (e) => events.push(e),
      models: { base: null, setTrained: async (_files, label) => void trained.push(label) },
      checkpoints: { load: () => Promise.reject(new Error('none')), runSavedOne: () => {} },
      onCheckpointsOff: (m) => off.push(m),
      createClient: (onEvent) => {
        emit = onEvent;
        return { start: () => {}, stop: () => {}, dispose: () => {}, killWorker: () => {}, injectFault: () => {} };
      },
    });
    session.start(defaultSpec('tiny'), { kind: 'url', trainUrl: '/t.jsonl' });
    emit({ type: 'checkpointsOff', message: 'off: full' });
    emit({ type: 'trained', files: [{ name: 'config.json', bytes: new Uint8Array(1) }] });
    emit({ type: 'done', reason: 'finished', steps: 6, elapsedMs: 10, checksum: 7, optimizerBytes: 64 });
    expect(off).toEqual(['off: full']);
    // The page checks the worker's message like every other one.
    expect(checkFromWorker({ type: 'checkpointsOff', message: 'off: full' })).toEqual({
      type: 'checkpointsOff',
      message: 'off: full',
    });
    expect(checkFromWorker({ type: 'checkpointsOff' })).toMatch(/field "message"/);
    expect(trained).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['done']);
  });

  it('fails a resume before starting anything when the checkpoint cannot be loaded', async () => {
    const f = fixture();
    let began = false;
    await expect(
      f.session.resume('gone', { kind: 'url', trainUrl: '/t.jsonl' }, defaultSpec(), () => (began = true)),
    ).rejects.toThrow('none');
    expect(began).toBe(false);
    expect(f.started).toEqual([]);
  });
});
