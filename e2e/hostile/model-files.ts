// Hostile model files and archives, picked in the Model panel's import: unsupported or impossible
// configs, broken safetensors headers, lone or foreign .bin files, and zips that are not zips, are
// cut short, inflate to 1 GiB, hold 60,000 entries or climb out of their folder. Each is refused in
// the panel (model-error); the model in use, the cached model and the trained one stay.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32, createDeflateRaw } from 'node:zlib';
import type { Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { editConfig, tinyHFModel } from '../../src/testing/hf-model-fixture';
import { pickFiles, type HostileInput } from './harness';

const shared = process.env.STUDIO_SHARED_DIR ?? resolve('..', 'shared');
let tiny: Record<string, Uint8Array> | null = null;
/** A valid tiny HF model's files (config.json, model.safetensors, tokenizer.json, …). */
const good = () => (tiny ??= tinyHFModel({ seed: 18 }).files);

type Files = Record<string, Uint8Array | Buffer>;

function pick(files: Files | (() => Files | Promise<Files>)) {
  return async (page: Page) => {
    const fs = typeof files === 'function' ? await files() : files;
    await pickFiles(
      page,
      'model-import',
      Object.entries(fs).map(([name, b]) => ({ name, buffer: Buffer.from(b) })),
    );
  };
}

const modelInput = (
  input: string,
  files: Files | (() => Files | Promise<Files>),
  expect: RegExp,
  timeoutMs?: number,
): HostileInput => ({
  cls: 'model file',
  input,
  feed: pick(files),
  message: (page) => page.getByTestId('model-error'),
  expect,
  timeoutMs,
});

/** A safetensors file: the 8-byte little-endian header length, the header, the data. */
function safetensors(header: string | object, data = Buffer.alloc(0), declaredLength?: bigint): Buffer {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declaredLength ?? BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

/** The good model with one file replaced. */
const withFile = (name: string, bytes: Uint8Array | Buffer) => () => ({ ...good(), [name]: bytes });
const withConfig = (changes: Record<string, unknown>) => () => ({
  ...good(),
  'config.json': editConfig(good(), changes),
});

/**
 * A zip bomb: one entry, model.safetensors, of 1 GiB of zeros deflated to about 1 MiB. Written by
 * hand (local header, data, central directory) with Node's zlib so making it takes a second, not a
 * 1 GiB buffer through a JS deflater. Sizes fit in 32 bits, so no ZIP64 fields are needed.
 */
async function zipBomb(): Promise<Buffer> {
  const size = 1024 ** 3;
  const chunk = Buffer.alloc(16 * 1024 ** 2);
  let crc = 0;
  for (let i = 0; i < size / chunk.length; i++) crc = crc32(chunk, crc);
  const data = await deflateZeros(size, chunk);
  const name = Buffer.from('model.safetensors');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size >>> 0, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size >>> 0, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42); // local header offset
  const cdOffset = local.length + name.length + data.length;
  const cdSize = central.length + name.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** Raw deflate of `size` zero bytes, streamed from one zero chunk written again and again. */
function deflateZeros(size: number, chunk: Buffer): Promise<Buffer> {
  return new Promise((done, fail) => {
    const out: Buffer[] = [];
    const d = createDeflateRaw({ level: 9 });
    d.on('data', (b: Buffer) => out.push(b));
    d.on('end', () => done(Buffer.concat(out)));
    d.on('error', fail);
    let left = size / chunk.length;
    const write = () => {
      while (left > 0) {
        left--;
        if (!d.write(chunk)) return void d.once('drain', write);
      }
      d.end();
    };
    write();
  });
}

/** A zip of `n` tiny entries (a model would need 5; the message must not list them all). */
const manyEntries = (n: number) => () => ({
  'h-many.zip': zipSync(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `shard-${String(i).padStart(5, '0')}-of-a-very-long-name.txt`,
        new Uint8Array([1]),
      ]),
    ),
    { level: 0 },
  ),
});

export const modelFileInputs: HostileInput[] = [
  modelInput('config.json of a GPT-2', { 'config.json': Buffer.from('{"model_type": "gpt2"}') }, /gpt2/),
  modelInput(
    'config.json that is not JSON',
    { 'config.json': Buffer.from('{"model_type": "llama",') },
    /config\.json.*JSON/,
  ),
  modelInput(
    'config.json with rope_scaling (not implemented)',
    withConfig({ rope_scaling: { type: 'yarn', factor: 4 } }),
    /rope_scaling/,
  ),
  modelInput(
    'config.json with max_position_embeddings 1e9',
    withConfig({ max_position_embeddings: 1e9 }),
    /max_position_embeddings/,
  ),
  modelInput(
    'config.json naming 100,000 layers',
    withConfig({ num_hidden_layers: 100_000 }),
    /(layers|num_hidden_layers).*(100,?000|at most|limit)/,
    40_000,
  ),
  modelInput(
    'safetensors whose header length says 2^53 bytes',
    withFile('model.safetensors', safetensors('{}', Buffer.alloc(0), 2n ** 53n)),
    /header length.*(limit|exceeds)/,
  ),
  modelInput(
    'safetensors whose header is not JSON',
    withFile('model.safetensors', safetensors('{"a": [1, 2', Buffer.alloc(16))),
    /header is not valid/,
  ),
  modelInput('safetensors of 5 bytes', withFile('model.safetensors', Buffer.from([1, 2, 3, 4, 5])), /5 bytes.*8-byte/),
  modelInput(
    'safetensors with a tensor of dtype Q4 and offsets past the end',
    withFile(
      'model.safetensors',
      safetensors({ 'model.embed_tokens.weight': { dtype: 'Q4', shape: [4, 4], data_offsets: [0, 1 << 30] } }),
    ),
    /dtype|data_offsets/,
  ),
  modelInput(
    'a llama2.c model .bin without its tokenizer',
    () => ({ 'aidreams260K.bin': readFileSync(resolve(shared, 'fixtures', 'llama2c', 'aidreams260K.bin')) }),
    /tokenizer/,
  ),
  modelInput(
    'a 1 KB .bin of random bytes',
    { 'h-random.bin': Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 31) % 256)) },
    /h-random\.bin|\.bin/,
  ),
  modelInput('tokenizer.json that is {}', withFile('tokenizer.json', Buffer.from('{}')), /tokenizer/),
  modelInput(
    'archive: a text file named .zip',
    { 'h-text.zip': Buffer.from('this is not a zip') },
    /h-text\.zip.*not a zip/,
  ),
  modelInput(
    'archive: a real zip cut in half',
    () => {
      const z = zipSync(Object.fromEntries(Object.entries(good())));
      return { 'h-half.zip': z.subarray(0, z.length >> 1) };
    },
    /h-half\.zip/,
  ),
  modelInput(
    'archive: 1 MB zip that inflates to 1 GiB',
    async () => ({ 'h-bomb.zip': await zipBomb() }),
    /h-bomb\.zip.*(GiB|MiB|bytes|limit|at most)/,
    30_000,
  ),
  modelInput('archive: zip of 60,000 entries', manyEntries(60_000), /h-many\.zip.*(60,?000|entries|at most)/, 30_000),
  modelInput(
    'archive: zip whose entries climb out with ../../',
    () => ({
      'h-climb.zip': zipSync({
        '../../config.json': good()['config.json'],
        '../../../etc/passwd': new Uint8Array([1]),
      }),
    }),
    /h-climb\.zip|missing|path/,
  ),
  modelInput(
    'archive: a zip inside a zip',
    () => ({ 'h-nested.zip': zipSync({ 'inner.zip': zipSync(good()) }) }),
    /h-nested\.zip|inner\.zip|zip/,
  ),
].map(fixClass);

/** Inputs whose description says "archive:" are archives. */
function fixClass(i: HostileInput): HostileInput {
  return i.input.startsWith('archive: ') ? { ...i, cls: 'archive', input: i.input.slice('archive: '.length) } : i;
}
