// Hostile model files, built here (issue 18): each refusal is one short message (< 500 characters)
// naming the limit, and comes fast — checked on declared counts and sizes before anything is
// allocated or inflated. Before: a config.json naming 100,000 layers gave a 39-million-character
// message after 36 s; a zip of 60,000 entries a 709,000-character one; a 1 MB zip inflating to
// 1 GiB was inflated whole before it could be refused.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../../core/bounded-text';
import { CONFIG_LIMITS, type LlamaConfig } from '../config';
import { initWeights, paramShapes } from '../params';
import { unzipBounded, ZIP_LIMITS } from './archive';
import { configToHF, importHFLlama } from './hf-llama';
import { loadLlama2c } from './llama2c';
import { importModelFiles, type ModelFile } from './model-files';
import { adapterShapes, exportPeftAdapter } from './peft';
import { importPickedAdapter, importPickedModel } from './picked';
import { writeSafetensors } from './safetensors';
import { TINY } from '../../reliability/fixtures';
import { readShared } from '../../testing/shared';

/**
 * A refusal on a limit must come within this (ms): what took seconds before takes ~1–50 ms here, and
 * 1 s leaves room for a CI machine under load (measured with a load average of 16 on 2 cores).
 */
const FAST_MS = 1000;
/** A refusal that must first parse a big (valid) safetensors header: bounded by the parse, not by the message. */
const PARSE_MS = 10_000;

const utf8 = (s: string) => new TextEncoder().encode(s);
const json = (name: string, v: unknown): ModelFile => ({ name, bytes: utf8(JSON.stringify(v)) });

const tinyWeights = (c: LlamaConfig = TINY) => {
  const w = initWeights(c, 1);
  return new Map(paramShapes(c).map(([name, shape]) => [name, { shape, data: w.get(name)! }]));
};
const tokenizer = () =>
  json('tokenizer.json', {
    version: '1.0',
    model: { type: 'BPE', vocab: { a: 0, '</s>': 1 }, merges: [] },
    added_tokens: [],
  });
/** config.json (TINY with `edit`), model.safetensors of TINY and a tokenizer.json. */
const hfFiles = (edit: Record<string, unknown> = {}, weights = writeSafetensors(tinyWeights())): ModelFile[] => [
  json('config.json', { ...configToHF(TINY), ...edit }),
  { name: 'model.safetensors', bytes: weights },
  tokenizer(),
];

/** Runs `f`, which must throw; returns its message and how long it took. */
function refusal(f: () => unknown): { message: string; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    const ms = performance.now() - t0;
    return { message: (e as Error).message, ms };
  }
  throw new Error('expected a refusal, but it was accepted');
}

function expectShortAndFast(r: { message: string; ms: number }, pattern: RegExp, withinMs = FAST_MS): void {
  expect(r.message).toMatch(pattern);
  expect(r.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
  expect(r.ms).toBeLessThan(withinMs);
}

/** Sets every central-directory and local-header size field of `zip` (stored by fflate, no zip64) for entry `index`. */
function patchSizes(zip: Uint8Array, index: number, sizes: { size?: number; compressed?: number }): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  let eocd = out.length - 22;
  while (dv.getUint32(eocd, true) !== 0x06054b50) eocd--;
  let o = dv.getUint32(eocd + 16, true);
  for (let i = 0; i < index; i++)
    o += 46 + dv.getUint16(o + 28, true) + dv.getUint16(o + 30, true) + dv.getUint16(o + 32, true);
  const local = dv.getUint32(o + 42, true);
  if (sizes.compressed !== undefined) [o + 20, local + 18].forEach((p) => dv.setUint32(p, sizes.compressed!, true));
  if (sizes.size !== undefined) [o + 24, local + 22].forEach((p) => dv.setUint32(p, sizes.size!, true));
  return out;
}

describe('hostile config.json: limits before any shape table', () => {
  it('100,000 layers: one short message in milliseconds (was 39 million characters after 36 s)', () => {
    const r = refusal(() => importModelFiles(hfFiles({ num_hidden_layers: 100_000 })));
    expectShortAndFast(r, /^model config: num_hidden_layers 100,000 is beyond the 256 the studio supports$/);
  });

  it('max_position_embeddings 1e9 is refused, naming the bound (it was accepted)', () => {
    const r = refusal(() => importModelFiles(hfFiles({ max_position_embeddings: 1e9 })));
    expectShortAndFast(r, /max_position_embeddings 1,000,000,000 is beyond the 131,072 the studio supports/);
  });

  it('every bounded field: one past its limit is refused with its config.json name and bound', () => {
    for (const { hf, max } of CONFIG_LIMITS) {
      // Heads must still divide hidden_size; the limit is checked first, so any value past it will do.
      const cfg = { ...configToHF(TINY), head_dim: null, [hf]: max + 1 };
      const r = refusal(() => importHFLlama(cfg, [writeSafetensors(tinyWeights())]));
      expectShortAndFast(
        r,
        new RegExp(
          `^model config: ${hf} ${(max + 1).toLocaleString('en-US')} is beyond the ${max.toLocaleString('en-US')} the studio supports$`,
        ),
      );
    }
  });

  it('fields each within bounds, but too many parameters for a tab: refused by the count', () => {
    const big = {
      head_dim: null,
      hidden_size: 16_384,
      intermediate_size: 65_536,
      num_hidden_layers: 64,
      num_attention_heads: 128,
      num_key_value_heads: 8,
    };
    const r = refusal(() => importModelFiles(hfFiles(big)));
    expectShortAndFast(r, /parameters is beyond the 1,500,000,000 the studio can hold in a browser tab/);
  });

  it('a llama2.c header naming 100,000 layers is refused before its sizes are summed', () => {
    const bytes = new Uint8Array(28);
    const dv = new DataView(bytes.buffer);
    [8, 16, 100_000, 2, 2, 32, 8].forEach((v, i) => dv.setInt32(4 * i, v, true));
    expectShortAndFast(
      refusal(() => loadLlama2c(bytes)),
      /header is not a Llama shape \(model config: num_hidden_layers 100,000 is beyond the 256/,
    );
  });

  it('a value nested 10,000 deep is quoted in a few characters', () => {
    // Written as text: JSON.stringify itself overflows the stack on it.
    const text = JSON.stringify({ ...configToHF(TINY), rope_scaling: 0 }).replace(
      '"rope_scaling":0',
      `"rope_scaling":${'['.repeat(10_000)}1${']'.repeat(10_000)}`,
    );
    const files = hfFiles();
    files[0] = { name: 'config.json', bytes: utf8(text) };
    const r = refusal(() => importModelFiles(files));
    expectShortAndFast(r, /^HF config: rope_scaling \[\[\[.*is not supported/);
  });

  it('a 2 MiB config.json is refused by its size, unread', () => {
    const files = hfFiles();
    files[0] = { name: 'config.json', bytes: new Uint8Array(2 * 2 ** 20).fill(0x20) };
    expectShortAndFast(
      refusal(() => importModelFiles(files)),
      /^config\.json is 2 MiB; the studio reads a config\.json of at most 1 MiB$/,
    );
  });
});

describe('hostile tensor lists: counted, a few shown', () => {
  it('256 layers declared, 2 given: the missing tensors are counted, three named', () => {
    const r = refusal(() => importModelFiles(hfFiles({ num_hidden_layers: 256 })));
    expectShortAndFast(r, /^HF import: missing 2,286 tensor\(s\): model\.layers\.2\.\S+, \S+, \S+ and 2,283 more$/);
  });

  it('20,000 unexpected tensors with 1,000-character names: counted, three clipped', () => {
    const t = tinyWeights();
    for (let i = 0; i < 20_000; i++) t.set(`extra.${i}.${'x'.repeat(1000)}`, { shape: [1], data: new Float32Array(1) });
    const r = refusal(() => importModelFiles(hfFiles({}, writeSafetensors(t))));
    expectShortAndFast(
      r,
      /^HF import: 20,000 unexpected tensor\(s\) not in a Llama of this config: extra\.\S+…, .* and 19,997 more$/,
      PARSE_MS,
    );
  });

  it('an index naming 10,000 shard files for one given: counted, four named', () => {
    const map = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`t${i}`, `model-${i}.safetensors`]));
    const files = [...hfFiles(), json('model.safetensors.index.json', { weight_map: map })];
    const r = refusal(() => importModelFiles(files));
    expectShortAndFast(
      r,
      /^HF import: index names 10000 shard files \(model-0\.safetensors, .* and 9,996 more\), but 1 were given$/,
    );
  });
});

describe('hostile archives: counts and declared sizes before inflating, inflation capped', () => {
  it('a zip of 60,000 entries: refused by its count, before any entry is read (was a 709,000-character message)', () => {
    const entries = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`f${i}.txt`, utf8('x')]));
    const zip = zipSync(entries, { level: 0 });
    const r = refusal(() => importModelFiles([{ name: 'model.zip', bytes: zip }]));
    expectShortAndFast(r, /^model\.zip: a zip of at most 4,096 entries is read; this one has 60,000$/);
  });

  it('60,000 loose files: refused by their count', () => {
    const files = Array.from({ length: 60_000 }, (_, i) => ({ name: `f${i}.txt`, bytes: utf8('x') }));
    expectShortAndFast(
      refusal(() => importModelFiles(files)),
      /^60,000 files given; a model or adapter is at most 4,096 files$/,
    );
  });

  const MiB = 2 ** 20;
  const zeros = 128 * MiB;
  const bomb = zipSync({ 'model.safetensors': new Uint8Array(zeros) }, { level: 9 }); // ~130 KB

  it('a zip bomb (128 MiB of zeros at level 9): refused by its ratio, nothing inflated', () => {
    expect(bomb.length).toBeLessThan(zeros / 500);
    const r = refusal(() => importModelFiles([{ name: 'bomb.zip', bytes: bomb }]));
    expectShortAndFast(
      r,
      /^bomb\.zip: model\.safetensors would inflate from \d+(\.\d)? KiB to 128 MiB \([\d,]+×\); the studio inflates at most 100× per file, so this looks like a zip bomb$/,
    );
  });

  it('the same bomb declaring 1 MiB: inflation stops as soon as it passes the declared size', () => {
    const lying = patchSizes(bomb, 0, { size: MiB });
    const r = refusal(() => importModelFiles([{ name: 'lying.zip', bytes: lying }]));
    expectShortAndFast(
      r,
      /^lying\.zip: model\.safetensors inflates past the 1 MiB its header declares; refused \(the archive is damaged or hostile\)$/,
    );
  });

  it('entries declaring 9 GiB in all: refused by the total before any is read', () => {
    let zip: Uint8Array = zipSync({ a: utf8('1'), b: utf8('2'), c: utf8('3') }, { level: 6 });
    // 3 GiB each, from 1.5 GiB compressed (a plausible ratio): only the total is beyond the limit.
    for (let i = 0; i < 3; i++) zip = patchSizes(zip, i, { size: 3 * 2 ** 30 - 1, compressed: 1.5 * 2 ** 30 });
    const r = refusal(() => unzipBounded(zip, 'big.zip'));
    expectShortAndFast(r, /^big\.zip: its files unpack to more than 8 GiB, the most the studio unpacks from one zip$/);
  });

  it('a 2 MiB config.json inside a zip: refused on its declared size, before inflating', () => {
    const zip = zipSync({ 'config.json': new Uint8Array(2 * MiB).fill(0x20) }, { level: 9 });
    const r = refusal(() => importModelFiles([{ name: 'm.zip', bytes: zip }]));
    expectShortAndFast(r, /^config\.json is 2 MiB; the studio reads a config\.json of at most 1 MiB$/);
  });

  it('an honest zip is read exactly (stored and deflated entries, folders skipped)', () => {
    const big = new Uint8Array(3 * MiB); // a xorshift stream: incompressible, so the entry is big compressed too
    for (let i = 0, x = 2463534242; i < big.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      big[i] = x & 0xff;
    }
    const zip = zipSync({
      'dir/': new Uint8Array(0),
      'dir/a.bin': [big, { level: 1 }],
      'b.json': [utf8('{"x":1}'), { level: 0 }],
    });
    const out = unzipBounded(zip, 'ok.zip');
    expect(out.map((e) => e.name)).toEqual(['dir/a.bin', 'b.json']);
    expect(out[0].bytes.length).toBe(big.length);
    expect(out[0].bytes.every((b, i) => b === big[i])).toBe(true); // toEqual on 3 MB takes tens of seconds
    expect(new TextDecoder().decode(out[1].bytes)).toBe('{"x":1}');
    expect(ZIP_LIMITS.entries).toBe(4096);
  });

  it('a truncated deflate stream is refused, not returned short', () => {
    const zip = zipSync({ 'a.bin': new Uint8Array(100_000).map((_, i) => i % 251) }, { level: 6 });
    const short = patchSizes(zip, 0, { size: 200_000 }); // declares more than the stream holds
    expect(refusal(() => unzipBounded(short, 's.zip')).message).toMatch(
      /^s\.zip: a\.bin inflates to 97\.7 KiB, not the 195\.3 KiB its header declares$/,
    );
  });
});

describe('hostile adapters', () => {
  const base = () => ({ name: 'config.json', bytes: utf8(JSON.stringify(configToHF(TINY))) });
  const adapterFiles = () => {
    const lora = { r: 2, alpha: 4, dropout: 0, targetModules: ['q_proj' as const, 'v_proj' as const] };
    const w = new Map<string, Float32Array>();
    for (const [name, shape] of adapterShapes(TINY, lora))
      w.set(name, new Float32Array(shape[0] * shape[1]).fill(0.01));
    return exportPeftAdapter({ ...TINY, lora }, w, { id: 'tiny' });
  };

  it('an adapter is read in the worker form: its two files and notes', () => {
    const a = importPickedAdapter(adapterFiles(), base().bytes, { id: 'tiny', revision: '' });
    expect(a.adapter.map((f) => f.name).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(a.notes[0]).toBe('LoRA r 2, alpha 4, on q_proj, v_proj');
  });

  it('modules_to_save listing 20,000 modules: quoted in a few characters', () => {
    const [cfg, weights] = adapterFiles();
    const c = JSON.parse(new TextDecoder().decode(cfg.bytes));
    c.modules_to_save = Array.from({ length: 20_000 }, (_, i) => `module_${i}`);
    const r = refusal(() => importPickedAdapter([json('adapter_config.json', c), weights], base().bytes));
    expectShortAndFast(
      r,
      /options the studio's LoRA does not support: modules_to_save: \["module_0","module_1",.*… \(full copies of other modules\)$/,
    );
  });

  it('30,000 stray tensors in adapter_model.safetensors: counted, four named', () => {
    const [cfg] = adapterFiles();
    const t = new Map(
      Array.from({ length: 30_000 }, (_, i) => [`stray.${i}`, { shape: [1], data: new Float32Array(1) }]),
    );
    const r = refusal(() =>
      importPickedAdapter([cfg, { name: 'adapter_model.safetensors', bytes: writeSafetensors(t) }], base().bytes),
    );
    expectShortAndFast(
      r,
      /not LoRA matrices of a Llama linear layer: stray\.0, stray\.1, stray\.10, stray\.100 and 29,996 more/,
      PARSE_MS,
    );
  });

  it('an adapter zip of 60,000 entries: refused by its count', () => {
    const zip = zipSync(Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`f${i}`, utf8('x')])), {
      level: 0,
    });
    const r = refusal(() => importPickedAdapter([{ name: 'adapter.zip', bytes: zip }], base().bytes));
    expectShortAndFast(r, /^adapter\.zip: a zip of at most 4,096 entries is read; this one has 60,000$/);
  });

  it("a base config.json beyond the limits is refused before the adapter's files are opened", () => {
    const huge = utf8(JSON.stringify({ ...configToHF(TINY), num_hidden_layers: 100_000 }));
    expectShortAndFast(
      refusal(() => importPickedAdapter(adapterFiles(), huge)),
      /num_hidden_layers 100,000 is beyond the 256/,
    );
  });
});

describe('picked model files, as the worker reads them', () => {
  it('the llama2.c pair comes back as the five HF files with its notes', () => {
    const file = (name: string) => ({ name, bytes: new Uint8Array(readShared('fixtures', 'llama2c', name)) });
    const m = importPickedModel([file('aidreams260K.bin'), file('tok512.bin')]);
    expect(m.files.map((f) => f.name)).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(m.notes.join(' ')).toMatch(/llama2\.c checkpoint aidreams260K\.bin with tokenizer tok512\.bin/);
    // And they import again as the same model.
    expect(importModelFiles(m.files).config.numHiddenLayers).toBe(4);
  });
});
