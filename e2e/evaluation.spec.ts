import { expect, test } from '@playwright/test';
import type { EvaluationPoint as RougePoint } from '../src/store/run-events';
import { configureRun, openStudio, watchConsole } from './helpers';

// Before the first step (epoch 0) and after each epoch the worker generates on the validation split
// and reports ROUGE, and once it reports LEAD (first sentences); the page must plot one point per
// epoch, draw LEAD as reference lines, show the newest numbers, and list sample predictions as text.

test('two epochs: epoch 0 and a ROUGE point per epoch, LEAD lines, the latest numbers, and samples as text', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await expect(page.getByTestId('rouge-chart')).toContainText('ROUGE appears at epoch 0');

  // A small slice keeps two epochs to a few steps; WASM keeps the test independent of a GPU.
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: {
      'lr-input': 0.01,
      'batch-size-input': 4,
      'epochs-input': 2,
      'max-train-samples-input': 8,
      'validation-size-input': 4,
    },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 6 * 60_000 });

  const points = JSON.parse((await page.getByTestId('rouge-points').textContent()) ?? '') as RougePoint[];
  expect(points.map((p) => p.epoch)).toEqual([0, 1, 2]);
  expect(points[0].step).toBe(0); // the model before its first step
  expect(JSON.parse((await page.getByTestId('rouge-chart').getAttribute('data-points')) ?? '')).toEqual(points);
  for (const p of points) {
    for (const v of [p.rouge1, p.rouge2, p.rougeL, p.rougeLsum]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(p.examples).toBe(4);
    expect(p.genLen).toBeGreaterThanOrEqual(0);
  }

  // The numbers above the chart are the newest epoch's, to 2 decimals.
  const latest = points[2];
  for (const key of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
    await expect(page.getByTestId(`rouge-${key}`)).toHaveText(latest[key].toFixed(2));
  }

  // Four lines (R-1, R-2, R-L, R-Lsum), each with a dot per epoch (0, 1, 2).
  const chart = page.getByTestId('rouge-chart');
  await expect(chart.locator('.recharts-line')).toHaveCount(4);
  await expect(chart.locator('.recharts-line-dot')).toHaveCount(12);
  // LEAD on the same 4 validation pairs, a dashed line per distinct value (one sentence: R-L = R-Lsum).
  const lead = JSON.parse((await page.getByTestId('rouge-lead').textContent()) ?? 'null') as Record<
    'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum' | 'examples',
    number
  > | null;
  expect(lead).toMatchObject({ name: 'lead', examples: 4 });
  expect(lead!.rougeLsum).toBe(lead!.rougeL);
  const distinct = new Set([lead!.rouge1, lead!.rouge2, lead!.rougeL]).size;
  await expect(chart.locator('.recharts-reference-line')).toHaveCount(distinct);
  await expect(page.getByTestId('baseline-lead')).toContainText('LEAD: R-1');
  await expect(page.getByTestId('baseline-epoch0')).toContainText('Epoch 0: R-1');

  // Samples of both epochs, each row a prediction beside its (non-empty) reference.
  const rows = page.getByTestId('samples-table').getByTestId('sample-row');
  expect(await rows.count()).toBeGreaterThan(0);
  for (const ref of await page.getByTestId('sample-reference').allTextContents()) expect(ref.trim()).not.toBe('');
  expect(
    await page.getByTestId('samples-epoch').evaluateAll((els) => els.map((e) => e.getAttribute('data-epoch'))),
  ).toEqual(['2', '1', '0']);
  // The newest epoch's model writes text for at least one article (seeded run: same text each time).
  const newest = page.getByTestId('samples-epoch').first().getByTestId('sample-prediction');
  expect((await newest.allTextContents()).some((t) => t.trim().length > 0)).toBe(true);

  await page.screenshot({ path: test.info().outputPath('studio-after-evaluation.png'), fullPage: true });
  expect(errors).toEqual([]);
});
