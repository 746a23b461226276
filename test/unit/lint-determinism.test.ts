// The determinism rules are only worth something if they fire: lint a workflow that breaks
// them and check each is reported, and that the same code outside workflows/ is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../../providers/paths.ts';

const offending = `import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { createBuildActivities } from '../activities/build.ts';
export function bad(): number {
  void readFileSync; void Docker; void createBuildActivities;
  return Math.random() + Date.now() + Number(process.env.X);
}
`;

async function lint(relPath: string): Promise<string[]> {
  const file = join(REPO_ROOT, relPath);
  writeFileSync(file, offending);
  try {
    const [result] = await new ESLint({ cwd: REPO_ROOT }).lintFiles([file]);
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  } finally {
    rmSync(file, { force: true });
  }
}

test('workflows may not use Node built-ins, I/O modules, runtime activity imports or non-deterministic globals', async () => {
  const messages = await lint('workflows/__lint_probe.ts');
  const has = (re: RegExp) => assert.ok(messages.some((m) => re.test(m)), `expected a message matching ${re}, got:\n${messages.join('\n')}`);
  has(/no-restricted-imports: 'node:fs' import is restricted/);
  has(/no-restricted-imports: 'dockerode' import is restricted/);
  has(/no-restricted-imports: .*activities.*as types only/);
  has(/no-restricted-properties: 'Math\.random'/);
  has(/no-restricted-properties: 'Date\.now'/);
  has(/no-restricted-globals: Unexpected use of 'process'/);
});

test('the same code in an activity is allowed', async () => {
  const messages = await lint('activities/__lint_probe.ts');
  assert.deepEqual(messages.filter((m) => /no-restricted/.test(m)), []);
});

test('a pipe\'s step is workflow code; its activities are not', async () => {
  const step = await lint('pipes/crates/__lint_probe.ts');
  for (const re of [/'node:fs' import is restricted/, /'Math\.random'/, /Unexpected use of 'process'/]) assert.ok(step.some((m) => re.test(m)), `${re} in:\n${step.join('\n')}`);
  const activities = await lint('pipes/crates/activities/__lint_probe.ts');
  assert.deepEqual(activities.filter((m) => /no-restricted/.test(m)), []);
});
