import { expect, test } from '@playwright/test';
import { configureRun, openStudio, watchConsole } from './helpers';

// Epoch checkpoints in the browser's own storage: a 2-epoch run keeps one per epoch; resuming
// from the epoch-1 checkpoint (weights, AdamW moments, schedule position) ends on exactly the
// parameters the uninterrupted run ended on, and the checkpoints survive a reload.
test('2 epochs straight == resume from the epoch-1 checkpoint; checkpoints survive a reload', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 2, 'batch-size-input': 4, 'max-train-samples-input': 8, 'validation-size-input': 2 },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  const straight = await page.getByTestId('run-checksum').textContent();
  expect(Number(straight)).not.toBeNaN();

  const rows = page.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(2);
  await page.reload();
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await expect(rows).toHaveCount(2);
  const first = rows.and(page.locator('[data-epoch="1"]'));
  await first.getByTestId('checkpoint-resume').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('4');
  expect(await page.getByTestId('run-checksum').textContent()).toBe(straight);
  await expect(rows).toHaveCount(2); // the resumed epoch 2 replaced its own checkpoint
  expect(errors).toEqual([]);
});
