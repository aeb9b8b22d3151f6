// Hostile storage: the origin's localStorage tampered with (another tab, another app, a bad
// extension) and the page reloaded. Corrupted run or sweep settings are reported once and backed up,
// a full localStorage degrades to settings kept in memory and says so, and the rest of what the user
// made is untouched. Each input puts back the user's own localStorage first (the previous input's
// tampering included), so the inputs do not add up.
import type { Page } from '@playwright/test';
import { anyNotice, type HostileInput } from './harness';

export const SETTINGS_KEY = 'training-studio/settings/v1';
export const SWEEP_KEY = 'training-studio/sweep-config/v1';
const FILLER_KEY = 'another-app/filler';

/** The user's localStorage as it was after setup: every tampering starts from it. */
let original: Record<string, string> = {};
export function keepOriginalLocalStorage(values: Record<string, string>) {
  original = values;
}

/** Puts the user's localStorage back exactly (tampered keys, backups and fillers go). */
export async function restoreLocalStorage(page: Page) {
  await page.evaluate((values) => {
    localStorage.clear();
    for (const [k, v] of Object.entries(values)) localStorage.setItem(k, v);
  }, original);
}

/** Reloads with `tamper` applied to the user's localStorage, and waits for the page to be up. */
function reloadWith(
  tamper: (ls: Record<string, string>) => Record<string, string>,
  then?: (page: Page) => Promise<void>,
) {
  return async (page: Page) => {
    await page.evaluate(
      (values) => {
        localStorage.clear();
        for (const [k, v] of Object.entries(values)) localStorage.setItem(k, v);
      },
      tamper({ ...original }),
    );
    await page.reload();
    await page.getByTestId('data-source').waitFor();
    await then?.(page);
  };
}

/** The stored value under `key`, its state's `field` object patched. */
function patch(ls: Record<string, string>, key: string, field: string, changes: Record<string, unknown>) {
  const v = JSON.parse(ls[key] ?? '{"state":{},"version":0}') as { state: Record<string, Record<string, unknown>> };
  v.state[field] = { ...v.state[field], ...changes };
  return { ...ls, [key]: JSON.stringify(v) };
}

const storageInput = (
  input: string,
  feed: (page: Page) => Promise<void>,
  expect: RegExp,
  about: RegExp,
  mayChange: RegExp,
): HostileInput => ({
  cls: 'storage',
  input,
  feed,
  message: (page) => anyNotice(page, about),
  expect,
  reload: true,
  mayChange,
  after: restoreLocalStorage,
});

const settingsKeys = /^ls:training-studio\/settings\/v1/;
const sweepKeys = /^ls:training-studio\/sweep-config\/v1/;

export const storageInputs: HostileInput[] = [
  storageInput(
    'saved run settings cut off mid-JSON',
    reloadWith((ls) => ({ ...ls, [SETTINGS_KEY]: (ls[SETTINGS_KEY] ?? '{}').slice(0, 40) })),
    /Saved settings could not be used.*JSON/,
    /settings/i,
    settingsKeys,
  ),
  storageInput(
    'saved run settings with learning rate 1e9',
    reloadWith((ls) => patch(ls, SETTINGS_KEY, 'settings', { learningRate: 1e9 })),
    /Saved settings could not be used.*(learning|rate)/i,
    /settings/i,
    settingsKeys,
  ),
  storageInput(
    'saved run settings whose batch size is an array 50,000 levels deep',
    reloadWith((ls) => {
      const v = ls[SETTINGS_KEY] ?? '';
      const deep = `${'['.repeat(50_000)}4${']'.repeat(50_000)}`;
      return { ...ls, [SETTINGS_KEY]: v.replace(/"batchSize":\d+/, `"batchSize":${deep}`) };
    }),
    /Saved settings could not be used.*batch/i,
    /settings/i,
    settingsKeys,
  ),
  storageInput(
    'saved sweep settings naming an unknown sampler "evil-sampler"',
    reloadWith((ls) => patch(ls, SWEEP_KEY, 'config', { sampler: 'evil-sampler' })),
    /sampler/i,
    /sweep|sampler/i,
    sweepKeys,
  ),
  storageInput(
    'saved sweep settings: objective "__proto__", pruner 42',
    reloadWith((ls) => patch(ls, SWEEP_KEY, 'config', { objective: '__proto__', pruner: 42 })),
    /objective|pruner/i,
    /sweep|objective|pruner/i,
    sweepKeys,
  ),
  storageInput(
    'saved sweep settings that are not JSON',
    reloadWith((ls) => ({ ...ls, [SWEEP_KEY]: '{"state": {"config": ' })),
    /sweep.*(JSON|could not|corrupt)/i,
    /sweep/i,
    sweepKeys,
  ),
  storageInput(
    'localStorage filled to its quota by another key before load, then settings changed (longer values)',
    reloadWith(
      (ls) => ls,
      async (page) => {
        await page.evaluate((key) => {
          // Fill with ever smaller strings until nothing more fits.
          let chunk = 'x'.repeat(1 << 20);
          let i = 0;
          while (chunk.length > 0) {
            try {
              localStorage.setItem(`${key}/${i++}`, chunk);
            } catch {
              chunk = chunk.slice(0, chunk.length >> 1);
            }
          }
        }, FILLER_KEY);
        await page.reload();
        await page.getByTestId('data-source').waitFor();
        // Longer values than the stored ones: a same-length value replaces in place and still fits.
        await page.getByTestId('seed-input').fill('4294967295');
        await page.getByTestId('sweep-trials-input').fill('40000');
      },
    ),
    /(not be|won't be|will not be|not) (remembered|saved|kept)/i,
    /remember|saved|storage|full|quota/i,
    /^ls:(another-app\/filler|training-studio\/(settings|sweep-config))/,
  ),
];
