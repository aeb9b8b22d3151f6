#!/usr/bin/env node
// `npm test`: every test runner in turn — Vitest unit tests (engine in Node, tfjs cpu backend),
// then the built app's e2e tests in headless Chromium through Playwright — and one closing line
// `N passed, N failed` with the totals of both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nothing listens on now, so a preview server left over elsewhere cannot collide. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const reports = 'reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

// 1. Unit tests.
const unitStatus = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reports}/unit.json`,
]);
if (existsSync(`${reports}/unit.json`)) {
  const u = JSON.parse(readFileSync(`${reports}/unit.json`, 'utf8'));
  totals.passed += u.numPassedTests;
  totals.failed += u.numFailedTests;
  totals.skipped += (u.numPendingTests ?? 0) + (u.numTodoTests ?? 0);
  // A suite that failed to load reports no test of its own: count it as a failure.
  const broken = (u.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  ).length;
  totals.failed += broken;
  if (unitStatus !== 0 && u.numFailedTests === 0 && broken === 0) problems.push(`vitest exited ${unitStatus}`);
} else problems.push('vitest wrote no report');

// 2. e2e tests against the production build.
const buildStatus = run('npx', ['vite', 'build']);
if (buildStatus !== 0) problems.push('vite build failed');
else {
  const port = process.env.STUDIO_E2E_PORT ?? String(await freePort());
  const e2eStatus = run('npx', ['playwright', 'test'], {
    STUDIO_E2E_JSON: `${reports}/e2e.json`,
    STUDIO_E2E_PORT: port,
  });
  if (existsSync(`${reports}/e2e.json`)) {
    const s = JSON.parse(readFileSync(`${reports}/e2e.json`, 'utf8')).stats;
    totals.passed += s.expected + (s.flaky ?? 0);
    totals.failed += s.unexpected;
    totals.skipped += s.skipped ?? 0;
    if (e2eStatus !== 0 && s.unexpected === 0) problems.push(`playwright exited ${e2eStatus}`);
  } else problems.push('playwright wrote no report');
}

for (const p of problems) console.error(`test-all: ${p}`);
const failed = totals.failed + problems.length;
console.log(`\n${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(failed > 0 || totals.passed === 0 ? 1 : 0);
