import { expect, type Page } from '@playwright/test';

/** Console errors are failures: collect them for the whole page's life. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Types a number into a settings field and checks the field took it. */
export async function setNumber(page: Page, testId: string, value: number) {
  const input = page.getByTestId(testId);
  await input.fill(String(value));
  await expect(input).toHaveValue(String(value));
}

/** Opens the studio and waits for its default data (the local XSum mirror) to load. */
export async function openStudio(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('data-source')).toContainText('XSum');
}

/**
 * The run settings a test trains with: the preset and backend pickers, then each numeric field by
 * test id, in the order given, each checked to have taken its value.
 */
export async function configureRun(
  page: Page,
  s: { preset?: string; backend?: string; numbers?: Record<string, number> },
) {
  if (s.preset !== undefined) await page.getByTestId('preset-select').selectOption(s.preset);
  if (s.backend !== undefined) await page.getByTestId('backend-select').selectOption(s.backend);
  for (const [testId, value] of Object.entries(s.numbers ?? {})) await setNumber(page, testId, value);
}
