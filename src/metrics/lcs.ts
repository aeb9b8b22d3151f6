// Longest-common-subsequence helpers for ROUGE-L and ROUGE-Lsum, mirroring rouge_score's
// `_lcs_table`, `_backtrack_norec` and `_union_lcs`. The backtrack's tie-breaking is copied
// exactly because summary-level ROUGE-L unions the *particular* LCS found for each sentence
// pair, so a different (equally long) LCS can change the score.

/** DP table of LCS lengths, (ref.length + 1) x (can.length + 1), row-major in a flat array. */
export function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array {
  const cols = can.length + 1;
  const table = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    const row = i * cols;
    const prevRow = row - cols;
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      if (r === can[j - 1]) {
        table[row + j] = table[prevRow + j - 1] + 1;
      } else {
        const up = table[prevRow + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  return table;
}

/** Length of the LCS of two token lists. */
export function lcsLength(ref: readonly string[], can: readonly string[]): number {
  if (ref.length === 0 || can.length === 0) return 0;
  const table = lcsTable(ref, can);
  return table[table.length - 1];
}

/** Indices into `ref` of one LCS, chosen exactly as rouge_score's `lcs_ind` chooses it. */
export function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const table = lcsTable(ref, can);
  const cols = can.length + 1;
  let i = ref.length;
  let j = can.length;
  const reversed: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      reversed.push(i - 1);
      i--;
      j--;
    } else if (table[i * cols + j - 1] > table[(i - 1) * cols + j]) {
      j--;
    } else {
      i--;
    }
  }
  return reversed.reverse();
}

/**
 * Union LCS of one reference sentence against every candidate sentence: the tokens of `ref`
 * at the union of the per-candidate LCS indices, in reference order.
 */
export function unionLcs(ref: readonly string[], candidates: readonly (readonly string[])[]): string[] {
  const hit = new Uint8Array(ref.length);
  for (const can of candidates) {
    for (const idx of lcsIndices(ref, can)) hit[idx] = 1;
  }
  const tokens: string[] = [];
  for (let i = 0; i < ref.length; i++) if (hit[i]) tokens.push(ref[i]);
  return tokens;
}
