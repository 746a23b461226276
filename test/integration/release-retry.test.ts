// `release retry`: a failed release runs again as a new run of the same workflow id and keeps
// what earlier runs finished — the test gate, built targets, a finished publish — while what
// failed runs again. Real server, containers and registries; the failure of target b is
// decided by this test, which writes it into b's machine (after a has finished), so nothing depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { historySummary, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { containersOf } from '../helpers/projects.ts';
import { retryProject as project, verdicts as verdictsFor } from '../helpers/retry.ts';
import { withRegistries } from '../helpers/registries.ts';
import { NothingToRetryError, retryRelease, startRelease } from '../../client/release.ts';
import { registryEnvName } from '../../activities/registries.ts';
import { releaseWorkflowId } from '../../core/names.ts';
import { causeChain } from '../../core/causes.ts';
import type { ReleaseProgress, ReleaseResult } from '../../workflows/types.ts';

async function failureMessage(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => assert.fail('the run was expected to fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError);
  let msg = '';
  for (const e of causeChain(err)) msg += `${e.message}\n`;
  return msg;
}

test('retry keeps the gate, finished targets and a finished publish, and redoes only what failed', async () => {
  const name = `retry-${uniqueSuffix()}`;
  const verdicts = verdictsFor(name);
  const dir = project(name);
  const id = releaseWorkflowId(name, 'v3.1.0');
  const pythonToken = registryEnvName('local-pypi', 'TOKEN');
  try {
    await withRegistries(async ({ crates, tokens }) => {
      await withWorker(async ({ client, taskQueue, stateDir }) => {
        const opts = { project: name, tag: 'v3.1.0', projectDir: dir, taskQueue };

        // Run 1: a finishes; then b is told to fail.
        const first = await startRelease(client, opts);
        await waitForProgress<ReleaseProgress>(client, id, (p) => p.targets.a === 'done');
        verdicts.release();
        assert.match(await failureMessage(first.handle.result()), /target b \(building\)/);
        const run1Id = (await client.workflow.getHandle(id).describe()).runId;
        const aManifest = join(stateDir, 'artifacts', name, '3.1.0', 'a', 'manifest.json');
        const aStoredAt = statSync(aManifest).mtimeMs;

        // Run 2: gate and a kept, b built again (and passes); crates publish, Python is refused.
        process.env[pythonToken] = 'not-the-token';
        const second = await retryRelease(client, opts);
        assert.equal(second.previousRunId, run1Id);
        assert.equal(second.previousStatus, 'FAILED');
        assert.match(await failureMessage(second.handle.result()), /refused the token/);
        const run2Id = (await client.workflow.getHandle(id).describe()).runId;
        assert.notEqual(run2Id, run1Id, 'a new run of the same workflow id');
        const run2 = await historySummary(client, id);
        assert.deepEqual(run2.activities, ['loadProject', 'inspectPriorWork', 'writeProvenance', 'publishCrates', 'publishPython'], 'no test gate in the retry; provenance signed before publishing');
        assert.equal(run2.events.filter((e) => e === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length, 1, 'only b is built again');
        assert.equal(crates.uploads.get('retry-core'), 1);
        assert.equal(statSync(aManifest).mtimeMs, aStoredAt, "a's stored artifacts were not touched");

        // A retry now, with the published crate changed in the store: a's files are no longer
        // what was built, but a rebuild could make other bytes under a name already out there.
        // It stops before any machine, naming the file; the stored bytes put back, it goes on.
        const crateFile = join(stateDir, 'artifacts', name, '3.1.0', 'a', 'retry-core-3.1.0.crate');
        const crateBytes = readFileSync(crateFile);
        appendFileSync(crateFile, 'changed');
        const refused = await retryRelease(client, opts);
        assert.match(await failureMessage(refused.handle.result()), /target a would be built again, but this release already published its retry-core-3\.1\.0\.crate \(crates\)/);
        const refusedRun = await historySummary(client, id);
        assert.deepEqual(refusedRun.activities, ['loadProject', 'inspectPriorWork']);
        assert.equal(refusedRun.events.filter((e) => e === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length, 0, 'no machine');
        writeFileSync(crateFile, crateBytes);
        const refusedId = (await client.workflow.getHandle(id).describe()).runId;

        // Run 3: everything but the Python publish is kept.
        process.env[pythonToken] = tokens.pypi;
        const third = await retryRelease(client, opts);
        assert.equal(third.previousRunId, refusedId);
        assert.notEqual(refusedId, run2Id);
        const result: ReleaseResult = await third.handle.result();
        assert.deepEqual(result.resumed?.kept, ['test gate', 'target a', 'target b', 'crates']);
        assert.deepEqual(result.published, { crates: { 'retry-core': 'published' }, python: { 'retry_demo-3.1.0-py3-none-any.whl': 'published' } });
        // Kept targets carry what building them cost in the runs that did: the release's cost
        // counts every run, as the targets' own workflows recorded it.
        const built = async (t: string) => ((await client.workflow.getHandle(`${id}/target/${t}`).result()) as { machineSeconds: number }).machineSeconds;
        assert.deepEqual(result.targets.map((t) => [t.target, t.reused, t.machineSeconds]), [['a', true, await built('a')], ['b', true, await built('b')]]);
        assert.ok(result.machineSeconds > 0 && result.machineSeconds === (await built('a')) + (await built('b')), `${result.machineSeconds} machine-seconds across the runs`);
        const run3 = await historySummary(client, id);
        assert.deepEqual(run3.activities, ['loadProject', 'inspectPriorWork', 'writeProvenance', 'publishPython']);
        assert.equal(run3.events.filter((e) => e === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length, 0, 'no machine for a retry with every target kept');
        assert.equal(crates.uploads.get('retry-core'), 1, 'the crate was not sent again');
        assert.equal(verdicts.asked(), 2, 'b was built twice in all: the failed build and one retry');
        assert.match(readFileSync(join(stateDir, 'artifacts', name, '3.1.0', 'b', 'b.txt'), 'utf8'), /^b/);
        assert.deepEqual(await containersOf(id), [], 'no container is left');

        // A completed release has nothing to retry; nothing is started.
        await assert.rejects(retryRelease(client, opts), (e: unknown) => e instanceof NothingToRetryError && e.status === 'COMPLETED');
      });
    });
  } finally {
    delete process.env[pythonToken];
    await verdicts.close();
  }
});

test('a retry rebuilds a target whose stored files changed since its build', async () => {
  const name = `retryhash-${uniqueSuffix()}`;
  const verdicts = verdictsFor(name);
  const dir = project(name);
  const id = releaseWorkflowId(name, 'v3.2.0');
  try {
    await withRegistries(async () => {
      await withWorker(async ({ client, taskQueue, stateDir }) => {
        const opts = { project: name, tag: 'v3.2.0', projectDir: dir, taskQueue, targets: ['a', 'b'] };
        const first = await startRelease(client, opts);
        await waitForProgress<ReleaseProgress>(client, id, (p) => p.targets.a === 'done');
        verdicts.release();
        await failureMessage(first.handle.result());
        // Someone (or a disk) changed one of a's stored files.
        appendFileSync(join(stateDir, 'artifacts', name, '3.2.0', 'a', 'retry_demo-3.2.0-py3-none-any.whl'), 'tampered');
        const again = await retryRelease(client, { project: name, tag: 'v3.2.0', projectDir: dir, taskQueue });
        const result = await again.handle.result();
        assert.deepEqual(result.resumed?.kept, ['test gate'], 'neither target is kept: a changed on disk, b failed');
        assert.equal(result.targets.find((t) => t.target === 'a')?.reused, undefined);
        const stored = readFileSync(join(stateDir, 'artifacts', name, '3.2.0', 'a', 'retry_demo-3.2.0-py3-none-any.whl'), 'utf8');
        assert.equal(stored, 'PK-wheel-3.2.0', 'a was built and stored again');
        const { events } = await historySummary(client, id);
        assert.equal(events.filter((e) => e === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length, 2);
      });
    });
  } finally {
    await verdicts.close();
  }
});
