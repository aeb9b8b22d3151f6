// One tokenized training example, the shape every layer from data to train shares.

/** Label value ignored by the loss (PyTorch / transformers convention). */
export const IGNORE_INDEX = -100;

export interface Example {
  inputIds: number[]; // (L,)
  labels: number[]; // (L,) labels[t] = inputIds[t + 1] where supervised, else IGNORE_INDEX
}
