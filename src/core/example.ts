// One training example, the shapes every layer from data to train shares: the text pair as read
// from the user's data, and the tokenized example the loss sees.

/** Label value ignored by the loss (PyTorch / transformers convention). */
export const IGNORE_INDEX = -100;

export interface Example {
  inputIds: number[]; // (L,)
  labels: number[]; // (L,) labels[t] = inputIds[t + 1] where supervised, else IGNORE_INDEX
}

/** One supervised pair after column mapping: the article and its reference summary. */
export interface Pair {
  input: string;
  target: string;
}
