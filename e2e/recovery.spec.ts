import { expect, test } from '@playwright/test';
import { configureRun, openStudio, watchConsole } from './helpers';

// A replica that dies mid-run (terminated without a word, as a crash or a hung tab would) is
// noticed by its missing heartbeats; the run goes on with the survivor from the last snapshot.
test('a worker killed mid-run: reported, and training resumes with the other replica to the end', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: {
      'replicas-input': 2,
      'batch-size-input': 2,
      'max-steps-input': 40,
      'validation-size-input': 0,
      'worker-timeout-input': 6,
    },
  });
  await page.getByTestId('train-button').click();

  // Past the first snapshot (every 10 steps), kill replica 1.
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(12);
  await page.evaluate(() =>
    (globalThis as unknown as { __studio: { killWorker(r: number): void } }).__studio.killWorker(1),
  );

  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('40');
  // Two replicas were asked for: only the recovery path leaves one.
  await expect(page.getByTestId('replica-row')).toHaveCount(1);
  await expect(page.getByTestId('replica-state')).toHaveText('done');
  expect(errors).toEqual([]);
});
