// ESLint flat config. Rules here catch bugs (unused code, misuse of hooks, unsafe patterns);
// layout and quoting are Prettier's job, so eslint-config-prettier comes last and turns off
// every rule that would argue with it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build outputs, reports and fixtures: generated, not written by hand.
    ignores: [
      'dist/',
      'bench-out/',
      'reports/',
      'sweep-out/',
      'gpu-check-bundle/',
      'gpu-check-out/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      '.vite/',
      '.gl/',
      '.whl/',
      'shared/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // tsc already fails on unused locals and parameters (noUnusedLocals/noUnusedParameters);
      // the lint rule adds unused imports of types and catch bindings. A leading underscore is the
      // codebase's way of saying "unused on purpose" (a callback's required positional argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The app, its workers and the bench page run in the browser (main thread or a worker).
    files: ['src/**/*.{ts,tsx}', 'dev/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // Scripts, Playwright specs, tool configs, Vitest tests and benches run in Node.
    files: ['scripts/**', 'e2e/**', '*.config.{js,ts}', '**/*.test.ts', '**/*.bench.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The bench and soak scripts drive Chromium: the callbacks they pass to page.evaluate run in
    // the page and read `window` there. Only that one browser global, so Node code in the same
    // files still fails on a stray `document` or `self`.
    files: ['scripts/**'],
    languageOptions: { globals: { window: 'readonly' } },
  },
  {
    // The test checks that an export is pure ASCII with the range /[\x00-\x7f]/; the control
    // characters in that regex are the point of it.
    files: ['src/export/bundle.test.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // React components and the custom hooks beside them.
    files: ['src/ui/**/*.{ts,tsx}', 'src/main.tsx'],
    ...reactHooks.configs.flat.recommended,
  },
  prettier,
);
