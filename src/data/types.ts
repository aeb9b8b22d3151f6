// Shapes shared across the data pipeline.

/** What the engine needs of any tokenizer (a loaded tokenizer.json or one the studio trained). */
export interface TextTokenizer {
  readonly vocabSize: number; // embedding rows needed: max id + 1, added tokens included
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Ids of the text alone: no BOS/EOS or other special tokens added. */
  encode(text: string): number[];
  /** Text of ids, special tokens skipped. */
  decode(ids: number[]): string;
  /** The tokenizer in Hugging Face tokenizer.json form (with the pad token if one was added). */
  toJSON(): Record<string, unknown>;
}

/** Which source columns hold the input and the target (seed default: document → summary). */
export interface ColumnMapping {
  input: string;
  target: string;
}

export const DEFAULT_MAPPING: ColumnMapping = { input: 'document', target: 'summary' };
