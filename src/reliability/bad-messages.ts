// Bad-input rows for messages between threads: what the train and generate workers are sent and
// send back, checked at the boundary before anything acts on them.
import { checkFromWorker, checkToWorker } from '../runtime/train/protocol';
import { checkGenerateRequest } from '../runtime/generate/protocol';
import { defaultSpec } from '../train/spec';
import type { Row } from './bad-input-row';

const startMsg = (patch: Record<string, unknown>) => ({
  type: 'start',
  spec: defaultSpec('tiny'),
  data: { kind: 'url', trainUrl: '/data/xsum/train.jsonl' },
  replica: { rank: 0, world: 1, memory: null, channel: 'c', powerPreference: 'high-performance' },
  ...patch,
});

export const messageRows: Row[] = [
  // ---- thread messages (runtime/train/protocol.ts, runtime/generate/protocol.ts) ----
  {
    what: 'worker message with a wrong field type',
    run: () =>
      checkFromWorker({
        type: 'step',
        step: 1,
        totalSteps: 2,
        epoch: 0,
        loss: '2.3',
        lr: 1e-4,
        gradNorm: 1,
        tokensPerSec: 1,
        elapsedMs: 1,
        skipped: false,
      }),
    message: /^message "step": field "loss" is missing or has the wrong type$/,
  },
  {
    what: 'trained message with neither model files nor an adapter',
    run: () => checkFromWorker({ type: 'trained', files: [] }),
    message: /^message "trained": no model files and no adapter$/,
  },
  {
    what: 'trained message whose adapter is not a list of files',
    run: () => checkFromWorker({ type: 'trained', files: [], adapter: [{ name: 'adapter_config.json', bytes: '{}' }] }),
    message: /^message "trained": field "adapter" is missing or has the wrong type$/,
  },
  {
    what: 'worker message of an unknown type',
    run: () => checkFromWorker({ type: 'explode' }),
    message: /^unknown message type "explode"$/,
  },
  {
    what: 'start message with rank ≥ world',
    run: () => checkToWorker(startMsg({ replica: { rank: 2, world: 2, memory: null, channel: 'c' } })),
    message: /field "replica" must give rank < world/,
  },
  {
    what: 'start message with a bare SharedArrayBuffer as the group memory',
    run: () =>
      checkToWorker(startMsg({ replica: { rank: 0, world: 2, memory: new SharedArrayBuffer(8), channel: 'c' } })),
    message: /^message "start": replica\.memory must be a shared WebAssembly\.Memory or null: got SharedArrayBuffer$/,
  },
  {
    what: 'start message with an unshared WebAssembly.Memory as the group memory',
    run: () =>
      checkToWorker(
        startMsg({ replica: { rank: 0, world: 2, memory: new WebAssembly.Memory({ initial: 1 }), channel: 'c' } }),
      ),
    message:
      /^message "start": replica\.memory must be a shared WebAssembly\.Memory or null: got a WebAssembly\.Memory that is not shared$/,
  },
  {
    what: 'start message with an unknown data kind',
    run: () => checkToWorker(startMsg({ data: { kind: 'ftp' } })),
    message: /data\.kind must be "url" or "pairs"/,
  },
  {
    what: 'start message with pairs, one of them lacking its target',
    run: () =>
      checkToWorker(
        startMsg({
          data: {
            kind: 'pairs',
            name: 'mine',
            train: [
              { input: 'a', target: 'b' },
              { input: 'c', summary: 'd' },
            ],
          },
        }),
      ),
    message:
      /^message "start": data\.train must be a list of \{input, target\} strings: item 1 has no string "target"$/,
  },
  {
    what: 'start message with validation pairs that are not a list',
    run: () => checkToWorker(startMsg({ data: { kind: 'pairs', name: 'mine', train: [], validation: 'a.jsonl' } })),
    message: /^message "start": data\.validation must be a list of \{input, target\} strings: got string, not a list$/,
  },
  {
    what: 'generate message with an unknown backend',
    run: () =>
      checkGenerateRequest({
        type: 'generate',
        model: [{ name: 'a', bytes: new Uint8Array(1) }],
        prompt: 'p',
        maxNewTokens: 4,
        backend: 'cuda',
        summarize: false,
      }),
    message: /message "generate": unknown backend "cuda"/,
  },
  {
    what: 'generate message with a repetition penalty below 1',
    run: () =>
      checkGenerateRequest({
        type: 'generate',
        model: [{ name: 'a', bytes: new Uint8Array(1) }],
        prompt: 'p',
        maxNewTokens: 4,
        backend: 'wasm',
        summarize: false,
        numBeams: 1,
        lengthPenalty: 1,
        noRepeatNgramSize: 3,
        repetitionPenalty: 0.5,
        minNewTokens: 0,
      }),
    message: /^message "generate": repetitionPenalty must be a number in \[1, 10\], got 0\.5$/,
  },
  {
    what: 'generate message without its generation settings',
    run: () =>
      checkGenerateRequest({
        type: 'generate',
        model: [{ name: 'a', bytes: new Uint8Array(1) }],
        prompt: 'p',
        maxNewTokens: 4,
        backend: 'wasm',
        summarize: false,
      }),
    message: /^message "generate": numBeams must be an integer in \[1, 16\], got nothing$/,
  },
];
