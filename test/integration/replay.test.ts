// Replays recorded release histories against today's workflow code. A failure here means a
// change would break releases that are running now: use patched()/deprecatePatch() instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { REPO_ROOT, WORKFLOWS_PATH } from '../../providers/paths.ts';

const dir = join(REPO_ROOT, 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

function load(file: string) {
  const { workflowId, history } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { workflowId: string; history: unknown };
  return { workflowId, history: historyFromJSON(history) };
}

test('there are recorded release histories to replay', () => {
  assert.ok(files.filter((f) => f.startsWith('release-')).length >= 3, `found ${files.join(', ')}`);
});

for (const f of files) {
  test(`replays ${f} without non-determinism`, async () => {
    const { workflowId, history } = load(f);
    const bundle = process.env.TAGSHIP_WORKFLOW_BUNDLE;
    await Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }, history, workflowId);
  });
}

test('replay detects a changed workflow (the check can fail)', async () => {
  // The success history replayed against a workflow whose first activity differs must fail.
  const { workflowId, history } = load('release-success.json');
  await assert.rejects(
    Worker.runReplayHistory({ workflowsPath: join(REPO_ROOT, 'test', 'fixtures', 'changed-release-workflow.ts') }, history, workflowId),
    /[Nn]ondeterminis/,
  );
});
