// ROUGE pairs/s: stemmed ROUGE-1/2/L/Lsum, as the studio's evaluation scores (lines prepared for
// Lsum), over the XSum validation pairs with the document's lead sentence as the "prediction".
import { scoreRougePairs } from '../metrics/aggregate';
import { prepareForRougeLsum, splitSentences } from '../metrics/sentences';
import type { RougeSummary } from '../core/events';
import { mulberry32 } from '../core/prng';
import { now } from './timing';
import type { RougeRecord } from './types';

interface Pairs {
  source: string;
  predictions: string[];
  references: string[];
}

/** Lead sentence vs summary from JSONL rows {document, summary}; throws naming a bad line. */
export function leadPairs(jsonl: string): { predictions: string[]; references: string[] } {
  const predictions: string[] = [];
  const references: string[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const row = JSON.parse(line) as { document?: unknown; summary?: unknown };
    if (typeof row.document !== 'string' || typeof row.summary !== 'string')
      throw new Error(`rouge bench: line ${i + 1} has no string document and summary`);
    predictions.push(splitSentences(row.document)[0] ?? '');
    references.push(row.summary);
  });
  return { predictions, references };
}

/** 100 pairs of seeded pseudo-English when the data is not served. */
function syntheticPairs(): Pairs {
  const words =
    'the a minister said on police team government year people club new first council two would has been after last'.split(
      ' ',
    );
  const rand = mulberry32(5);
  const sentence = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ') + '.';
  const predictions = Array.from({ length: 100 }, () => sentence(25));
  const references = Array.from({ length: 100 }, () => sentence(22));
  return { source: 'synthetic (data not served)', predictions, references };
}

async function loadPairs(url: string): Promise<Pairs> {
  try {
    const res = await fetch(url);
    if (!res.ok) return syntheticPairs();
    const { predictions, references } = leadPairs(await res.text());
    return predictions.length > 0 ? { source: url, predictions, references } : syntheticPairs();
  } catch {
    return syntheticPairs();
  }
}

export async function measureRouge(url: string, minMs: number): Promise<RougeRecord> {
  const { source, predictions, references } = await loadPairs(url);
  const run = () =>
    scoreRougePairs(predictions.map(prepareForRougeLsum), references.map(prepareForRougeLsum), { stem: true });
  let t0 = now();
  const scores = run(); // cold: the stemmer memo starts empty
  const firstMs = now() - t0;
  let reps = 0;
  t0 = now();
  while (reps < 2 || now() - t0 < minMs) {
    run();
    reps += 1;
  }
  const ms = now() - t0;
  const mean = (k: keyof RougeSummary) => scores.reduce((s, x) => s + x[k].fmeasure, 0) / scores.length;
  return {
    source,
    pairs: predictions.length,
    reps,
    firstPassPairsPerSec: predictions.length / (firstMs / 1000),
    pairsPerSec: (reps * predictions.length) / (ms / 1000),
    meanF: { rouge1: mean('rouge1'), rouge2: mean('rouge2'), rougeL: mean('rougeL'), rougeLsum: mean('rougeLsum') },
  };
}
