import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { openStudio, watchConsole } from './helpers';
import { FIXTURE_STUDY_NAME, studyFixtureJSON } from './study-fixture';

// Study files that parse but are incomplete, and ±inf objective values, on the page (issue 18):
// a study file whose config is {} is refused with a short message and nothing is stored; a study
// stored by an older version without a usable config opens with a clear message, not
// "Cannot read properties of undefined (reading 'objective')"; a study with ±inf values shows
// them as ∞ / −∞ in the trials table, the best value and the studies list, and the history chart
// says where it drew them.

/** Writes `text` as a study file and picks it in the Sweep tab's import input. */
async function importText(page: Page, name: string, text: string) {
  const path = test.info().outputPath(name);
  writeFileSync(path, text);
  await page.getByTestId('study-import').setInputFiles(path);
}

const fixture = () => JSON.parse(studyFixtureJSON());
const studyRows = (page: Page) => page.getByTestId('studies-table').locator('tbody tr');

test('an incomplete study file is refused briefly; one stored incomplete opens with a clear message', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await page.getByRole('tab', { name: 'Sweep' }).click();
  await importText(page, 'good.json', studyFixtureJSON());
  await expect(page.getByTestId('sweep-dashboard').getByTestId('trial-row')).toHaveCount(4);

  // config {}: refused before storing, the first problems named.
  const empty = fixture();
  empty.study.config = {};
  empty.study.name = 'empty config';
  await importText(page, 'empty-config.json', JSON.stringify(empty));
  const error = page.getByTestId('sweep-error');
  await expect(error).toHaveText(
    'cannot import this file: 2 problems: study.config.sweep: missing, expected the sweep settings (an object); ' +
      'study.config.base: missing, expected the run settings (an object)',
  );
  // 50,000 levels of nesting: refused by the limit, not by the path.
  const deep = fixture();
  deep.study.config = '@@';
  await importText(
    page,
    'deep.json',
    JSON.stringify(deep).replace('"@@"', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)),
  );
  await expect(error).toHaveText(
    /^cannot import this file: the file nests arrays and objects more than 100 levels deep \(line \d+, column [\d,]+\); a study file may nest at most 100 levels$/,
  );
  expect((await error.textContent())!.length).toBeLessThan(500);
  await expect(studyRows(page)).toHaveCount(1); // nothing stored

  // A study stored by an older version whose config lacks the sweep settings (edited in IndexedDB).
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('training-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('studies', 'readwrite');
          const store = tx.objectStore('studies');
          const all = store.getAll();
          all.onsuccess = () => {
            for (const meta of all.result) store.put({ ...meta, name: 'from an older studio', config: {} });
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.reload();
  await page.getByRole('tab', { name: 'Sweep' }).click();
  await expect(studyRows(page)).toHaveCount(1); // still listed
  await page.getByRole('button', { name: 'Show study from an older studio' }).click();
  await expect(error).toHaveText(
    /^cannot open study "from an older studio": its stored settings are incomplete \(saved by an older version, or edited\); export it as JSON to keep its trials, or delete it: 2 problems: config\.sweep: missing/,
  );
  await expect(error).not.toContainText('Cannot read properties');
  expect(errors).toEqual([]);
});

test('±inf objective values show as ∞ / −∞ in the table, the best value, the studies list and the history chart', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await page.getByRole('tab', { name: 'Sweep' }).click();
  const f = fixture();
  f.study.name = 'infinite values';
  f.study.trials[1].value = 'Infinity'; // complete
  f.study.trials[3].value = '-Infinity'; // complete (trial 2 is pruned)
  await importText(page, 'inf.json', JSON.stringify(f));
  const dashboard = page.getByTestId('sweep-dashboard');
  await expect(dashboard.getByTestId('trial-row')).toHaveCount(4);
  await expect(page.getByTestId('sweep-best-value')).toHaveText('∞ (#1)');
  const values = await dashboard.locator('[data-testid="trial-row"] .trials__value').allTextContents();
  expect(values).toContain('∞');
  expect(values).toContain('−∞');
  await expect(page.getByTestId('history-note')).toHaveText(
    'Trials #1 (∞), #3 (−∞) are infinite, drawn on the top (∞) or bottom (−∞) edge.',
  );
  // Drawn on the edges: no point or line of the chart lands on NaN coordinates.
  await expect(page.getByTestId('optimization-history').locator('path[d*="NaN"], circle[cy="NaN"]')).toHaveCount(0);
  await expect(studyRows(page).filter({ hasText: 'infinite values' })).toContainText('∞');
  await expect(page.getByRole('button', { name: `Show study ${FIXTURE_STUDY_NAME}` })).toHaveCount(0);
  expect(errors).toEqual([]);
});
