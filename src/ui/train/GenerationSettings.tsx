// How the model writes a summary — at every evaluation (epoch 0 included), in Try it and in every
// sweep trial alike: Hugging Face `generate`'s settings under their names. The defaults are the
// ones facebook/bart-large-xsum ships in its generation_config (no_repeat_ngram_size 3, min_length
// 11 = 10 new tokens after the decoder start, length_penalty 1) except its 6 beams: beam search
// costs a forward pass per beam per token, so the studio keeps greedy decoding for speed.
import { useRunStore } from '../../store/run';
import { NumberField } from '../NumberField';
import { useSettingField } from './use-setting-field';

export function GenerationSettings() {
  const field = useSettingField();
  const beams = useRunStore((s) => s.settings.numBeams);
  const maxNew = useRunStore((s) => s.settings.maxTargetLength);

  return (
    <fieldset className="settings-group field--wide" data-testid="generation-settings">
      <legend>Generation</legend>

      <NumberField
        label="Beams"
        testId="num-beams-input"
        {...field('numBeams')}
        step={1}
        min={1}
        max={16}
        hint="1 = greedy (kept for speed; bart-large-xsum ships 6)"
      />
      <NumberField
        label="No-repeat n-gram size"
        testId="no-repeat-ngram-input"
        {...field('noRepeatNgramSize')}
        step={1}
        min={0}
        max={16}
        hint="no n-gram occurs twice in the summary (copying the document's phrases stays allowed); 0 = off"
      />
      <NumberField
        label="Repetition penalty"
        testId="repetition-penalty-input"
        {...field('repetitionPenalty')}
        min={1}
        max={10}
        hint="> 1 discourages tokens already present (CTRL); 1 = off"
      />
      <NumberField
        label="Min new tokens"
        testId="min-new-tokens-input"
        {...field('minNewTokens')}
        step={1}
        min={0}
        max={2048}
        hint={`no end of summary before this many tokens; at most ${maxNew} (max target length)`}
      />
      <NumberField
        label="Length penalty"
        testId="length-penalty-input"
        {...field('lengthPenalty')}
        min={-10}
        max={10}
        hint={beams > 1 ? 'beam score ÷ length^this; > 0 favours longer summaries' : 'beam search only (beams > 1)'}
      />
    </fieldset>
  );
}
