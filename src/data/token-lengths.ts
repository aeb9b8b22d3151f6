// Token lengths of a dataset under the prompt format of examples.ts, so a person can choose max
// source/target lengths from the data rather than by guess.
//
// What counts (matching buildExample's truncation exactly):
//   document length = encode(document).length          (BOS and separator not counted; cut at maxSourceLength)
//   summary length  = encode(summary).length + 1       (EOS included; cut at maxTargetLength)
// so a document is truncated iff its length > maxSourceLength, a summary iff its length > maxTargetLength.
// Counting (tokenizing every pair) is the slow part and is separate from summarizing, which is
// cheap and reruns whenever the max lengths change.
import { DEFAULT_SEPARATOR } from './examples';
import { loadTokenizer, trainTokenizer, type LoadedTokenizer } from './tokenizer';
import type { Pair } from '../core/example';
import type { TextTokenizer } from './types';
import { errorMessage } from '../core/errors';

export interface TokenLengths {
  documents: number[]; // (N,) per pair, in pair order
  summaries: number[]; // (N,) EOS included
  separator: number; // tokens of the separator between them
}

export interface LengthBin {
  from: number; // inclusive
  to: number; // exclusive
  count: number;
}

export interface LengthSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Nearest-rank percentiles: p50, p90, p95, p99. */
  percentiles: { p50: number; p90: number; p95: number; p99: number };
  bins: LengthBin[];
  limit: number; // the max length it is cut at
  truncated: number; // rows longer than limit
  truncatedFraction: number; // truncated / count (0 when there are no rows)
}

export interface TokenLengthStats {
  document: LengthSummary;
  summary: LengthSummary;
  /** The longest training sequence after truncation: BOS + document + separator + summary (EOS included). */
  longestExample: number;
}

export interface LengthLimits {
  maxSourceLength: number;
  maxTargetLength: number;
}

/**
 * An imported model's tokenizer as its Hugging Face files keep it: the text of tokenizer.json and,
 * when the model has one, of tokenizer_config.json (it names BOS/EOS/pad, which loadTokenizer
 * needs to accept the file at all). Text rather than parsed objects because that is what the model
 * store holds and what crosses a postMessage cheaply.
 */
export interface TokenizerFiles {
  json: string;
  config?: string;
}

/**
 * The tokenizer files of an imported model (its Hugging Face files, as the model store keeps them),
 * or null when there is none. A model without tokenizer.json cannot be trained at all (the run's
 * import refuses it), so null there too: the histogram then says it used a trained BPE.
 */
export function tokenizerFilesOf(
  files: readonly { name: string; bytes: Uint8Array }[] | null | undefined,
): TokenizerFiles | null {
  const text = (name: string) => {
    const f = files?.find((x) => x.name === name);
    return f ? new TextDecoder().decode(f.bytes) : undefined;
  };
  const json = text('tokenizer.json');
  if (json === undefined) return null;
  const config = text('tokenizer_config.json');
  return config === undefined ? { json } : { json, config };
}

/** Which tokenizer the lengths were counted with, so the chart can say so. */
export type LengthTokenizer =
  { kind: 'imported'; vocabSize: number } | { kind: 'trained'; vocabSize: number; pairs: number };

function parseFile(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the imported model's ${name} is not valid JSON (${errorMessage(err)})`, { cause: err });
  }
}

/**
 * The tokenizer a run that fine-tunes the imported model uses: the same loadTokenizer call on the
 * same two files as importModelFiles makes, so the lengths are the ones training will see. Throws
 * an Error naming the file and what is wrong with it.
 */
export function importedTokenizer(files: TokenizerFiles): LoadedTokenizer {
  const json = parseFile('tokenizer.json', files.json);
  const config = files.config === undefined ? undefined : parseFile('tokenizer_config.json', files.config);
  return loadTokenizer(json, config);
}

/**
 * The tokenizer a run of a fresh preset trains (run.ts trains on every training pair; a caller may
 * pass an evenly spaced subset, since training it is the slow part and the lengths barely move).
 */
export function trainedTokenizer(pairs: readonly Pair[], vocabSize: number): LoadedTokenizer {
  return trainTokenizer(
    pairs.flatMap((p) => [p.input, p.target]),
    vocabSize,
  );
}

/** Tokenizes every pair once. */
export function countTokenLengths(
  tok: Pick<TextTokenizer, 'encode'>,
  pairs: readonly Pair[],
  separator = DEFAULT_SEPARATOR,
): TokenLengths {
  return {
    documents: pairs.map((p) => tok.encode(p.input).length),
    summaries: pairs.map((p) => tok.encode(p.target).length + 1),
    separator: tok.encode(separator).length,
  };
}

/** The value below which p percent of the sorted values fall (nearest rank: sorted[ceil(p/100·n) − 1]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** A bin width from {1, 2, 5} × 10^k so that [0, max] fits in at most `bins` bins and the edges read well. */
export function niceBinWidth(max: number, bins: number): number {
  const raw = Math.max(1, max + 1) / Math.max(1, bins);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return Math.max(1, m * pow);
  return Math.max(1, 10 * pow);
}

/** Equal-width bins over [0, max] (each [from, to)); every length falls in exactly one. */
export function lengthBins(lengths: readonly number[], bins = 20): LengthBin[] {
  if (lengths.length === 0) return [];
  const max = lengths.reduce((a, b) => Math.max(a, b), 0);
  const width = niceBinWidth(max, bins);
  const n = Math.floor(max / width) + 1;
  const out: LengthBin[] = Array.from({ length: n }, (_, i) => ({ from: i * width, to: (i + 1) * width, count: 0 }));
  for (const len of lengths) out[Math.floor(len / width)].count++;
  return out;
}

export function summarizeLengths(lengths: readonly number[], limit: number, bins = 20): LengthSummary {
  const sorted = [...lengths].sort((a, b) => a - b);
  const n = sorted.length;
  const truncated = sorted.filter((v) => v > limit).length;
  return {
    count: n,
    min: n ? sorted[0] : 0,
    max: n ? sorted[n - 1] : 0,
    mean: n ? sorted.reduce((a, b) => a + b, 0) / n : 0,
    percentiles: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
    },
    bins: lengthBins(sorted, bins),
    limit,
    truncated,
    truncatedFraction: n ? truncated / n : 0,
  };
}

/** Histograms, percentiles and truncation at the given limits, from counted lengths. */
export function summarizeTokenLengths(lengths: TokenLengths, limits: LengthLimits, bins = 20): TokenLengthStats {
  if (lengths.documents.length !== lengths.summaries.length) {
    throw new Error(`token lengths: ${lengths.documents.length} documents but ${lengths.summaries.length} summaries`);
  }
  let longestExample = 0;
  for (let i = 0; i < lengths.documents.length; i++) {
    const len =
      1 +
      Math.min(lengths.documents[i], limits.maxSourceLength) +
      lengths.separator +
      Math.min(lengths.summaries[i], limits.maxTargetLength);
    longestExample = Math.max(longestExample, len);
  }
  return {
    document: summarizeLengths(lengths.documents, limits.maxSourceLength, bins),
    summary: summarizeLengths(lengths.summaries, limits.maxTargetLength, bins),
    longestExample,
  };
}

/** countTokenLengths then summarizeTokenLengths. */
export function tokenLengthStats(
  tok: Pick<TextTokenizer, 'encode'>,
  pairs: readonly Pair[],
  limits: LengthLimits & { separator?: string },
  bins = 20,
): TokenLengthStats {
  return summarizeTokenLengths(countTokenLengths(tok, pairs, limits.separator), limits, bins);
}
