import { expect, test, type Page } from '@playwright/test';
import { configureRun, openStudio, watchConsole } from './helpers';

type Studio = { __studio: { injectFault(kind: 'nan-loss' | 'lose-device'): void } };
const inject = (page: Page, kind: 'nan-loss' | 'lose-device') =>
  page.evaluate((k) => (globalThis as unknown as Studio).__studio.injectFault(k), kind);

// A NaN loss must not poison the weights: the update is skipped, counted and shown, and training
// goes on with finite losses to the end.
test('a NaN loss mid-run: that step is skipped and counted, the run finishes with finite weights', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 1, 'batch-size-input': 2, 'max-train-samples-input': 96, 'validation-size-input': 1 },
  });
  await page.getByTestId('train-button').click();
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()), {
      timeout: 120_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(2);
  await inject(page, 'nan-loss');
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('48');
  await expect(page.getByTestId('skipped-count')).toHaveText('1');
  expect(Number.isFinite(Number(await page.getByTestId('run-checksum').textContent()))).toBe(true);
  expect(errors).toEqual([]);
});

// device.destroy() on the worker's WebGPU device: the loss is reported at once, and the run goes
// on in a fresh worker (a fresh device) from its last epoch checkpoint, to the end.
test('a lost WebGPU device: reported, then the run resumes from its last checkpoint and finishes', async ({ page }) => {
  const errors = watchConsole(page);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'webgpu',
    numbers: {
      'epochs-input': 2,
      'batch-size-input': 4,
      'max-train-samples-input': 8,
      'validation-size-input': 1,
      'max-source-input': 48,
      'max-target-input': 8,
    },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  // Epoch 1's checkpoint is on disk: lose the device during epoch 2.
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(1, { timeout: 5 * 60_000 });
  await inject(page, 'lose-device');
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 5 * 60_000 });
  expect(
    warnings.some((w) =>
      /GPU device was lost \(destroyed.*resuming in a fresh worker from checkpoint run-.*\.step-\d+/.test(w),
    ),
  ).toBe(true);
  await expect(page.getByTestId('step-count')).toHaveText('4');
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(2);
  expect(errors).toEqual([]);
});
