// A Hugging Face tokenizer.json (plus optional tokenizer_config.json) behind the engine's
// TextTokenizer interface, via the pure-JS @huggingface/tokenizers (no DOM, no Node APIs: it runs
// in the training Web Worker).
//
// Pad handling mirrors the seed Python recipe: a tokenizer without a pad token (Llama 2) gets one
// added — `tokenizer.add_special_tokens({'pad_token': ...})` — at the next free id, and the model
// side grows its embedding to `vocabSize` (`model.resize_token_embeddings(len(tokenizer))`).
import { Tokenizer } from '@huggingface/tokenizers';
import { trainByteLevelBPE } from './bpe';
import type { TextTokenizer } from './types';
import { errorMessage } from '../core/errors';

export interface LoadedTokenizer extends TextTokenizer {
  /** True when the pad token was not in the input and was added here (at id vocabSize - 1). */
  readonly addedPadToken: boolean;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}

type Json = Record<string, unknown>;

// The model types tokenizers.js 0.2.0 constructs from an explicit `type`.
const SUPPORTED_MODELS = ['BPE', 'WordPiece', 'Unigram'];
// Name conventions used when tokenizer_config.json is absent or silent, most common first.
const BOS_NAMES = ['<s>', '<|begin_of_text|>', '<|startoftext|>', '<bos>', '<|im_start|>'];
const EOS_NAMES = ['</s>', '<|endoftext|>', '<|end_of_text|>', '<eos>', '<|eot_id|>', '<|im_end|>'];
const PAD_NAMES = ['<pad>', '[PAD]', '<|pad|>', '<|padding|>'];
const DEFAULT_PAD = '<pad>';

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/** Config special-token fields are strings or AddedToken dicts ({content, ...}). */
function tokenName(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (isObject(x) && typeof x.content === 'string') return x.content;
  return undefined;
}

/** Checks the shape and fills the keys tokenizers.js requires (it throws on a missing key). */
function normalizeTokenizerJson(input: unknown): Json {
  if (!isObject(input)) {
    throw new Error(`tokenizer.json: expected a JSON object, got ${describe(input)}`);
  }
  const model = input.model;
  if (!isObject(model)) throw new Error('tokenizer.json: missing "model" object');
  if (model.type !== undefined && !SUPPORTED_MODELS.includes(model.type as string)) {
    throw new Error(
      `tokenizer.json: unsupported model type ${JSON.stringify(model.type)} (supported: ${SUPPORTED_MODELS.join(', ')})`,
    );
  }
  if (!isObject(model.vocab) && !Array.isArray(model.vocab)) {
    throw new Error(
      model.vocab === undefined
        ? 'tokenizer.json: model.vocab is missing'
        : `tokenizer.json: model.vocab must be an object of token → id (or a Unigram [token, score] list), got ${describe(model.vocab)}`,
    );
  }
  if (model.type === 'BPE' && !Array.isArray(model.merges)) {
    throw new Error('tokenizer.json: BPE model.merges is missing or not an array');
  }
  if (input.added_tokens !== undefined && !Array.isArray(input.added_tokens)) {
    throw new Error('tokenizer.json: added_tokens must be an array');
  }
  // Our own copy: we may append a pad token, and the caller's object must stay untouched.
  const json = structuredClone(input);
  json.added_tokens ??= [];
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) json[key] ??= null;
  return json;
}

function construct(json: Json, config: Json): Tokenizer {
  try {
    return new Tokenizer(json, config);
  } catch (err) {
    const msg = errorMessage(err);
    throw new Error(`tokenizer.json: cannot be loaded (${msg})`, { cause: err });
  }
}

function maxIdPlusOne(tok: Tokenizer): number {
  let max = -1;
  for (const id of tok.get_vocab().values()) if (id > max) max = id;
  return max + 1;
}

/**
 * Resolves one special token: the config's name when it gives one (it must exist), else the
 * first conventional name present.
 */
function findSpecial(tok: Tokenizer, config: Json, field: string, names: string[]): number | undefined {
  const configured = tokenName(config[field]);
  if (configured !== undefined) {
    const id = tok.token_to_id(configured);
    if (id === undefined) {
      throw new Error(`tokenizer_config.json: ${field} ${JSON.stringify(configured)} is not in the vocabulary`);
    }
    return id;
  }
  for (const name of names) {
    const id = tok.token_to_id(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

function findPad(tok: Tokenizer, json: Json, config: Json): number | undefined {
  // A configured pad that is missing from the vocabulary is added under that name (as HF would),
  // so only an existing one counts here.
  const candidates = [tokenName(config.pad_token), padFromPaddingSection(json), ...PAD_NAMES];
  for (const name of candidates) {
    if (name === undefined) continue;
    const id = tok.token_to_id(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

function padFromPaddingSection(json: Json): string | undefined {
  const padding = json.padding;
  return isObject(padding) && typeof padding.pad_token === 'string' ? padding.pad_token : undefined;
}

/**
 * Loads a tokenizer.json (and optionally its tokenizer_config.json). Throws an Error whose message
 * starts with "tokenizer.json:" or "tokenizer_config.json:" on input it cannot use.
 */
export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown): LoadedTokenizer {
  const json = normalizeTokenizerJson(tokenizerJson);
  if (tokenizerConfig !== undefined && tokenizerConfig !== null && !isObject(tokenizerConfig)) {
    throw new Error(`tokenizer_config.json: expected a JSON object, got ${describe(tokenizerConfig)}`);
  }
  const config: Json = isObject(tokenizerConfig) ? tokenizerConfig : {};

  let tok = construct(json, config);
  const eosId = findSpecial(tok, config, 'eos_token', EOS_NAMES);
  if (eosId === undefined) {
    throw new Error(
      `tokenizer.json: no EOS token found (tokenizer_config.json eos_token unset and none of ${EOS_NAMES.join(' ')} in the vocabulary)`,
    );
  }
  // GPT-2-style tokenizers have a single <|endoftext|> serving as both BOS and EOS.
  const bosId = findSpecial(tok, config, 'bos_token', BOS_NAMES) ?? eosId;

  let padId = findPad(tok, json, config);
  const addedPadToken = padId === undefined;
  if (padId === undefined) {
    padId = maxIdPlusOne(tok);
    (json.added_tokens as unknown[]).push({
      id: padId,
      content: tokenName(config.pad_token) ?? DEFAULT_PAD,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    // Rebuilt rather than patched: tokenizers.js wires added tokens into its splitter and
    // decoder only at construction.
    tok = construct(json, config);
  }
  const vocabSize = maxIdPlusOne(tok);
  // tokenizers.js defaults this clean-up to true, which rewrites " ." to "." and so breaks
  // decode(encode(x)) === x; only an explicit request in the config turns it on.
  const cleanUp = config.clean_up_tokenization_spaces === true;
  const inner = tok;

  return {
    vocabSize,
    bosId,
    eosId,
    padId,
    addedPadToken,
    encode(text: string): number[] {
      const { ids, tokens } = inner.encode(text, { add_special_tokens: false });
      for (let i = 0; i < ids.length; i++) {
        // Only possible for a vocabulary with neither full byte coverage nor an unk token.
        if (ids[i] === undefined)
          throw new Error(`tokenizer: cannot encode ${JSON.stringify(tokens[i])} (no unk token)`);
      }
      return ids;
    },
    decode(ids: number[]): string {
      if (ids.length === 0) return ''; // tokenizers.js rejects an empty list
      return inner.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: cleanUp });
    },
    toJSON(): Record<string, unknown> {
      return structuredClone(json);
    },
    tokenToId: (token: string) => inner.token_to_id(token),
    idToToken: (id: number) => inner.id_to_token(id),
  };
}

/** Trains a byte-level BPE tokenizer (specials <pad> <s> </s> <unk> at ids 0-3) and loads it. */
export function trainTokenizer(texts: Iterable<string>, vocabSize: number): LoadedTokenizer {
  return loadTokenizer(trainByteLevelBPE(texts, { vocabSize }));
}
