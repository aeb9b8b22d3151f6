// Accessibility checks any spec can run on the view it has open: axe-core (WCAG 2.0/2.1 A and AA
// plus axe's best practices) with zero serious or critical violations allowed, and a check that
// no two visible controls share an accessible name. A new view is one more line in a11y.spec.ts:
//   await expectAccessible(page, 'runs view');
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const BLOCKING = new Set(['serious', 'critical']);

/** axe on the whole page as it is now: fails on any serious or critical violation, naming each. */
export async function expectNoSeriousViolations(page: Page, view: string) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  // Every finding goes into the report, the lesser ones too, so they can be fixed later.
  await test.info().attach(`axe ${view}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: 'application/json',
  });
  const blocking = results.violations
    .filter((v) => BLOCKING.has(v.impact ?? ''))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(blocking, `${view}: serious or critical axe violations`).toEqual([]);
}

const CONTROL_ROLES = 'button|tab|checkbox|radio|combobox|textbox|searchbox|spinbutton|slider|switch|link|menuitem';
const CONTROL_LINE = new RegExp(`^\\s*- (${CONTROL_ROLES}) "((?:[^"\\\\]|\\\\.)*)"`);

/** The visible controls' roles and accessible names, from Playwright's ARIA snapshot. */
export async function controlNames(scope: Locator): Promise<string[]> {
  const snapshot = await scope.ariaSnapshot();
  return snapshot.split('\n').flatMap((line) => {
    const m = CONTROL_LINE.exec(line);
    return m ? [`${m[1]} "${m[2]}"`] : [];
  });
}

/** No two visible controls of one role share an accessible name (each says what it acts on). */
export async function expectUniqueControlNames(page: Page, view: string) {
  const names = await controlNames(page.locator('body'));
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
  const dupes = [...seen].filter(([, k]) => k > 1).map(([n, k]) => `${n} ×${k}`);
  expect(dupes, `${view}: controls sharing one accessible name`).toEqual([]);
}

/** Both checks on the view that is open. */
export async function expectAccessible(page: Page, view: string) {
  await expectNoSeriousViolations(page, view);
  await expectUniqueControlNames(page, view);
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until `target` has focus, as a keyboard user would
 * reach it; fails when it is not reached in `max` presses (it is not in the Tab order).
 */
export async function tabTo(page: Page, target: Locator, { max = 250, backwards = false } = {}) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement, undefined, { timeout: 5_000 })) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`not reached with ${max} presses of ${backwards ? 'Shift+Tab' : 'Tab'}: ${String(target)}`);
}
