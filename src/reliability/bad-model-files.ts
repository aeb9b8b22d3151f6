// Bad-input rows for the files a user gives as a model: safetensors, a Hugging Face Llama folder,
// tokenizers, llama2.c checkpoints and the studio's own training checkpoints.
import { loadLlama2cVocab } from '../data/llama2c-vocab';
import { loadTokenizer } from '../data/tokenizer';
import { configFromHF, importHFLlama } from '../model/io/hf-llama';
import { loadLlama2c } from '../model/io/llama2c';
import { importModelFiles } from '../model/io/model-files';
import { readSafetensors } from '../model/io/safetensors';
import { decodeCheckpoint } from '../train/checkpoint/checkpoint';
import type { Row } from './bad-input-row';
import { bpeTokenizer, LLAMA2C_FLOATS, llama2cBytes, oneTensor, rawSafetensors, tinyHF, utf8 } from './fixtures';

const hfFiles = (config: unknown, weights: Uint8Array, tokenizer: unknown = bpeTokenizer(['a', '</s>'])) => [
  { name: 'config.json', bytes: utf8(JSON.stringify(config)) },
  { name: 'model.safetensors', bytes: weights },
  { name: 'tokenizer.json', bytes: utf8(JSON.stringify(tokenizer)) },
];

export const modelFileRows: Row[] = [
  // ---- safetensors ----
  {
    what: 'safetensors shorter than its length field',
    run: () => readSafetensors(new Uint8Array(5)),
    message: /file is 5 bytes, shorter than the 8-byte header length/,
  },
  {
    what: 'oversized header length (bounded before parse)',
    run: () => readSafetensors(rawSafetensors('{}', undefined, 2 ** 40)),
    message: /header length 1099511627776 exceeds the limit of 100000000 bytes/,
  },
  {
    what: 'header length past the end of the file',
    run: () => readSafetensors(rawSafetensors('{}', undefined, 64)),
    message: /header length 64 is larger than the file \(2 bytes after the length field\)/,
  },
  {
    what: 'header not JSON',
    run: () => readSafetensors(rawSafetensors('{"x": ')),
    message: /header is not valid UTF-8 JSON/,
  },
  {
    what: 'header not UTF-8',
    run: () => readSafetensors(rawSafetensors('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b))),
    message: /header is not valid UTF-8 JSON/,
  },
  {
    what: 'truncated safetensors (data cut short)',
    run: () => readSafetensors(oneTensor().subarray(0, oneTensor().length - 4)),
    message: /tensor "x" data_offsets \[0, 16\] are out of range \(data buffer is 12 bytes\)/,
  },
  {
    what: 'tensor offsets disagree with its shape',
    run: () =>
      readSafetensors(
        rawSafetensors({ x: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, new Uint8Array(16)),
      ),
    message: /tensor "x" spans 12 bytes, but shape \[2, 2\] of F32 needs 16/,
  },
  {
    what: 'overlapping tensors',
    run: () =>
      readSafetensors(
        rawSafetensors(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
      ),
    message: /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/,
  },
  {
    what: 'unsupported dtype (I64 where a float is needed)',
    run: () =>
      readSafetensors(rawSafetensors({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))),
    message: /tensor "ids" has dtype I64; only F32, F16 and BF16 are supported/,
  },
  {
    what: 'unknown dtype',
    run: () =>
      readSafetensors(rawSafetensors({ x: { dtype: 'F7', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))),
    message: /tensor "x" has unknown dtype "F7"/,
  },

  // ---- Hugging Face import ----
  {
    what: 'wrong tensor shape in an HF import',
    run: () => {
      const m = tinyHF((t) =>
        t.set('model.layers.1.mlp.up_proj.weight', { shape: [16, 32], data: new Float32Array(512) }),
      );
      return importHFLlama(m.config, [m.bytes]);
    },
    message: /tensor "model\.layers\.1\.mlp\.up_proj\.weight" has shape \[16, 32\], expected \[32, 16\]/,
  },
  {
    what: 'missing tensor',
    run: () => {
      const m = tinyHF((t) => t.delete('model.norm.weight'));
      return importHFLlama(m.config, [m.bytes]);
    },
    message: /missing 1 tensor\(s\): model\.norm\.weight/,
  },
  {
    what: 'corrupt safetensors inside an HF import names the file',
    run: () => importHFLlama(tinyHF().config, [new Uint8Array(3)]),
    message: /HF import: model\.safetensors: safetensors: file is 3 bytes/,
  },
  {
    what: 'unknown architecture (config.json)',
    run: () => configFromHF({ ...tinyHF().config, architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' }),
    message: /architecture \["GPT2LMHeadModel"\] is not supported, expected LlamaForCausalLM/,
  },
  {
    what: 'rope_scaling set',
    run: () => configFromHF({ ...tinyHF().config, rope_scaling: { type: 'linear', factor: 2 } }),
    message: /rope_scaling \{"type":"linear","factor":2\} is not supported \(only plain RoPE\)/,
  },
  {
    what: 'config field of the wrong type',
    run: () => configFromHF({ ...tinyHF().config, hidden_size: '16' }),
    message: /"hidden_size" must be a number, got "16"/,
  },
  {
    what: 'config.json not JSON',
    run: () =>
      importModelFiles([
        { name: 'config.json', bytes: utf8('{oops') },
        { name: 'model.safetensors', bytes: oneTensor() },
      ]),
    message: /^config\.json: not valid JSON/,
  },
  {
    what: 'HF model without tokenizer.json',
    run: () => importModelFiles(hfFiles(tinyHF().config, tinyHF().bytes).slice(0, 2)),
    message: /tokenizer\.json is missing/,
  },
  {
    what: 'PyTorch pickle instead of safetensors',
    run: () =>
      importModelFiles([
        hfFiles(tinyHF().config, oneTensor())[0],
        hfFiles(tinyHF().config, oneTensor())[2],
        { name: 'pytorch_model.bin', bytes: new Uint8Array(8) },
      ]),
    message: /pytorch_model\.bin: PyTorch pickle weights are not read/,
  },
  {
    what: 'zip that is not a zip',
    run: () => importModelFiles([{ name: 'model.zip', bytes: utf8('not a zip at all') }]),
    message: /^model\.zip: not a zip archive$/,
  },
  {
    what: 'files that are no model',
    run: () => importModelFiles([{ name: 'notes.txt', bytes: utf8('hi') }]),
    message: /not a model: expected config\.json .*; got notes\.txt/,
  },

  // ---- tokenizers ----
  {
    what: 'tokenizer.json not an object',
    run: () => loadTokenizer([1, 2]),
    message: /^tokenizer\.json: expected a JSON object, got an array/,
  },
  {
    what: 'tokenizer.json unknown model type',
    run: () => loadTokenizer({ model: { type: 'Magic', vocab: {} } }),
    message: /unsupported model type "Magic" \(supported: BPE, WordPiece, Unigram\)/,
  },
  {
    what: 'tokenizer.json missing vocab',
    run: () => loadTokenizer({ model: { type: 'BPE', merges: [] } }),
    message: /^tokenizer\.json: model\.vocab is missing/,
  },
  {
    what: 'tokenizer.json vocab of the wrong type',
    run: () => loadTokenizer({ model: { type: 'BPE', vocab: 'a b c', merges: [] } }),
    message:
      /^tokenizer\.json: model\.vocab must be an object of token → id \(or a Unigram \[token, score\] list\), got string/,
  },
  {
    what: 'tokenizer without EOS',
    run: () => loadTokenizer(bpeTokenizer(['a', 'b'])),
    message: /no EOS token found .*none of <\/s> <\|endoftext\|>/,
  },
  {
    what: 'tokenizer_config names an EOS not in the vocabulary',
    run: () => loadTokenizer(bpeTokenizer(['a', '</s>']), { eos_token: '<eos>' }),
    message: /tokenizer_config\.json: eos_token "<eos>" is not in the vocabulary/,
  },

  // ---- llama2.c ----
  {
    what: 'llama2.c file shorter than its header',
    run: () => loadLlama2c(new Uint8Array(10)),
    message: /file is 10 bytes, shorter than its 28-byte header/,
  },
  {
    what: 'llama2.c truncated weights',
    run: () => loadLlama2c(llama2cBytes(100)),
    message: new RegExp(`header \\(dim 8, layers 1, vocab 32\\) needs ${LLAMA2C_FLOATS} float32 values, file has 100`),
  },
  {
    what: 'llama2.c header that is not a Llama shape',
    run: () => loadLlama2c(llama2cBytes(0, [9, 16, 1, 2, 2, 32, 8])),
    message: /header is not a Llama shape \(model config: hiddenSize 9 is not divisible by numAttentionHeads 2\)/,
  },
  {
    what: 'llama2.c model without tokenizer',
    run: () => importModelFiles([{ name: 'stories.bin', bytes: llama2cBytes(LLAMA2C_FLOATS) }]),
    message: /stories\.bin: a llama2\.c model needs its tokenizer \.bin \(e\.g\. tok512\.bin\) beside it/,
  },
  {
    what: 'llama2.c tokenizer truncated',
    run: () => loadLlama2cVocab(Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x61), 2),
    message:
      /llama2\.c vocab: truncated at token 1 of the model's 2 \(file is 13 bytes; wrong tokenizer \.bin for this model\?\)/,
  },

  // ---- training checkpoints ----
  {
    what: 'checkpoint that is a plain weights file',
    run: () => decodeCheckpoint(oneTensor()),
    message:
      /checkpoint: the file has no __metadata__\.format, expected "training-studio-checkpoint" \(a plain weights file is not a training checkpoint\)/,
  },
  {
    what: 'truncated checkpoint',
    run: () => decodeCheckpoint(oneTensor().subarray(0, 20)),
    message: /checkpoint: not a readable safetensors file \(truncated or corrupt\?\): safetensors: header length/,
  },
];
