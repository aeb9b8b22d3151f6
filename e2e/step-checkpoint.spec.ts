import { expect, test } from '@playwright/test';
import { configureRun, openStudio, watchConsole } from './helpers';

// Mid-epoch checkpoints: a one-epoch run saving one every 2 steps is reloaded mid-epoch (the page
// warns first: beforeunload); Resume from its newest step checkpoint ends on exactly the parameters
// of an uninterrupted run of the same settings. The storage line shows usage and quota.
test('reload mid-epoch, Resume from the step checkpoint == the uninterrupted run', async ({ page }) => {
  const errors = watchConsole(page);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept(); // leave the page anyway
  });
  // Count persist() calls (each page load starts at 0): asked once, when a checkpoint is saved.
  await page.addInitScript(() => {
    const w = window as unknown as { persistCalls: number };
    w.persistCalls = 0;
    const persist = navigator.storage.persist.bind(navigator.storage);
    navigator.storage.persist = () => {
      w.persistCalls += 1;
      return persist();
    };
  });
  const persistCalls = () => page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls);
  await openStudio(page);
  expect(await persistCalls()).toBe(0);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: {
      'epochs-input': 1,
      'batch-size-input': 2,
      'max-train-samples-input': 40, // 20 steps in the one epoch
      'validation-size-input': 2,
      'checkpoint-steps-input': 2,
    },
  });
  const rows = page.getByTestId('checkpoint-row');
  const stepRows = rows.and(page.locator('[data-kind="step"]'));
  await page.getByTestId('train-button').click();
  await expect(stepRows.first()).toBeVisible({ timeout: 4 * 60_000 });
  await expect(page.getByTestId('run-status')).toHaveText('running'); // still mid-epoch
  await page.reload();
  expect(dialogs).toEqual(['beforeunload']);
  await expect(page.getByTestId('data-source')).toContainText('XSum');

  // The run's step checkpoints survived; resume from the newest mid-epoch one.
  await expect(stepRows.first()).toBeVisible();
  const steps = (await stepRows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-step'))))).sort(
    (a, b) => a - b,
  );
  const at = steps.at(-1)!;
  expect(at % 2).toBe(0);
  expect(at).toBeLessThan(20);
  const row = stepRows.and(page.locator(`[data-step="${at}"]`));
  await expect(row).toContainText(`step ${at} (epoch 1)`);
  await expect(row.getByRole('button', { name: `Resume run`, exact: false })).toHaveAccessibleName(
    new RegExp(`from step ${at} \\(epoch 1\\)$`),
  );
  await row.getByTestId('checkpoint-resume').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('20');
  const resumed = await page.getByTestId('run-checksum').textContent();
  expect(Number(resumed)).not.toBeNaN();

  // The same settings, never interrupted.
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('20');
  expect(await page.getByTestId('run-checksum').textContent()).toBe(resumed);

  // Once a checkpoint was saved, persistence was asked for (once this page); usage and quota are shown.
  expect(await persistCalls()).toBe(1);
  await expect(page.getByTestId('storage-usage')).toContainText(/Storage: .+ used of .+ \(\d+\.\d%\)/);
  expect(String(await page.evaluate(() => navigator.storage.persisted()))).toBe(
    await page.getByTestId('storage-usage').getAttribute('data-persisted'),
  );
  expect(errors).toEqual([]);
});
