import { expect, test } from '@playwright/test';
import { configureRun, watchConsole } from './helpers';

// Two tabs, one study (issue 18, "must show" 4): tabs of one browser context share IndexedDB and
// OPFS. A sweep runs in one; a second tab opened on the Sweep tab meanwhile must not resume it (it
// says another tab is running it and shows it read-only), and a Train run there finishes beside it.
// Neither disturbs the other: the study ends with its trials complete, the run keeps its epoch
// checkpoints, and a third tab opened mid-run lists that run as running, never "interrupted".
test('a sweep in one tab and a Train run in another both finish, and neither disturbs the other', async ({
  context,
}) => {
  test.setTimeout(5 * 60_000);
  const sweepTab = await context.newPage();
  const errorsA = watchConsole(sweepTab);
  sweepTab.on('dialog', (d) => void d.accept());
  await sweepTab.goto('/#sweep');
  await expect(sweepTab.getByTestId('data-source')).toContainText('XSum');
  await configureRun(sweepTab, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 1, 'max-train-samples-input': 8, 'validation-size-input': 2, 'sweep-trials-input': 2 },
  });
  await sweepTab.getByTestId('sweep-pruner').selectOption('nop');
  await sweepTab.getByTestId('sweep-start').click();
  await expect(sweepTab.getByTestId('sweep-runner-status')).toHaveText('running');
  await expect(sweepTab.getByTestId('study-row')).toHaveAttribute('data-status', 'running');

  // The second tab, opened on the Sweep tab while the sweep runs: it finds the study running and
  // its lease held, so it shows the study and says why it does not resume it.
  const trainTab = await context.newPage();
  const errorsB = watchConsole(trainTab);
  trainTab.on('dialog', (d) => void d.accept());
  await trainTab.goto('/#sweep');
  await expect(trainTab.getByTestId('data-source')).toContainText('XSum');
  await expect(trainTab.getByTestId('sweep-error')).toContainText('Another tab is running this study');
  await expect(trainTab.getByTestId('sweep-runner-status')).toHaveText('idle');
  await expect(trainTab.getByRole('button', { name: /^Resume study/ })).toBeDisabled();
  await expect(trainTab.getByTestId('sweep-dashboard')).toBeVisible(); // shown read-only

  // A Train run in the second tab, beside the sweep: 2 epochs, so 2 epoch checkpoints.
  await trainTab.getByRole('tab', { name: 'Train' }).click();
  await configureRun(trainTab, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'epochs-input': 2, 'batch-size-input': 4, 'max-train-samples-input': 8, 'validation-size-input': 0 },
  });
  await trainTab.getByTestId('train-button').click();
  await expect(trainTab.getByTestId('run-status')).toHaveText('running');

  // A third tab opened mid-run lists that run as running in another tab (a page that died would
  // have left it "interrupted"), and reads its end once it finishes.
  const runsTab = await context.newPage();
  const errorsC = watchConsole(runsTab);
  await runsTab.goto('/#runs');
  await expect(runsTab.getByTestId('runs-view')).toBeVisible();
  const trainRow = runsTab.getByTestId('run-row');
  await expect(trainRow).toHaveCount(1);
  await expect(trainRow).toHaveAttribute('data-status', 'running');
  await expect(trainRow.getByTestId('run-status-cell')).toHaveText('running (in another tab)');

  await expect(trainTab.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(sweepTab.getByTestId('sweep-runner-status')).toHaveText('complete', { timeout: 4 * 60_000 });

  // The study: both trials complete, saved as complete.
  const trials = sweepTab.getByTestId('sweep-dashboard').getByTestId('trial-row');
  await expect(trials).toHaveCount(2);
  expect(await trials.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))).toEqual([
    'complete',
    'complete',
  ]);
  await expect(sweepTab.getByTestId('study-row')).toHaveAttribute('data-status', 'complete');
  // The second tab saw the sweep end: the study listed complete, the message gone.
  await trainTab.getByRole('tab', { name: 'Sweep' }).click();
  await expect(trainTab.getByTestId('study-row')).toHaveAttribute('data-status', 'complete');
  await expect(trainTab.getByTestId('sweep-error')).toHaveCount(0);

  // The run: finished, its checkpoints listed (one per epoch, all of its own run).
  await trainTab.getByRole('tab', { name: 'Train' }).click();
  const checkpoints = trainTab.getByTestId('checkpoint-row');
  await expect(checkpoints).toHaveCount(2);
  const runIds = await checkpoints.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
  expect(new Set(runIds).size).toBe(1);
  await expect(trainRow).toHaveAttribute('data-status', 'finished');
  await expect(trainRow).toHaveAttribute('data-id', runIds[0]!);

  // A fresh tab sees it all as it was left.
  await runsTab.reload();
  await expect(runsTab.getByTestId('run-row')).toHaveAttribute('data-status', 'finished');
  await runsTab.getByRole('tab', { name: 'Train' }).click();
  await expect(runsTab.getByTestId('checkpoint-row')).toHaveCount(2);
  await runsTab.getByRole('tab', { name: 'Sweep' }).click();
  await expect(runsTab.getByTestId('study-row')).toHaveAttribute('data-status', 'complete');
  await expect(runsTab.getByTestId('sweep-dashboard').getByTestId('trial-row')).toHaveCount(2);
  expect([...errorsA, ...errorsB, ...errorsC]).toEqual([]);
});
