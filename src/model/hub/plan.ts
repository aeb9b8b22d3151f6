// What a Hub model is and costs, read BEFORE any weights move: the revision resolved to a commit,
// the file listing, config.json (refused here, naming the field, if the engine cannot run it), the
// safetensors headers only (Range requests, through the index when sharded), and from them the
// dtypes, parameter count, shapes checked against the config, and the exact files and bytes a
// download will fetch. Everything is pinned to the commit, so the download gets what was checked.
import {
  assertSafeShardFilename,
  downloadFile,
  listFiles,
  modelInfo,
  parseSafetensorsMetadata,
  type ListFileEntry,
  type SafetensorsFileHeader,
} from '@huggingface/hub';
import { countParams, type LlamaConfig } from '../config';
import { configFromHF } from '../io/hf-llama';
import { checkModelFileSize } from '../io/file-limits';
import { shown } from '../io/shown';
import { clipText, listSome } from '../../core/bounded-text';
import { EMBED, LM_HEAD, paramShapes } from '../params';
import {
  checkAccess,
  checkRepoId,
  hubCall,
  hubParams,
  endpointOf,
  HubError,
  revisionOf,
  type HubAccess,
  type HubModelRef,
} from './hub-client';

export type HubFileRole = 'config' | 'generation-config' | 'tokenizer' | 'tokenizer-config' | 'weights' | 'index';
export type HubDtype = 'BF16' | 'F16' | 'F32';

/** One file a download fetches, as the listing at the commit describes it. */
export interface HubFile {
  path: string;
  size: number; // bytes
  role: HubFileRole;
  /** The cache key's etag: the LFS sha256 for LFS files, else the git blob oid (what the Hub's ETag carries). */
  etag: string;
  sha256?: string; // LFS files: sha256 of the content
  gitOid?: string; // other files: git blob sha1 of the content
}

export interface HubModelPlan {
  repo: string;
  revision: string; // as asked ('main', a tag, or a sha)
  commit: string; // what it resolved to: every file is read at this commit
  endpoint: string;
  gated: boolean;
  config: LlamaConfig;
  configJson: Record<string, unknown>;
  /** What to download, small files first. */
  files: HubFile[];
  tokenizerFiles: string[];
  weightFiles: string[]; // model.safetensors, or the shards (the index is in files with role 'index')
  sharded: boolean;
  parameterCount: number;
  tensorCount: number;
  /** Per stored dtype: how many tensors and parameters are in it. */
  dtypes: Partial<Record<HubDtype, { tensors: number; parameters: number }>>;
  weightBytes: number; // safetensors bytes (shards included, index excluded)
  downloadBytes: number; // every file in `files`
  notes: string[];
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
const fmt = (s: number[]) => clipText(`[${s.join(', ')}]`, 60);
/** A tensor or file name from the repo, as a message quotes it. */
const q = (name: string) => JSON.stringify(clipText(name, 80));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hubFile(e: ListFileEntry, role: HubFileRole): HubFile {
  const size = e.lfs?.size ?? e.size;
  if (e.lfs?.oid) return { path: e.path, size, role, etag: e.lfs.oid, sha256: e.lfs.oid };
  if (e.oid) return { path: e.path, size, role, etag: e.oid, gitOid: e.oid };
  return { path: e.path, size, role, etag: `size-${size}` };
}

/** Which weights and tokenizer files the listing offers; refuses, with the reason, what the studio cannot read. */
function pickFiles(repo: string, listing: Map<string, ListFileEntry>): { weights: 'single' | 'sharded' } {
  const has = (p: string) => listing.has(p);
  if (!has('config.json'))
    throw new HubError(
      `${repo}: config.json is missing, so this is not a transformers model repo (files: ${listSome(listing.keys(), 8)})`,
    );
  let weights: 'single' | 'sharded';
  if (has(SINGLE)) weights = 'single';
  else if (has(INDEX)) weights = 'sharded';
  else if (has('adapter_model.safetensors') || has('adapter_config.json'))
    throw new HubError(
      `${repo} holds a PEFT adapter (adapter_model.safetensors), not a model: load its base model, then import the adapter`,
    );
  else if (has('pytorch_model.bin') || has('pytorch_model.bin.index.json'))
    throw new HubError(
      `${repo} has only PyTorch pickle weights (pytorch_model.bin), which the studio does not read (unpickling can run code): pick a revision with model.safetensors (the Hub's safetensors conversion PR, refs/pr/N, often has one)`,
    );
  else
    throw new HubError(
      `${repo}: no model.safetensors or model.safetensors.index.json at the repo root, so there are no weights to load`,
    );
  if (!has('tokenizer.json'))
    throw new HubError(
      has('tokenizer.model')
        ? `${repo} has only the sentencepiece tokenizer.model, and the studio reads tokenizer.json (a fast tokenizer): pick a repo or revision that has tokenizer.json`
        : `${repo}: tokenizer.json is missing; the studio needs the model's own tokenizer to train and generate`,
    );
  return { weights };
}

async function fetchJson(
  repo: string,
  commit: string,
  path: string,
  access: HubAccess,
  listing: Map<string, ListFileEntry>,
): Promise<unknown> {
  // The listing's size, checked before the file is fetched: a 500 MB config.json is refused unread.
  const entry = listing.get(path);
  if (entry) {
    try {
      checkModelFileSize(path, entry.lfs?.size ?? entry.size);
    } catch (e) {
      throw new HubError(`${repo}: ${(e as Error).message}`);
    }
  }
  const blob = await hubCall(repo, `read ${path}`, access, () =>
    downloadFile({ repo, path, revision: commit, ...hubParams(access) }),
  );
  if (!blob) throw new HubError(`${repo}: ${path} is listed but could not be downloaded (404)`);
  const text = await blob.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HubError(`${repo}: ${path} is not valid JSON (${clipText((e as Error).message, 120)})`);
  }
}

/** The shards an index names, each checked to be a safe relative name present in the listing. */
function shardsOf(repo: string, index: unknown, listing: Map<string, ListFileEntry>): Record<string, string> {
  if (!isObject(index) || !isObject(index.weight_map))
    throw new HubError(`${repo}: ${INDEX} has no "weight_map" object`);
  const map = index.weight_map;
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string')
      throw new HubError(`${repo}: ${INDEX} maps ${q(tensor)} to ${shown(file)}, not a file name`);
    try {
      assertSafeShardFilename(file);
    } catch (e) {
      throw new HubError(`${repo}: ${INDEX}: ${clipText((e as Error).message, 200)}`);
    }
    if (!listing.has(file))
      throw new HubError(
        `${repo}: ${INDEX} puts tensor ${q(tensor)} in ${clipText(file, 80)}, but the repo has no such file; the checkpoint is incomplete`,
      );
  }
  return map as Record<string, string>;
}

const isIgnored = (name: string) => name.endsWith('rotary_emb.inv_freq');

/** Checks every header tensor against the config's shapes; returns the dtype and parameter tallies. */
function checkHeaders(
  repo: string,
  config: LlamaConfig,
  headers: Record<string, SafetensorsFileHeader>,
  weightMap?: Record<string, string>,
): Pick<HubModelPlan, 'dtypes' | 'tensorCount' | 'parameterCount'> {
  const expected = new Map(paramShapes(config));
  const seen = new Set<string>();
  const dtypes: HubModelPlan['dtypes'] = {};
  for (const [file, header] of Object.entries(headers)) {
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__' || isIgnored(name)) continue;
      const t = info as { dtype: string; shape: number[] };
      if (weightMap && weightMap[name] !== file)
        throw new HubError(
          `${repo}: tensor ${q(name)} is in ${clipText(file, 80)}, but ${INDEX} says ${shown(weightMap[name] ?? null)}`,
        );
      if (seen.has(name)) throw new HubError(`${repo}: tensor ${q(name)} appears in more than one shard`);
      seen.add(name);
      if (t.dtype !== 'BF16' && t.dtype !== 'F16' && t.dtype !== 'F32')
        throw new HubError(
          `${repo}: tensor ${q(name)} is stored as ${clipText(String(t.dtype), 20)}; only BF16, F16 and F32 weights are supported (quantized checkpoints are not)`,
        );
      // A tied checkpoint may still carry lm_head (importHFLlama checks it equals the embedding).
      const want =
        expected.get(name) ?? (name === LM_HEAD && config.tieWordEmbeddings ? expected.get(EMBED) : undefined);
      if (!want) {
        const why = /\.bias$/.test(name) ? ' (biases are not supported: the engine’s Llama has none)' : '';
        throw new HubError(`${repo}: tensor ${q(name)} is not part of a Llama of this config${why}`);
      }
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]))
        throw new HubError(
          `${repo}: tensor ${q(name)} has shape ${fmt(t.shape)}, but config.json implies ${fmt(want)}; the head layout or sizes in config.json do not match the weights`,
        );
      const n = t.shape.reduce((a, b) => a * b, 1);
      const tally = (dtypes[t.dtype] ??= { tensors: 0, parameters: 0 });
      tally.tensors++;
      if (!(name === LM_HEAD && config.tieWordEmbeddings)) tally.parameters += n;
    }
  }
  const missing = [...expected.keys()].filter((n) => !seen.has(n));
  if (missing.length)
    throw new HubError(
      `${repo}: the weights lack ${missing.length} tensor(s) config.json implies: ${listSome(missing, 5, 80)}`,
    );
  return { dtypes, tensorCount: seen.size, parameterCount: countParams(config) };
}

/** Resolves, lists and checks a Hub model without downloading its weights; throws a HubError naming what is wrong. */
export async function planHubModel(ref: HubModelRef, access: HubAccess = {}): Promise<HubModelPlan> {
  const repo = checkRepoId(ref.repo);
  checkAccess(access);
  const revision = revisionOf(ref);
  const p = hubParams(access);

  const info = await hubCall(repo, 'read the model info', access, () =>
    modelInfo({ name: repo, revision, additionalFields: ['sha'], ...p }),
  );
  const commit = (info as { sha?: unknown }).sha;
  if (typeof commit !== 'string' || !commit)
    throw new HubError(`${repo}: the Hub did not say which commit revision "${revision}" is`);

  const listing = new Map<string, ListFileEntry>();
  await hubCall(repo, 'list its files', access, async () => {
    for await (const e of listFiles({ repo, revision: commit, recursive: true, ...p }))
      if (e.type === 'file') listing.set(e.path, e);
  });
  const { weights } = pickFiles(repo, listing);

  const configJson = await fetchJson(repo, commit, 'config.json', access, listing);
  let config: LlamaConfig;
  try {
    config = configFromHF(configJson);
  } catch (e) {
    throw new HubError(`${repo}: ${(e as Error).message.replace(/^HF config: /, 'config.json: ')}`);
  }

  let weightMap: Record<string, string> | undefined;
  let weightFiles: string[];
  if (weights === 'sharded') {
    weightMap = shardsOf(repo, await fetchJson(repo, commit, INDEX, access, listing), listing);
    weightFiles = [...new Set(Object.values(weightMap))].sort();
  } else weightFiles = [SINGLE];

  const parsed = await hubCall(repo, 'read the safetensors headers', access, () =>
    parseSafetensorsMetadata({ repo, revision: commit, path: weights === 'sharded' ? INDEX : SINGLE, ...p }),
  );
  const headers = parsed.sharded ? parsed.headers : { [SINGLE]: parsed.header };
  const tallies = checkHeaders(repo, config, headers, weightMap);

  const files: HubFile[] = [hubFile(listing.get('config.json')!, 'config')];
  const optional: [string, HubFileRole][] = [
    ['generation_config.json', 'generation-config'],
    ['tokenizer_config.json', 'tokenizer-config'],
  ];
  for (const [path, role] of optional) if (listing.has(path)) files.push(hubFile(listing.get(path)!, role));
  files.push(hubFile(listing.get('tokenizer.json')!, 'tokenizer'));
  if (weights === 'sharded') files.push(hubFile(listing.get(INDEX)!, 'index'));
  for (const w of weightFiles) files.push(hubFile(listing.get(w)!, 'weights'));

  const weightBytes = files.filter((f) => f.role === 'weights').reduce((a, f) => a + f.size, 0);
  const dtypeWords = Object.entries(tallies.dtypes).map(([d, t]) => `${t.tensors} ${d}`);
  return {
    repo,
    revision,
    commit,
    endpoint: endpointOf(access),
    gated: Boolean((info as { gated?: unknown }).gated),
    config,
    configJson: configJson as Record<string, unknown>,
    files,
    tokenizerFiles: files.filter((f) => f.role === 'tokenizer' || f.role === 'tokenizer-config').map((f) => f.path),
    weightFiles,
    sharded: weights === 'sharded',
    ...tallies,
    weightBytes,
    downloadBytes: files.reduce((a, f) => a + f.size, 0),
    notes: [
      `${repo}@${commit.slice(0, 7)}${revision !== commit ? ` (${revision})` : ''}: ${weightFiles.length} safetensors file(s), ${tallies.tensorCount} tensors (${dtypeWords.join(', ')})`,
    ],
  };
}
