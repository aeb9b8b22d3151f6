import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchConsole } from './helpers';
import { bigStudyJSON } from './big-study-fixture';
import { studyFixtureJSON } from './study-fixture';

// A big study must not take the tab down (issue 18, "what it must show" 3): a 100,000-trial study
// (about 50 MB, no per-epoch data) is imported, listed, opened, charted, paged through and deleted
// beside two small studies, with no long main-thread task from the import to the delete (Long
// Tasks API, buffered, counted from the moment the file is picked), and after a reload, with
// the big study stored and again once it is deleted, every other study is still listed. Before
// the study worker and the summaries store: an ~8 s frozen main thread on import, a crashed tab
// ("Aw, Snap") on choosing another study, and an empty list after a reload.

const TRIALS = 100_000;
const BIG = 'big study (10^5 trials)';
const SMALL = ['small study one', 'small study two'];
/**
 * The bar: no main-thread task over 200 ms. Each chart of the dashboard is drawn in a task
 * of its own over a sample of at most 125 trials (runtime/study-file/digest.ts): Recharts 3
 * re-renders a whole chart synchronously on each of its store's updates, so the points per chart
 * set the task. Measured here with a load average of ~6: longest 103–113 ms (250 trials: 242 ms).
 */
const LONGEST_TASK_MS = 200;

type Watch = { tasks: [number, number][]; t0: number };

/** Starts collecting long tasks (buffered: any already queued count too) from now on. */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w: Watch = { tasks: [], t0: performance.now() };
    (window as unknown as { __longTasks: Watch }).__longTasks = w;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if (e.startTime + e.duration >= w.t0) w.tasks.push([Math.round(e.startTime - w.t0), Math.round(e.duration)]);
    }).observe({ type: 'longtask', buffered: true });
  });
}

async function longTasks(page: Page): Promise<[number, number][]> {
  // A task still running when asked is reported after it ends: give the observer a frame.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  return page.evaluate(() => (window as unknown as { __longTasks: Watch }).__longTasks.tasks);
}

/**
 * Waits until `selector`'s text (its first match; '' when none) passes `check`, by a cheap check in
 * the page. Playwright's own retrying expects build the page's accessibility tree on a failed
 * attempt, which on the dashboard's thousands of SVG nodes is itself a 300–900 ms task on the
 * main thread: it would be measured as the studio's.
 */
async function waitText(page: Page, selector: string, want: string | RegExp, timeout = 60_000): Promise<void> {
  const pattern = typeof want === 'string' ? `^${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : want.source;
  await page.waitForFunction(
    ([sel, re]) => new RegExp(re).test(document.querySelector(sel)?.textContent?.trim() ?? ''),
    [selector, pattern] as const,
    { polling: 100, timeout },
  );
}

/** The names listed, once there are `count` rows. */
async function listed(page: Page, count: number, timeout = 60_000): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="study-row"]').length === n, count, {
    polling: 100,
    timeout,
  });
  return page.$$eval('[data-testid="study-row"] td:first-child button', (bs) => bs.map((b) => b.textContent ?? ''));
}

const sorted = (names: string[]) => [...names].sort();
const tid = (id: string) => `[data-testid="${id}"]`;
const click = (page: Page, selector: string) => page.$eval(selector, (el) => (el as HTMLElement).click());
const firstRow = (page: Page) =>
  page.$eval(`${tid('sweep-dashboard')} ${tid('trial-row')}`, (r) => r.getAttribute('data-number'));
const rowCount = (page: Page) => page.$$eval(`${tid('sweep-dashboard')} ${tid('trial-row')}`, (r) => r.length);

test('a 100,000-trial study is imported, listed, opened, charted and deleted without freezing the page', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = watchConsole(page);
  page.on('dialog', (d) => void d.accept()); // the delete's confirm
  const N = TRIALS.toLocaleString('en-US');

  const big = bigStudyJSON(TRIALS, BIG);
  const bigPath = test.info().outputPath('big-study.json');
  writeFileSync(bigPath, big.text);
  const smallPaths = SMALL.map((name, i) => {
    const p = test.info().outputPath(`small-${i}.json`);
    const file = JSON.parse(studyFixtureJSON()) as { study: { name: string } };
    file.study.name = name;
    writeFileSync(p, JSON.stringify(file));
    return p;
  });

  // The page's own load work first (the default data and its token-length chart, drawn once its
  // worker answers): it is no part of the flow measured below.
  await page.goto('/');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await expect(page.getByTestId('token-hist-document')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Sweep' }).click();
  const dashboard = page.getByTestId('sweep-dashboard');
  for (const [i, p] of smallPaths.entries()) {
    await page.getByTestId('study-import').setInputFiles(p);
    await expect(dashboard.getByTestId('trial-row')).toHaveCount(4);
    expect(sorted(await listed(page, i + 1))).toEqual(sorted(SMALL.slice(0, i + 1)));
  }

  // Import: parsed, checked and stored in the study worker, in batches.
  await watchLongTasks(page);
  const t0 = Date.now();
  await page.getByTestId('study-import').setInputFiles(bigPath);
  expect(sorted(await listed(page, 3, 90_000))).toEqual(sorted([BIG, ...SMALL]));
  const importMs = Date.now() - t0;
  const bigRow = `${tid('study-row')}:has(button[aria-label="Show study ${BIG}"])`;
  expect(await page.$eval(bigRow, (r) => r.textContent)).toContain(N);

  // Opened and charted: the figures cover every trial, the charts a thinned sample.
  await waitText(page, tid('sweep-trial-count'), N);
  await waitText(page, tid('trials-count'), `${N} trials`);
  const openMs = Date.now() - t0 - importMs;
  await waitText(page, tid('sweep-best-value'), `${Number(big.best.value.toPrecision(4))} (#${big.best.number})`, 1000);
  expect(await page.$(tid('sweep-sampled'))).not.toBeNull();
  const points = await page.$$eval(`${tid('optimization-history')} .recharts-scatter-symbol`, (p) => p.length);
  console.log(`history points ${points}`);
  expect(points).toBeGreaterThan(60);
  expect(points).toBeLessThanOrEqual(2000);
  expect(await rowCount(page)).toBe(100);

  // The table pages through every trial in the worker: the next page, the best first when sorted.
  await click(page, `${tid('trials-pages')} button:last-of-type`);
  await waitText(page, tid('trials-page'), `rows 101–200 of ${N}`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="trial-row"]')?.getAttribute('data-number') === '100',
  );
  await click(page, '[data-sort-key="value"]');
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="trial-row"]')?.getAttribute('data-number') === n,
    String(big.best.number),
    { polling: 100 },
  );
  await page.fill(tid('trials-filter'), 'pruned');
  await waitText(page, tid('trials-count'), `${big.counts.pruned.toLocaleString('en-US')} of ${N} trials`);
  await page.fill(tid('trials-filter'), '');
  await waitText(page, tid('trials-count'), `${N} trials`);

  // Choosing another study and back (this took the tab down before).
  await click(page, `button[aria-label="Show study ${SMALL[0]}"]`);
  await waitText(page, tid('sweep-trial-count'), '4');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="trial-row"]').length === 4);
  await click(page, `button[aria-label="Show study ${BIG}"]`);
  await waitText(page, tid('sweep-trial-count'), N);
  await waitText(page, tid('trials-count'), `${N} trials`);
  expect(await firstRow(page)).toBe('0');
  const tasksBeforeReload = await longTasks(page);

  // A reload with the big study stored lists every study, quickly (summaries, not trials).
  const r0 = Date.now();
  await page.reload();
  expect(sorted(await listed(page, 3))).toEqual(sorted([BIG, ...SMALL]));
  const listMs = Date.now() - r0;
  await waitText(page, tid('trials-count'), `${N} trials`);

  // Deleted: one range delete; the others stay, also after a reload.
  await watchLongTasks(page);
  const clickAt = await page.evaluate(
    () => performance.now() - (window as unknown as { __longTasks: Watch }).__longTasks.t0,
  );
  await click(page, `button[aria-label="Delete study ${BIG}"]`);
  expect(sorted(await listed(page, 2))).toEqual(sorted(SMALL));
  // Not the click's own task: window.confirm holds it until Playwright accepts the dialog.
  const tasksDelete = (await longTasks(page)).filter(([start]) => start < clickAt - 5 || start > clickAt + 50);
  await page.reload();
  expect(sorted(await listed(page, 2))).toEqual(sorted(SMALL));

  const tasks = [...tasksBeforeReload, ...tasksDelete];
  const longest = Math.max(0, ...tasks.map(([, d]) => d));
  console.log(
    `big study: ${TRIALS} trials, ${(big.text.length / 1e6).toFixed(1)} MB; import ${importMs} ms, open ${openMs} ms, ` +
      `list after reload ${listMs} ms; long tasks ${tasks.length}, longest ${longest} ms: ${JSON.stringify(tasks)}`,
  );
  expect(longest).toBeLessThan(LONGEST_TASK_MS);
  expect(errors).toEqual([]);
});
