// Hostile study files, picked in the Sweep tab's "Import a study (JSON)": not JSON, not a study,
// the wrong version, incomplete ({} for config), 50,000 levels deep, thousands of bad trials, a
// 100,000-character status, ±Infinity values and 100,000 trials. Bad ones are refused in the
// controls (sweep-error) naming the first problems; good ones are listed, then deleted again.
import type { Page } from '@playwright/test';
import { FIXTURE_STUDY_NAME, studyFixtureJSON } from '../study-fixture';
import { pickFiles, type HostileInput } from './harness';

type StudyFile = { format: string; version: number; study: Record<string, unknown> & { trials: Trial[] } };
type Trial = Record<string, unknown> & { number: number };

/** The fixture study as an object, renamed so an imported copy is told apart from the user's. */
function fixture(name: string): StudyFile {
  const f = JSON.parse(studyFixtureJSON()) as StudyFile;
  f.study.name = name;
  return f;
}

function pick(name: string, text: string | (() => string)) {
  return async (page: Page) => {
    const t = typeof text === 'function' ? text() : text;
    await pickFiles(page, 'study-import', [{ name, buffer: Buffer.from(t) }]);
  };
}

/** Deletes every listed study but the user's own (an accepted input's copy, or one wrongly accepted). */
export async function deleteOtherStudies(page: Page) {
  for (;;) {
    const names = await page.getByTestId('study-row').locator('td:first-child').allTextContents();
    const other = names.find((n) => n.trim() !== FIXTURE_STUDY_NAME);
    if (other === undefined) return;
    // (the spec accepts the confirm dialog)
    const before = names.length;
    await page
      .getByTestId('study-row')
      .filter({ hasText: other.trim().slice(0, 60) })
      .first()
      .getByRole('button', { name: /^Delete study/ })
      .click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="study-row"]').length < n, before, {
      timeout: 60_000,
    });
  }
}

const studyInput = (
  input: string,
  name: string,
  text: string | (() => string),
  expect: RegExp,
  extra: Partial<HostileInput> = {},
): HostileInput => ({
  cls: 'study',
  input,
  feed: pick(name, text),
  message: (page) => page.getByTestId('sweep-error'),
  expect,
  after: deleteOtherStudies,
  ...extra,
});

/** `depth` nested arrays around a 1, written without recursion. */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** A study of `n` complete trials with no per-epoch data (the size the issue measured: ~31 MB). */
function bigStudy(n: number): string {
  const f = fixture('h-100k-trials');
  const t0 = f.study.trials[0];
  const trial = { ...t0, userAttrs: {}, intermediateValues: [], state: 'complete' };
  const head = JSON.stringify({ ...f, study: { ...f.study, trials: [] } });
  const parts: string[] = [];
  for (let i = 0; i < n; i++)
    parts.push(JSON.stringify({ ...trial, number: i, value: 20 + (i % 997) / 100, systemAttrs: {} }));
  // Splice the trials into the empty array the head ends with.
  return head.replace('"trials":[]', `"trials":[${parts.join(',')}]`);
}

export const studyInputs: HostileInput[] = [
  studyInput(
    'study file that is not JSON',
    'h-oops.json',
    '{"format": "training-studio-study", oops',
    /not valid JSON/,
  ),
  studyInput('study file that is a JSON array', 'h-array.json', '[1, 2, 3]', /expected a JSON object/),
  studyInput('an empty study file', 'h-empty.json', '', /empty/),
  studyInput(
    'an Optuna-style file (format "optuna-journal")',
    'h-format.json',
    JSON.stringify({ format: 'optuna-journal', version: 1, study: {} }),
    /format/,
  ),
  studyInput(
    'a study file of format version 99',
    'h-v99.json',
    () => JSON.stringify({ ...fixture('h-v99'), version: 99 }),
    /version 99/,
  ),
  studyInput(
    'a study whose config is {}',
    'h-config.json',
    () => {
      const f = fixture('h-config-empty');
      f.study.config = {};
      return JSON.stringify(f);
    },
    /config/,
  ),
  studyInput(
    'a study nested 50,000 levels deep',
    'h-deep.json',
    () => {
      const f = fixture('h-deep');
      return JSON.stringify(f).replace('"userAttrs":{', `"userAttrs":{"deep":${nested(50_000)},`);
    },
    /(deep|nest|levels)/,
  ),
  studyInput(
    'a study of 5,000 trials, every one in state "bogus"',
    'h-bogus.json',
    () => {
      const f = fixture('h-bogus');
      const t = f.study.trials[0];
      f.study.trials = Array.from({ length: 5000 }, (_, i) => ({ ...t, number: i, state: 'bogus' }));
      return JSON.stringify(f);
    },
    /state/,
  ),
  studyInput(
    'a study whose status is a 100,000-character string',
    'h-status.json',
    () => {
      const f = fixture('h-status');
      f.study.status = '<b>'.repeat(33_334);
      return JSON.stringify(f);
    },
    /status/,
  ),
  studyInput(
    'a study whose trial values are +Infinity and -Infinity (accepted: shown the same everywhere)',
    'h-infinity.json',
    () => {
      const f = fixture('h-infinity');
      f.study.trials[0].value = 'Infinity';
      f.study.trials[1].value = '-Infinity';
      return JSON.stringify(f);
    },
    // The list's best and the dashboard's best say the same infinite value.
    /^h-infinity \| complete \| 4 \| [^|]*(Infinity|∞)[^|]* \| [^|]*(Infinity|∞)/,
    {
      adds: true,
      // Accepted: the message is the study's row in the list (name, status, trials, best) and the
      // dashboard's best value.
      message: (page) =>
        page.locator(
          '[data-testid="study-row"]:has-text("h-infinity") td:nth-child(-n+4), [data-testid="sweep-best-value"]',
        ),
    },
  ),
  studyInput(
    'a 100,000-trial study, 31 MB (accepted: listed, then deleted)',
    'h-100k.json',
    () => bigStudy(100_000),
    /^h-100k-trials \| [a-z]+ \| 100,?000/,
    {
      adds: true,
      last: true,
      timeoutMs: 60_000,
      message: (page) => page.locator('[data-testid="study-row"]:has-text("h-100k-trials") td:nth-child(-n+4)'),
    },
  ),
];
