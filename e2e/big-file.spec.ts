import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openStudio, watchConsole } from './helpers';

// A large local file without a frozen page (issue 17, item 6): a 200 MB JSON Lines file of
// realistic {id, document, summary} rows (the XSum sample's rows, cycled with fresh ids) is picked
// in the data panel; a data-file worker streams and parses it, so the page's main thread only
// appends batches of rows. The main thread is watched from the pick until the token-length chart
// (the last thing a load sets off: its sample of pairs goes to the token-length worker) is drawn;
// its longest task in that time is the figure (issue 17's target: under 200 ms; 113–157 ms measured
// on a quiet machine, 3,568 ms before the worker). The assertion allows 1 s: on this 2-core machine
// under load, garbage collection alone stretched a task to ~500 ms, and a timing that flips with the
// machine's load would make the suite flaky; parsing on the page (seconds) still fails it. Drawing
// the chart itself (Recharts, the same for any file size) is reported apart.

const TARGET_BYTES = 200 * 1024 * 1024;
const LONGEST_TASK_MS = 1000;

/** Writes the file; returns its row count and first row. */
function writeBigJsonl(path: string): { rows: number; first: { id: string; document: string; summary: string } } {
  const sample = readFileSync('../shared/data/xsum/train.jsonl', 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; document: string; summary: string });
  const fd = openSync(path, 'w');
  let bytes = 0;
  let rows = 0;
  let first: { id: string; document: string; summary: string } | null = null;
  try {
    while (bytes < TARGET_BYTES) {
      const lines: string[] = [];
      for (const s of sample) {
        const row = { id: `big-${rows}`, document: s.document, summary: s.summary };
        first ??= row;
        lines.push(JSON.stringify(row));
        rows++;
      }
      const chunk = Buffer.from(lines.join('\n') + '\n', 'utf8');
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return { rows, first: first! };
}

type Watch = { tasks: [number, number][]; gap: number; stop: boolean; t0: number; drawnAt: number | null };

/**
 * Starts watching the main thread: Long Tasks API entries (Chromium has them headless too) as
 * [start ms after the watch began, duration ms] and, as a cross-check that needs no API, the
 * longest gap between animation frames until the token-length chart is drawn. `drawnAt` is when
 * the chart's line for this file's rows appears: the task that draws it is Recharts laying out the histograms, the
 * same work for a 1 KB file as for 200 MB, so the report gives it apart from the load's.
 */
async function watchMainThread(page: Page, rows: number): Promise<boolean> {
  return page.evaluate((rows) => {
    const w: Watch = { tasks: [], gap: 0, stop: false, t0: performance.now(), drawnAt: null };
    (window as unknown as { __watch: Watch }).__watch = w;
    const supported = PerformanceObserver.supportedEntryTypes.includes('longtask');
    if (supported)
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.tasks.push([Math.round(e.startTime - w.t0), Math.round(e.duration)]);
      }).observe({ type: 'longtask' });
    const drawn = new MutationObserver(() => {
      // The line for this file's rows (the server sample's chart is there before the pick).
      const line = document.querySelector('[data-testid="token-hist-tokenizer"]');
      if (line?.textContent?.includes(`of ${rows} training rows`)) {
        w.drawnAt = Math.round(performance.now() - w.t0);
        drawn.disconnect();
      }
    });
    drawn.observe(document.body, { childList: true, subtree: true });
    let last = performance.now();
    const frame = (t: number) => {
      if (w.drawnAt === null) w.gap = Math.max(w.gap, t - last);
      last = t;
      if (!w.stop) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    return supported;
  }, rows);
}

/** The long tasks of the load (all before the chart's draw) and the draw's own, apart. */
async function mainThreadReport(page: Page) {
  const w = await page.evaluate(() => {
    const w = (window as unknown as { __watch: Watch }).__watch;
    w.stop = true;
    return w;
  });
  const drawnAt = w.drawnAt ?? Infinity;
  const load = w.tasks.filter(([start, ms]) => start + ms < drawnAt);
  const draw = w.tasks.filter(([start, ms]) => start + ms >= drawnAt);
  return { load, draw, gap: w.gap, drawnAt };
}

test('a 200 MB JSONL loads in a worker while the page stays responsive', async ({ page }) => {
  test.setTimeout(180_000);
  const path = test.info().outputPath('big.jsonl');
  const made = writeBigJsonl(path);
  const size = statSync(path).size;
  const errors = watchConsole(page);
  try {
    await openStudio(page);
    await page.getByTestId('source-file').check();
    const longtask = await watchMainThread(page, made.rows);
    expect(longtask, 'headless Chromium reports long tasks').toBe(true);

    const t0 = Date.now();
    await page.getByTestId('data-file').setInputFiles(path);
    // Progress shows while it reads (the page can draw it because it is not blocked).
    await expect(page.getByTestId('data-progress')).toContainText(
      /big\.jsonl: [\d.]+ \w+ of [\d.]+ MiB \(\d+%\), \d+ rows/,
    );
    await expect(page.getByTestId('data-source')).toContainText(
      new RegExp(`Local file: big\\.jsonl \\([\\d.]+ MiB\\) — ${made.rows} pairs`),
      { timeout: 120_000 },
    );
    const loadedMs = Date.now() - t0;
    await expect(page.getByTestId('token-hist-tokenizer')).toContainText(`of ${made.rows} training rows`, {
      timeout: 60_000,
    });
    const settledMs = Date.now() - t0;
    const { load, draw, gap } = await mainThreadReport(page);
    const longest = Math.max(0, ...load.map(([, ms]) => ms));
    const report =
      `${(size / 1024 / 1024).toFixed(1)} MiB, ${made.rows} rows: loaded in ${(loadedMs / 1000).toFixed(1)} s, ` +
      `token lengths drawn at ${(settledMs / 1000).toFixed(1)} s; main thread during the load: ${load.length} long ` +
      `tasks, longest ${longest} ms, longest gap between frames ${gap.toFixed(0)} ms; the chart's draw: ` +
      `${JSON.stringify(draw.map(([, ms]) => ms))} ms; load tasks [start, ms]: ${JSON.stringify(load)}`;
    console.log(report);
    test.info().annotations.push({ type: 'main thread', description: report });

    // The preview shows the file's first row.
    const preview = page.getByTestId('data-preview');
    await expect(preview).toContainText(made.first.id);
    await expect(preview).toContainText(made.first.summary.slice(0, 40));
    await expect(page.getByTestId('data-error')).toHaveCount(0);
    expect(longest, report).toBeLessThan(LONGEST_TASK_MS);
    expect(errors).toEqual([]);
  } finally {
    rmSync(path, { force: true });
  }
});

test('a bad line deep in a streamed JSONL is named, and the previous data stays', async ({ page }) => {
  const path = test.info().outputPath('bad.jsonl');
  const good = JSON.stringify({ id: '1', document: 'a document', summary: 'a summary' });
  // 30 000 good lines (several chunks), then a Latin-1 byte, then a broken line that is never reached.
  const body = Buffer.concat([
    Buffer.from(`${good}\n`.repeat(30_000), 'utf8'),
    Buffer.from('{"id": "2", "document": "caf', 'utf8'),
    Buffer.from([0xe9]),
    Buffer.from('", "summary": "x"}\n{"id": \n', 'utf8'),
  ]);
  const fd = openSync(path, 'w');
  writeSync(fd, body);
  closeSync(fd);
  const offset = Buffer.byteLength(`${good}\n`.repeat(30_000)) + '{"id": "2", "document": "caf'.length;
  await openStudio(page);
  await page.getByTestId('source-file').check();
  await page.getByTestId('data-file').setInputFiles(path);
  await expect(page.getByTestId('data-error')).toHaveText(
    `Could not read bad.jsonl: bad.jsonl line 30001: not valid UTF-8 at byte ${offset} (0xe9 0x22 0x2c 0x20); ` +
      'save the file as UTF-8 (it may be Latin-1 or Windows-1252)',
  );
  await expect(page.getByTestId('data-source')).toContainText('XSum');
});
