import { expect, test, type Download, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { configureRun, openStudio, watchConsole } from './helpers';

// Charts to take away (issue 17, item 3): each chart saves as PNG and SVG and its data as CSV, and a
// run's per-step metrics as CSV. Each file is downloaded as a person would and checked for what it
// must hold: a PNG's signature and size, an SVG the browser parses and draws on its own (styles
// inlined, the title and legend drawn), a CSV with the right header and one row per point.

async function save(page: Page, testId: string): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);
  return { download, bytes: readFileSync(path) };
}

/** A PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Parses the SVG in the page and draws it as an image: what a person opening the file would see. */
async function checkSvg(page: Page, svg: string) {
  return page.evaluate(async (text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const error = doc.querySelector('parsererror')?.textContent ?? null;
    const img = new Image();
    img.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    await img.decode();
    return {
      error,
      width: img.naturalWidth,
      height: img.naturalHeight,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent ?? ''),
      styledPaths: [...doc.querySelectorAll('path')].filter((p) =>
        /stroke: rgb|fill: rgb/.test(p.getAttribute('style') ?? ''),
      ).length,
    };
  }, svg);
}

/** CSV of plain fields (numbers and words) into header and rows. */
const readCsv = (bytes: Buffer) => {
  const [header, ...rows] = bytes
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
  return { header, rows };
};

test('the Train tab: loss and ROUGE charts as PNG, SVG and CSV, smoothing and log scale, and the run’s per-step CSV', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'wasm',
    numbers: { 'max-steps-input': 6, 'validation-size-input': 4 },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('6');

  // Smoothing on by default (TensorBoard's 0.6): the raw curve and the smoothed one; at 0, one line.
  const chart = page.getByTestId('loss-chart');
  const slider = page.getByRole('slider', { name: 'Smoothing' });
  await expect(slider).toHaveValue('0.6');
  await expect(chart.locator('.recharts-line-curve')).toHaveCount(3); // raw, smoothed, eval
  await slider.fill('0');
  await expect(chart.locator('.recharts-line-curve')).toHaveCount(2);
  await slider.fill('0.6');
  // Log scale: the y axis ticks become 1-2-5 or geometric values, and the curves stay drawn.
  const yTicks = () => chart.locator('.recharts-cartesian-axis-tick-value').allTextContents(); // x's stay, y's change
  const linear = await yTicks();
  expect(linear.length).toBeGreaterThan(2);
  await page.getByRole('checkbox', { name: 'Log scale' }).check();
  await expect.poll(yTicks).not.toEqual(linear);
  await expect(chart.locator('.recharts-line-curve')).toHaveCount(3);
  await page.getByRole('checkbox', { name: 'Log scale' }).uncheck();

  // The buttons say which chart they export.
  await expect(page.getByRole('button', { name: 'Export loss chart as PNG' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Export ROUGE chart as SVG' })).toBeVisible();

  // PNG: twice the chart's size on screen.
  const box = (await chart.boundingBox())!;
  const png = await save(page, 'loss-export-png');
  expect(png.download.suggestedFilename()).toMatch(/^loss-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.png$/);
  const size = pngSize(png.bytes);
  expect(size.width).toBe(Math.ceil(box.width) * 2);
  expect(size.height).toBeGreaterThan(box.height * 2 * 0.9);

  // SVG: parses, draws on its own, carries the title, the legend and inlined colours.
  const svg = await save(page, 'loss-export-svg');
  const s = await checkSvg(page, svg.bytes.toString('utf8'));
  expect(s.error).toBeNull();
  expect(s.width).toBeGreaterThan(100);
  expect(s.texts).toContain('Loss');
  expect(s.texts.some((t) => t.startsWith('train loss'))).toBe(true);
  expect(s.styledPaths).toBeGreaterThan(0);

  // The chart's data: every step raw and smoothed, the epoch's eval loss, the untrained model at step 0.
  const csv = readCsv((await save(page, 'loss-export-csv')).bytes);
  expect(csv.header).toEqual(['step', 'epoch', 'loss', 'loss_smoothed_0.6', 'eval_loss']);
  const steps = csv.rows.filter((r) => r[2] !== '');
  expect(steps.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4, 5, 6]);
  expect(steps[0][2]).toBe(await page.getByTestId('loss-first').textContent());
  expect(Number(steps[0][3])).toBeCloseTo(Number(steps[0][2]), 12); // debiased: starts at the first value
  expect(csv.rows.some((r) => r[4] !== '' && Number.isFinite(Number(r[4])))).toBe(true);

  // The run's per-step metrics.
  const metrics = readCsv((await save(page, 'run-metrics-csv')).bytes);
  expect(metrics.header).toEqual([
    'step',
    'epoch',
    'loss',
    'lr',
    'grad_norm',
    'tokens_per_sec',
    'elapsed_s',
    'skipped',
  ]);
  expect(metrics.rows).toHaveLength(6);
  expect(metrics.rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4, 5, 6]);
  expect(metrics.rows[5][2]).toBe(await page.getByTestId('loss-last').textContent());
  for (const r of metrics.rows) {
    expect(r.slice(0, 7).every((v) => Number.isFinite(Number(v)) && v !== '')).toBe(true);
    expect(r[7]).toMatch(/^(true|false)$/);
  }
  expect(Number(metrics.rows[5][6])).toBeGreaterThan(Number(metrics.rows[0][6]));

  // ROUGE: the image, and one row per evaluation plus LEAD.
  pngSize((await save(page, 'rouge-export-png')).bytes);
  const rouge = readCsv((await save(page, 'rouge-export-csv')).bytes);
  expect(rouge.header.slice(0, 7)).toEqual(['series', 'epoch', 'step', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
  expect(rouge.rows.filter((r) => r[0] === 'model').map((r) => r[1])).toEqual(['0', '1']);
  expect(rouge.rows.filter((r) => r[0] === 'lead')).toHaveLength(1);

  // Token lengths: two histograms in one SVG, each under its caption.
  const hist = await checkSvg(page, (await save(page, 'token-lengths-export-svg')).bytes.toString('utf8'));
  expect(hist.error).toBeNull();
  expect(hist.texts.some((t) => t.startsWith('Document'))).toBe(true);
  expect(hist.texts.some((t) => t.startsWith('Summary'))).toBe(true);
  expect(readCsv((await save(page, 'token-lengths-export-csv')).bytes).header[0]).toBe('histogram');
  expect(errors).toEqual([]);
});

test('the Sweep tab: study progress with ETA, and the dashboard charts exported with 0-based trial numbers', async ({
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

  const progress = page.getByTestId('study-progress');
  await expect(progress).toHaveAttribute('data-total', '3', { timeout: 60_000 });
  // After the first trial ends: 1 of 3, and an ETA as a time.
  await expect(progress).toHaveAttribute('data-done', '1', { timeout: 3 * 60_000 });
  await expect(page.getByTestId('study-progress-eta')).toHaveText(/^ETA (\d+(\.\d)?s|\d+m \d\ds|\d+h \d\dm)$/);
  await expect(page.getByTestId('sweep-runner-status')).toHaveText('complete', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('study-progress-count')).toHaveText('3 / 3 trials ended');
  await expect(page.getByTestId('study-progress-eta')).toHaveCount(0);
  await expect(page.getByRole('progressbar', { name: /^Study progress/ })).toHaveAttribute('aria-valuenow', '3');

  // The optimization history: 0-based numbers, as the table rows and trials.csv.
  const rows = await page.getByTestId('trial-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-number')));
  expect(rows).toEqual(['0', '1', '2']);
  const history = readCsv((await save(page, 'history-export-csv')).bytes);
  expect(history.header).toEqual(['number', 'state', 'value', 'best_so_far']);
  expect(history.rows.map((r) => r[0])).toEqual(['0', '1', '2']);
  expect(history.rows.every((r) => r[1] === 'complete' && Number.isFinite(Number(r[2])))).toBe(true);
  pngSize((await save(page, 'history-export-png')).bytes);
  const h = await checkSvg(page, (await save(page, 'history-export-svg')).bytes.toString('utf8'));
  expect(h.error).toBeNull();
  expect(h.texts).toContain('best so far');

  // Slice plots: one small chart per parameter, each captioned in the file.
  const slices = await checkSvg(page, (await save(page, 'slice-export-svg')).bytes.toString('utf8'));
  expect(slices.error).toBeNull();
  expect(slices.texts.some((t) => t.startsWith('learning_rate'))).toBe(true);
  const complete = readCsv((await save(page, 'slice-export-csv')).bytes);
  expect(complete.header.slice(0, 2)).toEqual(['number', 'value']);
  expect(complete.header.some((c) => c.startsWith('params_'))).toBe(true);
  expect(complete.rows).toHaveLength(3);

  pngSize((await save(page, 'parallel-export-png')).bytes);
  // The importances are HTML bars on the page: the image is drawn from the same numbers.
  const imp = await checkSvg(page, (await save(page, 'importance-export-svg')).bytes.toString('utf8'));
  expect(imp.error).toBeNull();
  expect(imp.texts).toContain('learning_rate');
  const shares = imp.texts.filter((t) => t.endsWith('%')).map((t) => Number(t.slice(0, -1)));
  expect(shares.length).toBe(2);
  expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
  expect(readCsv((await save(page, 'importance-export-csv')).bytes).header).toEqual(['param', 'importance']);

  // The compare view of two picked trials: all its charts in one image, its data in one long table.
  await page.getByRole('checkbox', { name: 'Compare trial #0' }).check();
  await page.getByRole('checkbox', { name: 'Compare trial #2' }).check();
  await expect(page.getByTestId('trial-compare')).toHaveAttribute('data-numbers', '0,2');
  const cmp = await checkSvg(page, (await save(page, 'compare-export-svg')).bytes.toString('utf8'));
  expect(cmp.error).toBeNull();
  expect(cmp.texts).toEqual(
    expect.arrayContaining(['Training loss', 'ROUGE-1 per epoch', '#0 complete', '#2 complete']),
  );
  const both = readCsv((await save(page, 'compare-export-csv')).bytes);
  expect(both.header).toEqual(['number', 'state', 'series', 'step', 'epoch', 'value']);
  expect(new Set(both.rows.map((r) => r[0]))).toEqual(new Set(['0', '2']));
  expect(both.rows.some((r) => r[2] === 'loss') && both.rows.some((r) => r[2] === 'rouge1')).toBe(true);
  expect(readCsv((await save(page, 'epoch-curves-export-csv')).bytes).header).toEqual([
    'number',
    'state',
    'epoch',
    'objective',
  ]);
  expect(errors).toEqual([]);
});
