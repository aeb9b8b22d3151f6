import { expect, test, type Locator, type Page } from '@playwright/test';
import { watchConsole } from './helpers';
import { writeStudyFixture } from './study-fixture';

// Dark mode (issue 17, item 4): the page and its charts follow prefers-color-scheme (Playwright's
// colorScheme emulation) until the user picks a theme, which is then kept across a reload. The
// checks read computed colours (a screenshot alone could not fail); the screenshots are attached
// for a person to look at.

type Rgb = [number, number, number];
const rgb = (css: string): Rgb => {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};
/** WCAG relative luminance, 0 (black) … 1 (white). */
const luminance = ([r, g, b]: Rgb) => {
  const lin = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const hex = (h: string) =>
  `rgb(${parseInt(h.slice(1, 3), 16)}, ${parseInt(h.slice(3, 5), 16)}, ${parseInt(h.slice(5, 7), 16)})`;

const style = (l: Locator, prop: 'backgroundColor' | 'color' | 'stroke' | 'fill') =>
  l.evaluate((el, p) => getComputedStyle(el)[p], prop);

/** What the checks look at: the page, a panel, and the optimization history chart's parts. */
async function colours(page: Page) {
  const chart = page.getByTestId('optimization-history');
  return {
    theme: await page.locator('html').getAttribute('data-theme'),
    page: await style(page.locator('html'), 'backgroundColor'),
    text: await style(page.locator('h1'), 'color'),
    panel: await style(page.getByTestId('studies-table').locator('xpath=ancestor::section[1]'), 'backgroundColor'),
    grid: await style(chart.locator('.recharts-cartesian-grid-horizontal line').first(), 'stroke'),
    point: await style(chart.locator('.recharts-scatter-symbol path').first(), 'fill'),
    tick: await style(chart.locator('.recharts-cartesian-axis-tick-value').first(), 'fill'),
  };
}

// The values of styles.css's custom properties, per theme (the test fails if either side drifts).
const LIGHT = { grid: hex('#e5e7eb'), point: hex('#2563eb'), tick: hex('#4b5563') };
const DARK = { grid: hex('#2f3a4b'), point: hex('#60a5fa'), tick: hex('#a3aab6') };

async function expectDark(page: Page) {
  const c = await colours(page);
  expect(c.theme).toBe('dark');
  expect(luminance(rgb(c.page))).toBeLessThan(0.05);
  expect(luminance(rgb(c.panel))).toBeLessThan(0.05);
  expect(luminance(rgb(c.text))).toBeGreaterThan(0.6);
  expect({ grid: c.grid, point: c.point, tick: c.tick }).toEqual(DARK);
}

async function expectLight(page: Page) {
  const c = await colours(page);
  expect(c.theme).toBe('light');
  expect(luminance(rgb(c.page))).toBeGreaterThan(0.85);
  expect(luminance(rgb(c.panel))).toBeGreaterThan(0.95);
  expect(luminance(rgb(c.text))).toBeLessThan(0.05);
  expect({ grid: c.grid, point: c.point, tick: c.tick }).toEqual(LIGHT);
}

async function openStudy(page: Page) {
  await page.goto('/#sweep');
  await page.getByTestId('study-import').setInputFiles(writeStudyFixture(test.info().outputPath('study.json')));
  await expect(page.getByTestId('optimization-history').locator('.recharts-scatter-symbol').first()).toBeVisible();
}

const shot = async (page: Page, name: string) => {
  const path = test.info().outputPath(name);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
};

test.describe('the system says dark', () => {
  test.use({ colorScheme: 'dark' });

  test('page and charts are dark, follow a system change, and a picked theme is kept across a reload', async ({
    page,
  }) => {
    const errors = watchConsole(page);
    await openStudy(page);
    await expectDark(page);
    await shot(page, 'dark.png');

    // "System" follows the system while the page is open.
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await expectLight(page);
    await shot(page, 'light.png');

    // A picked theme wins over the system, and a reload keeps it.
    await page.getByTestId('theme-select').selectOption('dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectDark(page);
    await page.reload();
    await expect(page.getByTestId('theme-select')).toHaveValue('dark');
    await page.getByRole('button', { name: /^Show study / }).click();
    await expect(page.getByTestId('optimization-history').locator('.recharts-scatter-symbol').first()).toBeVisible();
    await expectDark(page);

    await page.getByTestId('theme-select').selectOption('system');
    await expectLight(page); // the emulated system is still light
    expect(errors).toEqual([]);
  });
});

test('a browser that refuses to save the theme still switches it, and says it was not saved', async ({ page }) => {
  const errors = watchConsole(page);
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (key.startsWith('training-studio/ui-settings')) throw new DOMException('quota', 'QuotaExceededError');
      return setItem.call(this, key, value);
    };
  });
  await openStudy(page);
  await expectLight(page);
  await page.getByTestId('theme-select').selectOption('dark');
  await expectDark(page);
  await expect(page.getByTestId('prefs-error')).toContainText('not saved');
  await page.getByTestId('details-toggle').check();
  await expect(page.getByTestId('details-toggle')).toBeChecked();
  expect(errors).toEqual([]);
});
