import { expect, test } from '@playwright/test';
import { configureRun, openStudio, watchConsole } from './helpers';

test('click Train: the tiny model trains on WebGPU and its loss falls', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'webgpu', // forced: Auto skips this machine's software adapter (the next test)
    numbers: { 'lr-input': 0.01, 'batch-size-input': 4, 'max-steps-input': 8 },
  });
  await page.getByTestId('train-button').click();

  await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('adapter-name')).not.toBeEmpty();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 6 * 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('8');
  const first = Number(await page.getByTestId('loss-first').textContent());
  const last = Number(await page.getByTestId('loss-last').textContent());
  expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
  expect(last).toBeLessThan(first);
  // The chart drew a train-loss line through the points.
  await expect(page.getByTestId('loss-chart').locator('.recharts-line-curve').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('studio-after-training.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('Auto skips a software WebGPU adapter (SwiftShader here) for wasm, and says why', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);
  await configureRun(page, {
    preset: 'tiny',
    backend: 'auto',
    numbers: { 'max-steps-input': 1, 'validation-size-input': 0 },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('backend-reason')).toContainText('a software renderer on the CPU');
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 2 * 60_000 });
  expect(errors).toEqual([]);
});

test('the served app sends a Content-Security-Policy and cross-origin isolation headers', async ({ page }) => {
  const res = await page.goto('/');
  const h = res!.headers();
  expect(h['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(h['content-security-policy']).toContain("object-src 'none'");
  expect(h['cross-origin-opener-policy']).toBe('same-origin');
  expect(h['cross-origin-embedder-policy']).toBe('require-corp');
});
