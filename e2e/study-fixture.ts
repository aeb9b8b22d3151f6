// A small finished study as the studio exports it (format training-studio-study), built with the
// sweep engine itself: 4 trials (3 complete, 1 pruned) of the default search space, each with
// per-epoch ROUGE, a loss curve and sample summaries, so every dashboard panel and the trial
// comparison have something to draw. Written to a file for the study-import input.
import { writeFileSync } from 'node:fs';
import { defaultSpec } from '../src/train/spec';
import { createSweepStudy, DEFAULT_SWEEP, suggestFromSpec } from '../src/sweep/studio/default-study';
import { exportStudyJSON } from '../src/sweep/persist/transfer';
import type { StudyMeta } from '../src/sweep/persist/study-record';
import type { JsonValue } from '../src/sweep/engine/trial';

export const FIXTURE_STUDY_NAME = 'a11y fixture study';

export function studyFixtureJSON(): string {
  const sweep = { ...DEFAULT_SWEEP, nTrials: 4 };
  const study = createSweepStudy(sweep);
  study.setUserAttr('objective', sweep.objective);
  for (let i = 0; i < 4; i++) {
    const t = study.ask();
    suggestFromSpec(t, sweep.searchSpace);
    const epochs = [1, 2].map((epoch) => {
      const r1 = 10 + i + epoch;
      return {
        epoch,
        objective: r1 * 2.1,
        evalLoss: 3 - 0.2 * epoch - 0.1 * i,
        rouge1: r1,
        rouge2: 2 + i * 0.3,
        rougeL: r1 * 0.7,
        rougeLsum: r1 * 0.75,
      };
    });
    t.setUserAttr('epochs', epochs as unknown as JsonValue);
    t.setUserAttr(
      'losses',
      Array.from({ length: 8 }, (_, s) => ({ step: s + 1, loss: 4 - s * 0.2 - i * 0.1 })),
    );
    t.setUserAttr('samples', [
      {
        document: 'The council will close three libraries next year to save money.',
        reference: 'Three libraries are to close.',
        prediction: `trial ${i} says libraries close`,
      },
    ]);
    for (const e of epochs) t.report(e.objective, e.epoch);
    if (i === 2) study.tell(t, 'pruned');
    else study.tell(t, epochs[1].objective);
  }
  const data = study.toJSON();
  const meta: StudyMeta = {
    id: 'study-a11y-fixture',
    name: FIXTURE_STUDY_NAME,
    createdAt: '2026-12-05T10:00:00.000Z',
    updatedAt: '2026-12-05T10:10:00.000Z',
    status: 'complete',
    config: { sweep, base: defaultSpec('tiny') } as unknown as JsonValue,
    studyName: data.studyName,
    direction: data.direction,
    userAttrs: data.userAttrs,
    sampler: data.sampler,
    pruner: data.pruner,
  };
  return exportStudyJSON(meta, data);
}

/** Writes the fixture to `path` and returns it. */
export function writeStudyFixture(path: string): string {
  writeFileSync(path, studyFixtureJSON());
  return path;
}
