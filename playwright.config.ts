import { defineConfig } from '@playwright/test';
import chromiumArgs from './scripts/lib/chromium-args.json' with { type: 'json' };

// e2e tests drive the BUILT app (vite preview), not only the dev server: a worker that ran under
// dev once hung under preview. Debian's Chromium is used (Playwright's browser download is not
// available here); CHROMIUM_PATH overrides it.
const port = Number(process.env.STUDIO_E2E_PORT ?? 4173);
// The local Hub stand-in e2e/hub-models.spec.ts starts: the preview server's CSP must allow it.
const hubPort = Number(process.env.STUDIO_E2E_HUB_PORT ?? 4175);

export default defineConfig({
  testDir: 'e2e',
  timeout: 8 * 60_000, // a first WebGPU step on SwiftShader spends 17–30 s compiling shaders
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1, // two cores: one browser at a time keeps timings sane
  retries: 0,
  // scripts/test-all.mjs asks for a JSON report to total the runners' counts.
  reporter: process.env.STUDIO_E2E_JSON ? [['list'], ['json', { outputFile: process.env.STUDIO_E2E_JSON }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
      args: chromiumArgs, // shared with the headless drivers in scripts/
    },
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    env: { VITE_HF_MODEL_ENDPOINT: process.env.VITE_HF_MODEL_ENDPOINT ?? `http://127.0.0.1:${hubPort}` },
  },
});
