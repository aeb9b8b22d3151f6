// Hostile values typed into the settings: out of range, not numbers, beyond the model's context
// or the data's split, and the Hub data form's row limit. Each is refused (or corrected) where it
// is typed, with the field's own message; the saved settings stay as they were, and the value the
// user had is typed back afterwards.
import type { Page } from '@playwright/test';
import { fieldError, type HostileInput } from './harness';

/** What each field held before an input typed over it, typed back by `after`. */
const kept = new Map<string, string>();

function typeInto(testId: string, value: string) {
  return async (page: Page) => {
    const box = page.getByTestId(testId);
    if (!kept.has(testId)) kept.set(testId, await box.inputValue());
    await box.fill(value);
  };
}

async function typeBack(page: Page) {
  for (const [id, v] of kept) await page.getByTestId(id).fill(v);
  kept.clear();
}

const settingInput = (
  input: string,
  testId: string,
  value: string,
  expect: RegExp,
  kept?: 'kept and flagged',
): HostileInput => ({
  cls: 'settings',
  input,
  feed: typeInto(testId, value),
  message: (page) => fieldError(page, testId),
  expect,
  // A value that is valid alone but beyond the chosen model or the loaded data is the user's to keep
  // (the field says so, and Start refuses or says what the run will do): the run settings may save it.
  mayChange: kept ? /^ls:training-studio\/settings\/v1$/ : undefined,
  after: typeBack,
});

export const settingsInputs: HostileInput[] = [
  settingInput('learning rate -0.5', 'lr-input', '-0.5', /learning ?rate.*(-0\.5|\(0, 1\))/i),
  settingInput(
    'learning rate 1e999 (Infinity)',
    'lr-input',
    '1e999',
    /learning ?rate.*(Infinity|infinite|finite|1e999|too large)/i,
  ),
  settingInput('batch size 0', 'batch-size-input', '0', /batch|at least|>= ?1/i),
  settingInput('batch size 2.5', 'batch-size-input', '2.5', /integer|whole/i),
  settingInput('epochs 100,000', 'epochs-input', '100000', /epoch|at most|<=/i),
  settingInput('warmup ratio 1.5', 'warmup-input', '1.5', /warmup|ratio|< ?1|at most/i),
  settingInput('seed -3', 'seed-input', '-3', /seed|>= ?0|at least/i),
  settingInput('max source length 4 (below 8)', 'max-source-input', '4', /source|at least|>= ?8/i),
  settingInput('an emptied batch size box', 'batch-size-input', '', /batch|number|required|empty/i),
  settingInput('max steps 1e15', 'max-steps-input', '1e15', /steps|at most|limit/i),
  settingInput(
    'max target 2,000 on the tiny preset (source + target beyond its 256 positions)',
    'max-target-input',
    '2000',
    /context|positions|tokens/i,
    'kept and flagged',
  ),
  settingInput(
    'validation examples 10,000,000 (beyond the split)',
    'validation-size-input',
    '10000000',
    /validation|split|rows|examples/i,
    'kept and flagged',
  ),
  {
    cls: 'settings',
    input: 'sweep trials 0',
    feed: async (page) => {
      const box = page.getByTestId('sweep-trials-input');
      if (!kept.has('sweep-trials-input')) kept.set('sweep-trials-input', await box.inputValue());
      await box.fill('0');
    },
    message: (page) => page.getByTestId('sweep-config-issues'),
    expect: /trials/i,
    after: typeBack,
  },
  {
    cls: 'settings',
    input: 'Hub data form: max rows per split 1,050 (not a step of 100), then Load',
    feed: async (page) => {
      await page.getByTestId('source-hub').check();
      await page.getByTestId('hub-dataset').fill('h-hostile/no-such-dataset');
      await page.getByTestId('hub-maxRows').fill('1050');
      await page.getByTestId('hub-load').click();
    },
    // Either the form's own word on the field, or the load's (a request, then its failure).
    message: (page) =>
      page.locator('[data-testid="data-error"], [data-testid="data-progress"], .data-hub .field__error'),
    expect: /h-hostile\/no-such-dataset|rows/i,
    after: async (page) => {
      await page.getByTestId('source-file').check();
    },
  },
];
