import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { configureRun, watchConsole } from './helpers';

// The seed's search (learning rate log-uniform, batch size categorical), shrunk to 3 trials of the
// tiny model for 1 epoch on WASM: the dashboard lists the trials and marks the best, and the study
// survives a reload (IndexedDB).
test('a 3-trial sweep completes, the dashboard marks the best, and it is all still there after a reload', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.goto('/#sweep');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 1, 'max-train-samples-input': 8, 'validation-size-input': 4, 'sweep-trials-input': 3 },
  });
  await page.getByTestId('sweep-pruner').selectOption('nop');

  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-runner-status')).toHaveText('running');
  await expect(page.getByTestId('sweep-runner-status')).toHaveText('complete', { timeout: 5 * 60_000 });

  const dashboard = page.getByTestId('sweep-dashboard');
  await expect(dashboard.getByTestId('trial-row')).toHaveCount(3);
  const states = await dashboard
    .getByTestId('trial-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
  expect(states).toEqual(['complete', 'complete', 'complete']);
  await expect(dashboard.getByTestId('best-trial')).toHaveCount(1);
  await expect(dashboard.getByTestId('optimization-history')).toBeVisible();
  await expect(page.getByTestId('study-row')).toHaveCount(1);
  await expect(page.getByTestId('study-row')).toHaveAttribute('data-status', 'complete');
  await page.screenshot({ path: test.info().outputPath('sweep-complete.png'), fullPage: true });

  // The same job for a cluster: the scale-out bundle carries the best trial's parameters.
  const [bundle] = await Promise.all([page.waitForEvent('download'), page.getByTestId('study-export-bundle').click()]);
  const zipPath = test.info().outputPath('bundle.zip');
  await bundle.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
  expect(Object.keys(files).sort()).toEqual([
    'README.md',
    'accelerate_config.yaml',
    'ds_config.json',
    'optuna_search.py',
    'requirements.txt',
    'train.py',
  ]);
  expect(JSON.parse(strFromU8(files['ds_config.json']))).toHaveProperty('zero_optimization');

  await page.reload();
  await expect(page.getByTestId('study-row')).toHaveCount(1);
  const again = page.getByTestId('sweep-dashboard');
  await expect(again.getByTestId('trial-row')).toHaveCount(3);
  await expect(again.getByTestId('best-trial')).toHaveCount(1);
  await expect(again.getByTestId('optimization-history').locator('svg').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('a page reload mid-sweep: the study resumes by itself, keeping the finished trial and the interrupted one', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.goto('/#sweep');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 2, 'max-train-samples-input': 16, 'validation-size-input': 4, 'sweep-trials-input': 3 },
  });
  await page.getByTestId('sweep-pruner').selectOption('nop');
  await page.getByTestId('sweep-start').click();

  // Reload while the second trial runs: the first is complete and saved.
  const rows = page.getByTestId('sweep-dashboard').getByTestId('trial-row');
  await expect
    .poll(async () => rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-state')).join(',')), {
      timeout: 120_000,
    })
    .toBe('complete,running');
  await page.reload();

  await expect(page.getByTestId('sweep-runner-status')).toHaveText('running', { timeout: 30_000 });
  await expect(page.getByTestId('sweep-runner-status')).toHaveText('complete', { timeout: 5 * 60_000 });
  const states = await page
    .getByTestId('sweep-dashboard')
    .getByTestId('trial-row')
    .evaluateAll((r) => r.map((x) => x.getAttribute('data-state')));
  expect(states).toEqual(['complete', 'failed', 'complete']); // the interrupted trial is kept, marked failed
  await expect(page.getByTestId('study-row')).toHaveCount(1);
  expect(errors).toEqual([]);
});
