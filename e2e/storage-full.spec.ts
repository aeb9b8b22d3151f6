import { expect, test } from '@playwright/test';
import { configureRun, watchConsole } from './helpers';

// Issue 18, "must show" 2: localStorage is shared by every page of the origin, so another tab or
// app can fill it to its quota before the studio loads. The studio must still load, train and
// sweep (settings kept in memory), and say once that settings will not be remembered.
test('localStorage full before load: the studio trains and sweeps, and says once that settings will not be remembered', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.addInitScript(() => {
    // Another app on the origin, before any studio script runs: fill localStorage until the browser refuses even one character.
    if (localStorage.getItem('other-app/filler-0') === null) {
      let chunk = 'x'.repeat(1 << 20);
      let i = 0;
      while (chunk.length > 0) {
        try {
          localStorage.setItem(`other-app/filler-${i}`, chunk);
          i++;
        } catch {
          chunk = chunk.slice(0, chunk.length >> 1);
        }
      }
    }
    // Count how often the notice is put on the page (once, however many writes are refused).
    const w = window as unknown as { storageNoticeShown: number };
    w.storageNoticeShown = 0;
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes)
          if (
            n instanceof HTMLElement &&
            (n.matches('[data-testid="storage-notice"]') || n.querySelector('[data-testid="storage-notice"]'))
          )
            w.storageNoticeShown++;
    }).observe(document, { childList: true, subtree: true });
  });

  await page.goto('/');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  const filled = await page.evaluate(() => {
    let chars = 0;
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      chars += k.length + localStorage.getItem(k)!.length;
    }
    let full = false;
    try {
      localStorage.setItem('probe', '{"a":1}');
      localStorage.removeItem('probe');
    } catch (e) {
      full = (e as DOMException).name === 'QuotaExceededError';
    }
    return { chars, full, keys: localStorage.length };
  });
  expect(filled.full).toBe(true);
  expect(filled.chars).toBeGreaterThan(1_000_000);

  // Train: every settings change is a refused write; the run goes on.
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'max-steps-input': 2, 'max-train-samples-input': 8, 'validation-size-input': 2 },
  });
  const notice = page.getByTestId('storage-notice');
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText(
    'Settings will not be remembered in this browser: localStorage is full (QuotaExceededError;',
  );
  await expect(notice).toContainText('They apply until this page is closed.');
  expect((await notice.textContent())!.length).toBeLessThan(500);
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('2');

  // Sweep: one trial of the same tiny run; saving the sweep settings used to throw and end the sweep in error.
  await page.getByTestId('tab-sweep').click();
  await configureRun(page, { numbers: { 'epochs-input': 1, 'sweep-trials-input': 1 } });
  await page.getByTestId('sweep-pruner').selectOption('nop');
  await expect(page.getByTestId('sweep-pruner')).toHaveValue('nop'); // kept in memory
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-runner-status')).toHaveText('complete', { timeout: 90_000 });
  const rows = page.getByTestId('sweep-dashboard').getByTestId('trial-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-state', 'complete');

  // Said once, and still one notice after a train run, a sweep and a tab switch; the other app's data is untouched.
  await page.getByTestId('tab-train').click();
  await expect(notice).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { storageNoticeShown: number }).storageNoticeShown)).toBe(1);
  const after = await page.evaluate(() => {
    let chars = 0;
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      chars += k.length + localStorage.getItem(k)!.length;
    }
    return { chars, keys: localStorage.length };
  });
  expect(after).toEqual({ chars: filled.chars, keys: filled.keys });
  expect(errors).toEqual([]);
});

test('a corrupted saved sweep config: the Sweep tab says so, keeps a backup, and shows the defaults it will run', async ({
  page,
}) => {
  const errors = watchConsole(page);
  const KEY = 'training-studio/sweep-config/v1';
  const bad = JSON.stringify({ state: { config: { nTrials: 3, sampler: 'cmaes', pruner: 'nop' } }, version: 0 });
  await page.addInitScript(
    ([key, value]) => {
      if (sessionStorage.getItem('seeded') === null) {
        localStorage.setItem(key, value);
        sessionStorage.setItem('seeded', '1');
      }
    },
    [KEY, bad],
  );
  await page.goto('/#sweep');
  const notice = page.getByTestId('sweep-config-notice');
  await expect(notice).toContainText(
    `Saved sweep settings could not be used (sampler must be one of "tpe", "random", "grid", got "cmaes"), so the defaults are loaded and the sweep uses them. The saved value is kept in localStorage under "${KEY}/invalid-backup".`,
  );
  // What is shown is the default config, not a mix of the stored one and the select's first option.
  await expect(page.getByTestId('sweep-sampler')).toHaveValue('tpe');
  await expect(page.getByTestId('sweep-pruner')).toHaveValue('median');
  await expect(page.getByTestId('sweep-trials-input')).toHaveValue('20');
  expect(await page.evaluate((k) => localStorage.getItem(`${k}/invalid-backup`), KEY)).toBe(bad);
  // A change saves the shown config; the backup stays, and a reload finds a valid config (no notice).
  await page.getByTestId('sweep-trials-input').fill('2');
  await page.reload();
  await expect(page.getByTestId('sweep-trials-input')).toHaveValue('2');
  await expect(page.getByTestId('sweep-sampler')).toHaveValue('tpe');
  await expect(page.getByTestId('sweep-config-notice')).toHaveCount(0);
  expect(await page.evaluate((k) => localStorage.getItem(`${k}/invalid-backup`), KEY)).toBe(bad);
  await expect(page.getByTestId('storage-notice')).toHaveCount(0); // storage works here: nothing to say
  expect(errors).toEqual([]);
});

test('storage full for checkpoints: the run finishes with its model, says checkpoints are off, and keeps the ones saved before', async ({
  page,
  context,
}) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    // One epoch of 2 steps: one checkpoint a run.
    numbers: { 'epochs-input': 1, 'batch-size-input': 4, 'max-train-samples-input': 8, 'validation-size-input': 0 },
  });
  // A first run saves its checkpoint while there is room.
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 60_000 });
  const rows = page.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(1);
  const kept = await rows.first().getAttribute('data-run');

  // Then the site's storage is full: its quota is what it already uses (Chrome's quota override, as a full disk would be).
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: usage + 1024 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('2');
  const off = page.getByTestId('checkpoints-off');
  await expect(off).toContainText(
    'Checkpoints are off for the rest of this run: storage is full: could not save checkpoint',
  );
  expect((await off.textContent())!.length).toBeLessThan(500);
  await expect(rows).toHaveCount(1); // the first run's checkpoint is still there
  await expect(rows.first()).toHaveAttribute('data-run', kept!);

  // The second run's model reached the page: Try it generates with it.
  await expect(page.getByTestId('trained-model')).toBeVisible();
  await page.getByTestId('try-prompt').fill('The council said the new bridge would open next year.');
  await page.getByTestId('try-generate').click();
  await expect(page.getByTestId('try-output')).toBeVisible({ timeout: 30_000 });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
  expect(errors).toEqual([]);
});
