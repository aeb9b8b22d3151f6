// Study files that parse but are incomplete or built to hurt: each is refused before anything is
// stored, with a message under 500 characters that names the first problem (and counts the rest),
// and a study already stored with an incomplete config (an older version) opens with a clear
// message instead of a crash. The messages are asserted word for word: they are what the user sees.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../../core/bounded-text';
import { studyExport } from '../../reliability/fixtures';
import { defaultSpec, LATER_FIELDS } from '../../train/spec';
import { DEFAULT_SWEEP } from '../studio/default-study';
import { openStudyStore } from './storage';
import { normalizedStudyConfig, studyConfigOf, type StudyConfig } from './study-config';
import { StudyFormatError, type StudyMeta } from './study-record';
import { exportStudyJSON, importStudyJSON } from './transfer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break the JSON anywhere, at any depth
type File = Record<string, any>;
const file = (): File => studyExport(2);
const text = (change: (f: File) => void): string => {
  const f = file();
  change(f);
  return JSON.stringify(f);
};

/** The refusal of importing `t`, checked to be a short StudyFormatError. */
function refusal(t: string): StudyFormatError {
  let error: unknown;
  try {
    importStudyJSON(t);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(StudyFormatError);
  const e = error as StudyFormatError;
  expect(e.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
  return e;
}

/** `{"a":{"a":…1…}}` nested `depth` levels, as text (JSON.stringify itself would recurse that deep). */
const nested = (depth: number, key = 'a') => `{"${key}":`.repeat(depth) + '1' + '}'.repeat(depth);

describe('incomplete study files are refused whole, before storing', () => {
  it('config {} (the study stored, then never opened: "reading \'objective\'")', () => {
    expect(refusal(text((f) => (f.study.config = {}))).message).toBe(
      'cannot import this file: 2 problems: study.config.sweep: missing, expected the sweep settings (an object); ' +
        'study.config.base: missing, expected the run settings (an object)',
    );
  });

  it('config without an objective, or with one the studio does not know', () => {
    expect(refusal(text((f) => delete f.study.config.sweep.objective)).message).toBe(
      'cannot import this file: study.config.sweep.objective: missing, expected one of rouge1, rouge2, rougeL, rougeLsum, sum, eval_loss',
    );
    expect(refusal(text((f) => (f.study.config.sweep.objective = 'bleu'))).message).toBe(
      'cannot import this file: study.config.sweep.objective: expected one of rouge1, rouge2, rougeL, rougeLsum, sum, eval_loss, got "bleu"',
    );
  });

  it('an unknown sampler, in the study or in its config; a config that disagrees with the study', () => {
    expect(refusal(text((f) => (f.study.sampler.kind = 'cmaes'))).message).toBe(
      'cannot import this file: 2 problems: study.sampler.kind: expected one of tpe, random, grid, got "cmaes"; ' +
        'study.config.sweep.sampler: is "random" but the study\'s sampler is "cmaes"',
    );
    expect(refusal(text((f) => (f.study.config.sweep.sampler = 'cmaes'))).message).toBe(
      'cannot import this file: study.config.sweep.sampler: expected one of tpe, random, grid, got "cmaes"',
    );
    expect(refusal(text((f) => (f.study.config.sweep.pruner = 'hyperband'))).message).toBe(
      'cannot import this file: study.config.sweep.pruner: expected one of median, successive-halving, nop, got "hyperband"',
    );
    expect(refusal(text((f) => (f.study.config.sweep.direction = 'minimize'))).message).toBe(
      'cannot import this file: study.config.sweep.direction: expected "maximize" (the objective sum is to maximize), got "minimize"',
    );
  });

  it('the search space, trial count, seed and run settings are checked as a run would use them', () => {
    const cases: Array<[(f: File) => void, string]> = [
      [
        (f) => (f.study.config.sweep.searchSpace = []),
        'study.config.sweep.searchSpace: search space has no parameters',
      ],
      [
        (f) => (f.study.config.sweep.searchSpace[0].low = 1),
        'study.config.sweep.searchSpace[0].low: parameter "learning_rate": low 1 is greater than high 1e-4',
      ],
      [
        (f) => (f.study.config.sweep.nTrials = 0),
        'study.config.sweep.nTrials: expected a whole number of trials in [1, 1,000,000], got 0',
      ],
      [(f) => (f.study.config.sweep.seed = -1), 'study.config.sweep.seed: expected an integer in [0, 2^32), got -1'],
      [
        (f) => (f.study.config.base = { preset: 'huge' }),
        'study.config.base: preset must be one of tiny, small, base, got "huge"',
      ],
      [
        (f) => (f.study.config.base.epochs = 1e9),
        'study.config.base: epochs must be an integer in [1, 1000], got 1000000000',
      ],
      [
        (f) => (f.study.config = null),
        'study.config: expected the sweep config {sweep, base} (the search and the run settings), got null',
      ],
      [
        (f) => delete f.study.config,
        'study.config: missing, expected the sweep config {sweep, base} (the search and the run settings)',
      ],
    ];
    for (const [change, issue] of cases)
      expect(refusal(text(change)).message).toBe(`cannot import this file: ${issue}`);
  });

  it('50,000 levels of nesting: refused by a scan before parsing, naming the limit, not the path', () => {
    const deepConfig = text((f) => (f.study.config = '@@')).replace('"@@"', nested(50_000));
    const started = performance.now();
    expect(refusal(deepConfig).message).toBe(
      'cannot import this file: the file nests arrays and objects more than 100 levels deep (line 1, column 731); ' +
        'a study file may nest at most 100 levels',
    );
    expect(performance.now() - started).toBeLessThan(1000); // one pass over 300 kB
    // A million levels of bare brackets: no stack to overflow, the same short answer.
    expect(refusal('['.repeat(1_000_000) + ']'.repeat(1_000_000)).message).toMatch(
      /^cannot import this file: the file nests arrays and objects more than 100 levels deep \(line 1, column 101\)/,
    );
  });

  it('a file of 10,000 problems: the count and the first few, under 500 characters', () => {
    const t = text((f) => {
      f.study.trials = Array.from({ length: 10_000 }, (_, i) => ({ ...f.study.trials[0], number: i, state: 'done' }));
    });
    const e = refusal(t);
    expect(e.total).toBe(10_000);
    expect(e.issues).toHaveLength(50); // kept word for word; the rest only counted
    expect(e.message).toMatch(
      /^cannot import this file: 10,000 problems: study\.trials\[0\]\.state: expected one of running, complete, pruned, failed, got "done"; study\.trials\[1\]\.state: .*; and 9,99\d more$/,
    );
  });

  it('keys and names of a million characters are clipped in the message', () => {
    const long = 'x'.repeat(1_000_000);
    const e = refusal(text((f) => (f.study.config.sweep.searchSpace[0].name = long)));
    expect(e.message).toBe(
      'cannot import this file: study.config.sweep.searchSpace[0].name: parameter "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…": name is 1,000,000 characters long; at most 200 are allowed',
    );
    expect(refusal(text((f) => (f.study.trials[0].params[`${long}!`] = 1))).message).toBe(
      `cannot import this file: study.trials[0].params["${'x'.repeat(39)}…"]: has no distribution in study.trials[0].distributions`,
    );
  });

  it('a search space of 20,000 parameters is refused by its count', () => {
    const params = Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}`, type: 'float', low: 2, high: 1 }));
    expect(refusal(text((f) => (f.study.config.sweep.searchSpace = params))).message).toBe(
      'cannot import this file: study.config.sweep.searchSpace: search space has 20,000 parameters; at most 1,000 are allowed',
    );
  });
});

describe('what is stored from a file', () => {
  it('keeps only the config fields this version knows, and completes older run settings', () => {
    const f = file();
    f.study.config.junk = 'x'.repeat(1000);
    f.study.config.sweep.extra = { a: 1 };
    f.study.config.sweep.searchSpace[0].comment = 'mine';
    delete f.study.config.base.finetune; // a study saved before LoRA existed
    const { meta } = importStudyJSON(JSON.stringify(f));
    const config = meta.config as unknown as StudyConfig;
    expect(Object.keys(config).sort()).toEqual(['base', 'sweep']);
    expect(Object.keys(config.sweep).sort()).toEqual(Object.keys(DEFAULT_SWEEP).sort());
    expect(config.sweep.searchSpace[0]).toEqual({
      name: 'learning_rate',
      type: 'float',
      low: 1e-6,
      high: 1e-4,
      log: true,
    });
    expect(config.base).toEqual({ ...defaultSpec('tiny'), finetune: LATER_FIELDS.finetune });
    expect(normalizedStudyConfig(config)).toEqual(config); // stable
  });
});

describe('a stored study whose config is incomplete (stored by an older version)', () => {
  it('opens with a clear message, still exports its trials, and the export is refused on import with the same cause', async () => {
    const store = await openStudyStore(`study-hostile-${Date.now()}`);
    try {
      const good = importStudyJSON(JSON.stringify(file()));
      // The storage keeps any JSON config (a study made by code may hold anything): this one was stored by an older studio.
      const id = await store.createStudy({ ...good.meta, name: 'from the past', config: {}, trials: good.data.trials });
      const loaded = await store.loadStudy(id);
      expect(() => studyConfigOf(loaded.meta)).toThrow(StudyFormatError);
      let message = '';
      try {
        studyConfigOf(loaded.meta);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(
        'cannot open study "from the past": its stored settings are incomplete (saved by an older version, or edited); ' +
          'export it as JSON to keep its trials, or delete it: 2 problems: config.sweep: missing, expected the sweep ' +
          'settings (an object); config.base: missing, expected the run settings (an object)',
      );
      expect(message.length).toBeLessThan(MAX_MESSAGE_CHARS);
      expect(message).not.toMatch(/undefined|Cannot read/);

      const exported = exportStudyJSON(loaded.meta, loaded.data); // the trials can still be taken out
      expect(JSON.parse(exported).study.trials).toHaveLength(2);
      expect(refusal(exported).message).toMatch(/^cannot import this file: 2 problems: study\.config\.sweep: missing/);

      // A complete one opens; what it returns is what the dashboard and a resume read.
      const okId = await store.importStudy(good);
      const cfg = studyConfigOf((await store.loadStudy(okId)).meta);
      expect(cfg.sweep.objective).toBe('sum');
      expect(cfg.base.preset).toBe('tiny');
      expect((await store.listStudies()).map((s) => s.id).sort()).toEqual([id, okId].sort());
    } finally {
      store.close();
    }
  });

  it('a study name of any length is clipped in that message', () => {
    const meta = { ...importStudyJSON(JSON.stringify(file())).meta, name: 'n'.repeat(200), config: { sweep: {} } };
    expect(() => studyConfigOf(meta as StudyMeta)).toThrow(/^cannot open study "n{59}…": its stored settings/);
  });
});
