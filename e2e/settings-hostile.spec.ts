// Settings the run cannot honour are named as they are typed (against the model actually chosen
// and the loaded data), Start refuses with the same words, every number input accepts its own
// default (the Hub form's "Max rows per split" once did not), and the served app sends its
// hardening headers and no source maps.
import { expect, test, type Page } from '@playwright/test';
import { openStudio, watchConsole } from './helpers';

/** Every number input on the page that the browser's constraint validation refuses, with why. */
async function invalidNumberInputs(page: Page): Promise<string[]> {
  return page
    .locator('input[type="number"]')
    .evaluateAll((inputs) =>
      (inputs as HTMLInputElement[])
        .filter((i) => !i.checkValidity())
        .map(
          (i) =>
            `${i.getAttribute('data-testid') ?? i.getAttribute('aria-label') ?? i.id}=${i.value}: ${i.validationMessage}`,
        ),
    );
}

test('lengths past the model, max steps 1e15 and a validation size past the split are named as typed; Start refuses', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await openStudio(page); // the XSum sample: 871 train / 100 validation; no base model: the fresh small preset
  await expect(page.getByTestId('preset-select')).toHaveValue('small');

  // 1. Max source length past the small preset's 640 positions: both length fields say so.
  const lengths =
    'max source 600 + max target 64 + 10 template tokens = 674 positions, but the fresh small preset has 640: keep max source + max target at most 630';
  await page.getByTestId('max-source-input').fill('600');
  await expect(page.getByTestId('max-source-input-error')).toHaveText(lengths);
  await expect(page.getByTestId('max-target-input-error')).toHaveText(lengths);
  await expect(page.getByTestId('max-source-input')).toHaveAttribute('aria-invalid', 'true');

  // 2. Max steps 1e15: refused as typed (the settings keep the last valid value), Start disabled.
  await page.getByTestId('max-steps-input').fill('1e15');
  await expect(page.getByTestId('max-steps-input-error')).toHaveText(
    'maxSteps must be an integer in [0, 1000000] (0 = all epochs; a browser tab runs a few steps a second, so a million is most of a day), got 1000000000000000',
  );
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await page.getByTestId('max-steps-input').fill('2');
  await expect(page.getByTestId('max-steps-input-error')).toHaveCount(0);

  // 3. More validation examples than the split has: allowed, and the run's real behaviour is said.
  await page.getByTestId('validation-size-input').fill('5000');
  await expect(page.getByTestId('validation-size-input-note')).toHaveText(
    'the validation split has 100 examples; the run will evaluate on all 100',
  );
  await expect(page.getByTestId('validation-size-input-error')).toHaveCount(0);

  // Start refuses the length issue with the same words, and starts nothing.
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('error-message')).toHaveText(`Fix the settings first: ${lengths}`);
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(page.getByTestId('backend-name')).toHaveCount(0);

  // A smaller preset's positions are checked anew; choosing it resets the lengths to its own, which fit.
  await page.getByTestId('preset-select').selectOption('tiny');
  await expect(page.getByTestId('max-source-input')).toHaveValue('128');
  await expect(page.getByTestId('max-source-input-error')).toHaveCount(0);
  await page.getByTestId('max-target-input').fill('200');
  await expect(page.getByTestId('max-target-input-error')).toContainText('but the fresh tiny preset has 256');

  // The typed values survive a reload (nothing the user made is dropped), and are flagged again.
  await page.reload();
  await expect(page.getByTestId('data-source')).toContainText('XSum');
  await expect(page.getByTestId('max-target-input')).toHaveValue('200');
  await expect(page.getByTestId('max-target-input-error')).toContainText('but the fresh tiny preset has 256');
  expect(errors).toEqual([]);
});

test('every number input accepts its default on each tab; the Hub form submits its default', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  for (const tab of ['train', 'sweep', 'runs'] as const) {
    await page.getByTestId(`tab-${tab}`).click();
    expect(await invalidNumberInputs(page), `on the ${tab} tab`).toEqual([]);
  }
  await page.getByTestId('tab-train').click();
  await page.getByTestId('source-hub').check();
  const maxRows = page.getByTestId('hub-maxRows');
  await expect(maxRows).toHaveValue('1000');
  expect(await maxRows.evaluate((i: HTMLInputElement) => i.checkValidity())).toBe(true);
  // Multiples of 100 (what the old step allowed only off by one) are valid too.
  await maxRows.fill('500');
  expect(await maxRows.evaluate((i: HTMLInputElement) => i.checkValidity())).toBe(true);
  expect(await invalidNumberInputs(page)).toEqual([]);
  // A value the store refuses is said in the panel, not silently blocked by the browser.
  await maxRows.fill('0');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('data-error')).toHaveText('max rows must be a positive whole number, got 0');
  expect(errors).toEqual([]);
});

test('the served app sends nosniff and a Referrer-Policy beside its CSP, and no source maps', async ({
  page,
  request,
}) => {
  const res = await page.goto('/');
  const h = res!.headers();
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('same-origin');
  expect(h['content-security-policy']).toContain("default-src 'self'");

  // Every script the page loaded: nosniff on it too, and no sourceMappingURL pointing at a map.
  const scripts = await page.locator('script[src]').evaluateAll((s) => s.map((e) => (e as HTMLScriptElement).src));
  expect(scripts.length).toBeGreaterThan(0);
  for (const src of scripts) {
    const js = await request.get(src);
    expect(js.ok()).toBe(true);
    expect(js.headers()['x-content-type-options']).toBe('nosniff');
    expect(js.headers()['referrer-policy']).toBe('same-origin');
    expect(await js.text()).not.toContain('sourceMappingURL');
    // The map itself is not there: the preview answers a missing file with its HTML fallback or a 404, never JSON.
    const map = await request.get(`${src}.map`);
    expect(map.ok() ? map.headers()['content-type'] : 'missing').not.toContain('json');
  }
  // The default data the preview serves carries them as well.
  const data = await request.get('/data/xsum/validation.jsonl');
  expect(data.headers()['x-content-type-options']).toBe('nosniff');
});
