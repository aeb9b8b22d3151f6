// What a run trains on: supervised pairs, a training split and maybe a validation split. The page
// sends the pairs it already read and mapped; files the worker fetches (the default sample) and
// test fixtures arrive as text and are read here, with the rows a reader skipped reported.
import type { Pair } from '../core/example';
import type { RunEvent } from '../core/events';
import { detectFormat, readPairs } from '../data/readers';

export interface RunData {
  train: Pair[];
  validation?: Pair[]; // absent: 10% of train is held out (seeded)
}

/** A data file's name (it picks the format) and its text. */
export interface TextFile {
  name: string;
  text: string;
}

/** The pairs of one file; a 'status' event names the rows skipped for an empty document or summary. */
export function pairsOf(file: TextFile, emit: (e: RunEvent) => void): Pair[] {
  const { pairs, skipped } = readPairs(file.text, detectFormat(file.name, file.text), undefined, file.name);
  if (skipped.length > 0) {
    emit({
      type: 'status',
      message: `${file.name}: skipped ${skipped.length} rows with an empty document or summary (first: line ${skipped[0].line}: ${skipped[0].reason})`,
    });
  }
  return pairs;
}

/** A run's data from its files' text. */
export function readRunData(files: { train: TextFile; validation?: TextFile }, emit: (e: RunEvent) => void): RunData {
  return {
    train: pairsOf(files.train, emit),
    validation: files.validation ? pairsOf(files.validation, emit) : undefined,
  };
}
