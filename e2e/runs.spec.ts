import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { configureRun, openStudio, setNumber, watchConsole } from './helpers';
import { FIXTURE_STUDY_NAME, writeStudyFixture } from './study-fixture';

// Runs, kept and compared (issue 17, item 1): every Train run is kept as it goes; after a reload
// the runs are listed, one can be renamed, and two compared side by side (both loss curves drawn),
// then with a sweep trial beside them.
// A run the reload cut off is listed as interrupted with the steps it had reached.

/** A short wasm run of the tiny preset (no validation, so no generation), waited to its end. */
async function shortRun(page: Page, lr: number) {
  await setNumber(page, 'lr-input', lr);
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 2 * 60_000 });
}

async function openRuns(page: Page) {
  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('runs-view')).toBeVisible();
}

test('two runs kept across a reload, one renamed, both compared side by side', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const errors = watchConsole(page);
  page.on('dialog', (d) => void d.accept()); // a beforeunload guard must not block the reloads
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'batch-size-input': 2, 'max-steps-input': 3, 'validation-size-input': 0 },
  });
  await shortRun(page, 0.01);
  await shortRun(page, 0.02);

  await page.reload();
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await openRuns(page);
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.getByTestId('run-status-cell')).toHaveText(['finished', 'finished']);

  // Rename the older run (the list is newest first), and the name survives another reload.
  await rows.nth(1).getByTestId('run-edit').click();
  await page.getByTestId('run-name-input').fill('baseline lr 0.01');
  await page.getByTestId('run-tags-input').fill('baseline, tiny');
  await page.getByTestId('run-save').click();
  await expect(rows.nth(1).getByTestId('run-name')).toHaveText('baseline lr 0.01');
  await expect(page.getByTestId('run-saved')).toHaveText('Saved'); // written, not only shown
  await page.reload();
  await openRuns(page);
  await expect(rows.nth(1).getByTestId('run-name')).toHaveText('baseline lr 0.01');
  await page.getByTestId('runs-filter').fill('tag:baseline');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('runs-filter').fill('');
  await expect(rows).toHaveCount(2);

  await page.getByRole('checkbox', { name: 'Compare run baseline lr 0.01' }).check();
  await rows.nth(0).getByTestId('run-pick').check();
  const compare = page.getByTestId('run-compare');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('run-compare-legend')).toHaveCount(2);
  await expect(compare.getByTestId('run-compare-loss').locator('.recharts-line-curve')).toHaveCount(2);
  // The settings that differ are shown side by side: the learning rates.
  await expect(compare.locator('tr', { hasText: 'learningRate' })).toContainText('0.01');
  await expect(compare.locator('tr', { hasText: 'learningRate' })).toContainText('0.02');
  await expectAccessible(page, 'Runs view with two runs compared');
  await page.screenshot({ path: test.info().outputPath('runs-compare.png'), fullPage: true });

  // Sweep trials compare alike: import a study on the Sweep tab, then pick one of its trials too.
  await page.getByRole('tab', { name: 'Sweep' }).click();
  await page.getByTestId('study-import').setInputFiles(writeStudyFixture(test.info().outputPath('study.json')));
  await expect(page.getByTestId('sweep-dashboard').getByTestId('trial-row')).toHaveCount(4);
  await openRuns(page);
  await page.getByRole('checkbox', { name: `Compare trial #0 of ${FIXTURE_STUDY_NAME}` }).check();
  await expect(compare.getByTestId('run-compare-legend')).toHaveCount(3);
  await expect(compare.getByTestId('run-compare-loss').locator('.recharts-line-curve')).toHaveCount(3);
  await expectAccessible(page, 'Runs view with runs and a sweep trial compared');
  expect(errors).toEqual([]);
});

test('a run a reload cuts off is listed as interrupted, with the steps it reached', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const errors = watchConsole(page);
  page.on('dialog', (d) => void d.accept());
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'batch-size-input': 2, 'epochs-input': 50, 'validation-size-input': 0 },
  });
  await page.getByTestId('train-button').click();
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()), { timeout: 2 * 60_000 })
    .toBeGreaterThanOrEqual(3);
  await page.waitForTimeout(1500); // steps are written at least once a second
  await page.reload();
  await openRuns(page);
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('run-status-cell')).toHaveText('interrupted');
  const steps = Number(await row.getByTestId('run-steps').textContent());
  expect(steps).toBeGreaterThanOrEqual(2);
  expect(errors).toEqual([]);
});

test('Resume from a step checkpoint continues the kept run: one row, its curve from step 1 to the end', async ({
  page,
}) => {
  test.setTimeout(6 * 60_000);
  const errors = watchConsole(page);
  page.on('dialog', (d) => void d.accept());
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: {
      'epochs-input': 1,
      'batch-size-input': 2,
      'max-train-samples-input': 40, // 20 steps in the one epoch
      'validation-size-input': 0,
      'checkpoint-steps-input': 2,
    },
  });
  const stepRows = page.getByTestId('checkpoint-row').and(page.locator('[data-kind="step"]'));
  await page.getByTestId('train-button').click();
  await expect(stepRows.first()).toBeVisible({ timeout: 4 * 60_000 });
  await page.reload();
  await openRuns(page);
  const row = page.getByTestId('run-row');
  await expect(row.getByTestId('run-status-cell')).toHaveText(['interrupted']);
  const kept = Number(await row.getByTestId('run-steps').textContent());

  await page.getByRole('tab', { name: 'Train' }).click();
  const steps = await stepRows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-step'))));
  const at = Math.max(...steps);
  // A checkpoint writes the kept run at once: it holds every step up to the newest checkpoint.
  expect(kept).toBeGreaterThanOrEqual(at);
  await stepRows
    .and(page.locator(`[data-step="${at}"]`))
    .getByTestId('checkpoint-resume')
    .click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await openRuns(page);
  await expect(row.getByTestId('run-status-cell')).toHaveText(['finished']);
  await expect(row.getByTestId('run-steps')).toHaveText('20');
  expect(errors).toEqual([]);
});
