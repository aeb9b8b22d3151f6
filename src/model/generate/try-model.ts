// "Try the model": text from a prompt, the same way for a model just trained and for one
// re-imported from its exported files — so a user (and a test) can see a round trip changed nothing.
// It decodes with the run's generation settings (beams, penalties, bans: generate.ts), so what a
// user tries is what evaluation scored.
import { buildPrompt } from '../../data/examples';
import { generateBatch, generationSettingsOf, type GenerationSettings } from './generate';
import type { ImportedModel } from '../io/model-files';
import { disposeParams, toVariables } from '../params';

export interface TryOptions extends GenerationSettings {
  maxNewTokens: number;
  /** Wrap the text as a training prompt (BOS + document + "TL;DR:"), so a fine-tuned model summarizes it. */
  summarize: boolean;
}

export async function tryModel(
  m: ImportedModel,
  prompt: string,
  o: TryOptions,
): Promise<{ text: string; ids: number[] }> {
  const { config, tokenizer } = m;
  // Leave room for the new tokens inside the model's context.
  const room = Math.max(0, config.maxPositionEmbeddings - o.maxNewTokens - 8);
  const ids = o.summarize
    ? buildPrompt(tokenizer, prompt, { maxSourceLength: room })
    : [tokenizer.bosId, ...tokenizer.encode(prompt).slice(0, room)];
  const params = toVariables(config, m.weights);
  try {
    const [out] = await generateBatch(params, config, [ids], {
      ...generationSettingsOf(o),
      maxNewTokens: o.maxNewTokens,
      eosId: tokenizer.eosId,
      padId: tokenizer.padId, // one prompt: never fed (no left padding, and the row stops at EOS)
    });
    return { text: tokenizer.decode(out), ids: out };
  } finally {
    disposeParams(params);
  }
}
