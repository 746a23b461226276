// Lint is where determinism is enforced: workflow code runs in a replayed sandbox, so it may
// not reach Node built-ins, I/O libraries, or the non-deterministic globals.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]);
const ioModules = ['dockerode', 'do-wrapper', 'pino', '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tagship/**', 'examples/**', 'test-artifacts/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() returns a promise the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // A pipe's folder holds its deterministic step (workflow code) and, in activities.ts and
    // activities/, its side effects.
    files: ['workflows/**/*.ts', 'core/**/*.ts', 'pipes/**/*.ts'],
    ignores: ['pipes/**/activities.ts', 'pipes/**/activities/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, ...ioModules].map((name) => ({ name, message: 'Workflows and core decisions are deterministic: no Node built-ins or I/O modules. Do this in an activity.' })),
        patterns: [
          { group: ['**/activities/**', '**/providers/**', '**/workers/**', '**/client/**'], allowTypeImports: true, message: 'Import activities and providers as types only (import type).' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow, or derive the value from the workflow id.' },
        { object: 'Date', property: 'now', message: 'Time in workflows comes from the SDK (workflowInfo(), sleep, condition); pass it to activities.' },
      ],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'No process access in workflows: pass settings in the input.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'No I/O in workflows: use an activity.' },
      ],
    },
  },
  { files: ['*.js', 'scripts/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
