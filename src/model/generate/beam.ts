// Beam-search bookkeeping as Hugging Face transformers' BeamSearchScorer / BeamHypotheses do it in
// v4.37–v4.48 (src/transformers/generation/beam_search.py after PR #27808 passed generated_len to
// add(); PR #35802 then replaced the scorer with a vectorized _beam_search whose done check uses the
// best *running* beam instead of the best candidate). Plain numbers and token lists, no tensors:
// generate.ts owns the model loop, this file the ranking rules. Scores are sums of log-probabilities;
// a finished hypothesis ranks by sum / generated_len ** length_penalty, generated_len counting the
// tokens generated after the prompt *including* the EOS that finished it (the hypothesis stores no
// EOS); a beam still running at the length limit counts its generated tokens.

/** One continuation: `beam` (0..numBeams−1, within its prompt) extended by `token`, cumulative `score`. */
export interface Candidate {
  score: number;
  token: number;
  beam: number;
}

/** The n best finished hypotheses of one prompt (HF BeamHypotheses). */
export class BeamHypotheses {
  readonly beams: { score: number; tokens: number[] }[] = [];
  private worstScore = 1e9;

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: boolean,
  ) {}

  /** Offer a hypothesis (generated tokens, EOS excluded); kept if the list has room or it beats the worst. */
  add(tokens: number[], sumLogprobs: number, generatedLen: number): void {
    const score = sumLogprobs / generatedLen ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, tokens });
      if (this.beams.length > this.numBeams) {
        // Python sorts (score, index) pairs: the lowest score goes, the lowest index among equals.
        const order = this.beams.map((b, i) => [b.score, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(order[0][1], 1);
        this.worstScore = order[1][0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /**
   * Whether this prompt is finished: numBeams hypotheses exist and either earlyStopping, or the best
   * running candidate (bestSumLogprobs, scored at the current length — HF's heuristic, exact when
   * length_penalty ≤ 0) cannot beat the worst kept hypothesis.
   */
  isDone(bestSumLogprobs: number, generatedLen: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping) return true;
    return this.worstScore >= bestSumLogprobs / generatedLen ** this.lengthPenalty;
  }

  /** The highest-scoring hypothesis; on a tie the later one, as HF's stable sort + pop() picks. */
  best(): number[] {
    let bi = 0;
    for (let i = 1; i < this.beams.length; i++) if (this.beams[i].score >= this.beams[bi].score) bi = i;
    return this.beams[bi]?.tokens ?? [];
  }
}

/**
 * One step of BeamSearchScorer.process for one prompt: walk the candidates best first (the caller
 * passes the top 2·numBeams over beam × vocabulary); an EOS among the top numBeams finishes its
 * beam as a hypothesis of length generatedLen, an EOS ranked lower is dropped (numBeams better
 * continuations exist), and the first numBeams non-EOS candidates become the next running beams.
 * `running` holds the current beams' generated tokens.
 */
export function selectBeams(
  hyps: BeamHypotheses,
  candidates: Candidate[],
  running: number[][],
  eosId: number,
  generatedLen: number,
): Candidate[] {
  const next: Candidate[] = [];
  for (let rank = 0; rank < candidates.length && next.length < hyps.numBeams; rank++) {
    const c = candidates[rank];
    if (c.token === eosId) {
      if (rank < hyps.numBeams) hyps.add(running[c.beam], c.score, generatedLen);
    } else {
      next.push(c);
    }
  }
  if (next.length < hyps.numBeams)
    throw new Error(
      `beam search: only ${next.length} non-EOS candidates among ${candidates.length}; need ${hyps.numBeams}`,
    );
  return next;
}

/**
 * The k best candidates over beams × vocabulary, best first; equal scores keep the lower
 * (beam, token) index first. rowScores(beam) gives that beam's cumulative scores (V), banned
 * tokens already at −∞. A sorted insertion list: k is 2·numBeams, far below V.
 */
export function topCandidates(numBeams: number, rowScores: (beam: number) => Float64Array, k: number): Candidate[] {
  const top: Candidate[] = [];
  for (let beam = 0; beam < numBeams; beam++) {
    const row = rowScores(beam);
    for (let token = 0; token < row.length; token++) {
      const score = row[token];
      if (top.length === k && !(score > top[k - 1].score)) continue;
      let i = top.length;
      while (i > 0 && !(top[i - 1].score >= score)) i--;
      top.splice(i, 0, { score, token, beam });
      if (top.length > k) top.pop();
    }
  }
  return top;
}
