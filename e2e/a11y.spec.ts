import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, tabTo } from './a11y';
import { openStudio, watchConsole } from './helpers';
import { FIXTURE_STUDY_NAME, writeStudyFixture } from './study-fixture';

// A page for everyone (issue 17, item 4): axe finds no serious or critical violation and no two
// controls share a name, on the Train tab, on the Sweep tab with a study (its dashboard and the
// trial comparison open) and on the Runs view, in the light and the dark theme; and the whole path
// from a preset to a compared study works from the keyboard alone.

/** Imports the fixture study through the (visually hidden) file input and waits for its dashboard. */
async function importFixture(page: Page) {
  const path = writeStudyFixture(test.info().outputPath('study.json'));
  await page.getByTestId('study-import').setInputFiles(path);
  await expect(page.getByTestId('sweep-dashboard').getByTestId('trial-row')).toHaveCount(4);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`axe, ${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test(`Train tab and Sweep tab with a study: no serious or critical violations (${colorScheme})`, async ({
      page,
    }) => {
      const errors = watchConsole(page);
      await openStudio(page);
      await expect(page.locator('html')).toHaveAttribute('data-theme', colorScheme);
      await expect(page.getByTestId('token-hist-document')).toBeVisible({ timeout: 60_000 });
      await expectAccessible(page, `Train tab (${colorScheme})`);

      await page.getByRole('tab', { name: 'Sweep' }).click();
      await importFixture(page);
      const dashboard = page.getByTestId('sweep-dashboard');
      await dashboard.getByRole('checkbox', { name: 'Compare trial #0' }).check();
      await dashboard.getByRole('checkbox', { name: 'Compare trial #1' }).check();
      await expect(page.getByTestId('trial-compare')).toHaveAttribute('data-numbers', '0,1');
      await expectAccessible(page, `Sweep tab with a study (${colorScheme})`);
      await page.getByRole('tab', { name: 'Runs' }).click();
      await expect(page.getByTestId('runs-view')).toBeVisible();
      await expectAccessible(page, `Runs view (${colorScheme})`); // with runs and a comparison: e2e/runs.spec.ts
      expect(errors).toEqual([]);
    });
  });
}

test('keyboard only: choose a preset, start and stop a run, import a study, compare two trials', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  const key = (k: string) => page.keyboard.press(k);

  // The preset: Tab to the picker, arrows to "tiny" (the first option).
  const preset = page.getByTestId('preset-select');
  await tabTo(page, preset);
  for (let i = 0; i < 4 && (await preset.inputValue()) !== 'tiny'; i++) await key('ArrowUp');
  await expect(preset).toHaveValue('tiny');

  // Enough epochs that the run is still going when Stop is reached.
  const epochs = page.getByTestId('epochs-input');
  await tabTo(page, epochs);
  await key('ControlOrMeta+A');
  await page.keyboard.type('50');
  await expect(epochs).toHaveValue('50');
  const validation = page.getByTestId('validation-size-input');
  await tabTo(page, validation);
  await key('ControlOrMeta+A');
  await page.keyboard.type('0');
  await expect(validation).toHaveValue('0');

  const start = page.getByRole('button', { name: 'Start training' });
  await tabTo(page, start);
  await key('Enter');
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
  await expect(page.getByTestId('step-count')).not.toHaveText('0', { timeout: 120_000 });
  // The focused Start button is disabled now; Tab goes on from where focus fell.
  const stop = page.getByRole('button', { name: 'Stop training' });
  await tabTo(page, stop);
  await key('Enter');
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });
  // The Train tab with a run on it (progress, loss curve, run information) passes too.
  await expect(page.getByTestId('loss-chart').locator('.recharts-line-curve').first()).toBeVisible();
  await expectAccessible(page, 'Train tab after a stopped run');

  // The tabs: the selected one is in the Tab order, arrows switch view.
  const trainTab = page.getByRole('tab', { name: 'Train' });
  await tabTo(page, trainTab, { backwards: true });
  await expect(trainTab).toHaveAttribute('aria-selected', 'true');
  await key('ArrowRight');
  const sweepTab = page.getByRole('tab', { name: 'Sweep' });
  await expect(sweepTab).toBeFocused();
  await expect(sweepTab).toHaveAttribute('aria-selected', 'true');
  await expect(trainTab).toHaveAttribute('aria-selected', 'false');
  await expect(page.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'tab-sweep');

  // Import a study: the file input is in the Tab order and Space opens the picker.
  const path = writeStudyFixture(test.info().outputPath('study.json'));
  await tabTo(page, page.getByTestId('study-import'));
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), key('Space')]);
  await chooser.setFiles(path);
  const dashboard = page.getByTestId('sweep-dashboard');
  await expect(dashboard.getByTestId('trial-row')).toHaveCount(4);
  await expect(page.getByRole('button', { name: `Show study ${FIXTURE_STUDY_NAME}` })).toBeVisible();

  // Compare: Space ticks two trials' checkboxes, and the comparison opens.
  for (const n of [0, 3]) {
    await tabTo(page, dashboard.getByRole('checkbox', { name: `Compare trial #${n}` }));
    await key('Space');
  }
  await expect(page.getByTestId('trial-compare')).toHaveAttribute('data-numbers', '0,3');
  await expect(page.getByTestId('trial-compare').getByTestId('compare-sample')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test('Advanced settings reach the run spec and survive a reload; Details shows the internals; focus is visible', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page);
  const advanced = page.getByRole('group', { name: 'Advanced' });
  await advanced.getByLabel('Learning-rate schedule').selectOption('cosine');
  await advanced.getByLabel('Weight decay').fill('0.1');
  await advanced.getByLabel('Max grad norm').fill('0.5');
  // Out of range is refused with the spec's own message, and the last valid value is kept.
  await advanced.getByLabel('Weight decay').fill('1.5');
  await expect(advanced.getByText('weightDecay must be a number in [0, 1)')).toBeVisible();
  await advanced.getByLabel('Weight decay').fill('0.1');
  const stored = () =>
    page.evaluate(() => JSON.parse(localStorage.getItem('training-studio/settings/v1') ?? '{}').state.settings);
  await expect.poll(stored).toMatchObject({ schedule: 'cosine', weightDecay: 0.1, maxGradNorm: 0.5 });
  await page.reload();
  await expect(page.getByTestId('schedule-select')).toHaveValue('cosine');
  await expect(page.getByTestId('weight-decay-input')).toHaveValue('0.1');
  await expect(page.getByTestId('max-grad-norm-input')).toHaveValue('0.5');

  // Internals are hidden until Details is on, and the choice is kept.
  const checksum = page.getByTestId('run-checksum');
  await expect(checksum).toBeHidden();
  await page.getByRole('checkbox', { name: 'Details' }).check();
  await expect(checksum).toBeVisible();
  await page.reload();
  await expect(checksum).toBeVisible();

  // Keyboard focus draws a ring (styles.css :focus-visible), on a button as on an input.
  for (const target of [page.getByRole('button', { name: 'Start training' }), page.getByTestId('seed-input')]) {
    await tabTo(page, target);
    const ring = await target.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(ring.style).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);
  }
  expect(errors).toEqual([]);
});
