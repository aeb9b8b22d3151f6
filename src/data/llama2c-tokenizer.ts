// A llama2.c tokenizer .bin (sentencepiece BPE pieces + scores) as a Hugging Face tokenizer.json,
// so an imported llama2.c model trains, generates and exports like any HF Llama.
//
// llama2.c's encode (run.c) starts from one token per UTF-8 character (byte-fallback <0xHH> ids
// for characters not in the vocabulary, after a dummy-prefix space) and repeatedly merges the
// adjacent pair whose concatenation is a piece with the highest score, leftmost on ties. HF BPE
// merges the lowest-ranked merge present. So every split (a, b) of a piece ab with a and b
// themselves pieces becomes a merge, ranked by the score of ab, highest first — what
// transformers' LlamaConverter does for a sentencepiece model. The structure around the model
// (Prepend/Replace "▁" normalizer, byte-fallback decoder) is the Llama 2 tokenizer.json's.
import type { Llama2cVocab } from './llama2c-vocab';

const SPACE = '\u2581'; // sentencepiece's "▁"
const SPECIALS = ['<unk>', '<s>', '</s>']; // ids 0, 1, 2 in every llama2.c export

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The piece as sentencepiece names it: llama2.c stores "▁" as a space and BOS/EOS as "\n<s>\n". */
function pieceName(p: Uint8Array, id: number): string {
  if (id < SPECIALS.length) return SPECIALS[id];
  let s: string;
  try {
    s = utf8.decode(p);
  } catch {
    throw new Error(`llama2.c tokenizer: piece ${id} is not valid UTF-8`);
  }
  return s.replaceAll(' ', SPACE);
}

/** tokenizer.json for a llama2.c vocabulary (ids and pieces unchanged). */
export function llama2cTokenizerJson(vocab: Llama2cVocab): Record<string, unknown> {
  const names = vocab.pieces.map(pieceName);
  const ids = new Map<string, number>();
  names.forEach((n, i) => {
    if (ids.has(n))
      throw new Error(`llama2.c tokenizer: piece ${JSON.stringify(n)} appears twice (ids ${ids.get(n)} and ${i})`);
    ids.set(n, i);
  });
  const isMergeable = (id: number) => id >= SPECIALS.length && !/^<0x[0-9A-F]{2}>$/.test(names[id]);
  const merges: { a: string; b: string; score: number; id: number; cut: number }[] = [];
  for (let id = 0; id < names.length; id++) {
    if (!isMergeable(id)) continue;
    const chars = [...names[id]]; // split by code point, as BPE's initial symbols are
    for (let cut = 1; cut < chars.length; cut++) {
      const a = chars.slice(0, cut).join('');
      const b = chars.slice(cut).join('');
      const ia = ids.get(a);
      const ib = ids.get(b);
      if (ia !== undefined && ib !== undefined && isMergeable(ia) && isMergeable(ib))
        merges.push({ a, b, score: vocab.scores[id], id, cut });
    }
  }
  // Highest score first; equal scores keep vocabulary order, as sentencepiece's sort does.
  merges.sort((x, y) => y.score - x.score || x.id - y.id || x.cut - y.cut);
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map(special),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: SPACE },
        { type: 'Replace', pattern: { String: ' ' }, content: SPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(names.map((n, i) => [n, i])),
      merges: merges.map((m) => [m.a, m.b]),
    },
  };
}

/** tokenizer_config.json matching it (Llama 2's special-token names, no pad: loading adds one). */
export function llama2cTokenizerConfig(): Record<string, unknown> {
  return {
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'LlamaTokenizer',
  };
}
