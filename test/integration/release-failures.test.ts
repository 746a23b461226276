// What happens when things go wrong, on a real Temporal server with real Docker machines:
// every case ends with zero tagship containers for the release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityCounts, historySummary, terminateFromOutside, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { CorruptingStore } from '../helpers/corrupting-store.ts';
import type { TargetProgress } from '../../workflows/types.ts';
import type { ReaperResult } from '../../workflows/reaper.ts';

function twoTargets(name: string, a: string, b: string) {
  const t = (n: string, cmd: string) => `  - { name: ${n}, arch: amd64, os: generic, build: [${JSON.stringify(cmd)}], artifacts: [out/*] }\n`;
  return makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${t('fast', a)}${t('slow', b)}`);
}

const OK = 'mkdir -p out && echo ok > out/result.txt';

async function rootFailure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => assert.fail('expected the release to fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  return err.cause as Error;
}

test('one target failing fails the release naming it, cancels the other, and leaves no machine', async () => {
  const name = `onefails-${uniqueSuffix()}`;
  const dir = twoTargets(name, 'echo "fatal: missing header" >&2; exit 1', `sleep 60; ${OK}`);
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    const cause = await rootFailure(handle.result());
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'BuildFailed');
    assert.match(cause.message, /^target fast \(building\)/);
    assert.match(cause.message, /fatal: missing header/);
    const slow = await client.workflow.getHandle(`${handle.workflowId}/target/slow`).describe();
    assert.equal(slow.status.name, 'CANCELLED', 'the other target was cancelled, not abandoned');
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('cancelling a release mid-build deletes every machine and ends it cancelled', async () => {
  const name = `cancel-${uniqueSuffix()}`;
  const dir = twoTargets(name, `sleep 120; ${OK}`, `sleep 120; ${OK}`);
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    for (const t of ['fast', 'slow']) await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/${t}`, (p) => p.stage === 'building');
    assert.equal((await containersOf(handle.workflowId)).length, 2, 'both machines exist while building');
    await handle.cancel();
    const cause = await rootFailure(handle.result());
    assert.ok(cause instanceof CancelledFailure, `expected a cancellation, got ${String(cause)}`);
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    for (const t of ['fast', 'slow']) {
      const child = await historySummary(client, `${handle.workflowId}/target/${t}`);
      // The build's cancellation was requested and it never completed: not waited out.
      assert.ok(child.events.includes('EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED'), `${t}: the build's cancellation was requested`);
      assert.equal(child.events.filter((e) => e === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED').length, 4, `${t}: create, enrol, delete and verify completed; the build did not`);
      assert.ok(child.activities.includes('deleteMachine'));
    }
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('a machine that dies mid-build is replaced by a fresh one, and the dead one is deleted', async () => {
  const name = `dies-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: only, arch: amd64, os: generic, build: ["sleep 6; ${OK}"], artifacts: [out/*] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    const childId = `${handle.workflowId}/target/only`;
    const first = await waitForProgress<TargetProgress>(client, childId, (p) => p.stage === 'building');
    assert.match(first.machine!, /-m1$/);
    await docker.getContainer(first.machine!).kill();
    const result = await handle.result();
    const [target] = result.targets;
    assert.equal(target!.machineAttempts, 2, 'built on a second machine');
    assert.match(target!.machine, /-m2$/);
    const counts = await activityCounts(client, childId);
    assert.equal(counts.createMachine, 2);
    assert.equal(counts.deleteMachine, 2, 'the dead machine was deleted too');
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('an artifact corrupted in transit fails the target and is not stored', async () => {
  const name = `corrupt-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: only, arch: amd64, os: generic, build: ["mkdir -p out && head -c 50000 /dev/urandom > out/blob.bin"], artifacts: [out/*] }\n`);
  const stateDir = mkdtempSync(join(tmpdir(), 'tagship-test-'));
  await withWorker(
    async ({ client, taskQueue }) => {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      const cause = await rootFailure(handle.result());
      assert.ok(cause instanceof ApplicationFailure);
      assert.equal(cause.type, 'ChecksumMismatch');
      assert.match(cause.message, /blob\.bin/);
      assert.equal(existsSync(join(stateDir, 'artifacts', name, '1.0.0', 'only', 'blob.bin')), false, 'the corrupted file was not stored');
      assert.equal(existsSync(join(stateDir, 'artifacts', name, '1.0.0', 'only', 'manifest.json')), false, 'no manifest for a failed target');
      assert.deepEqual(await containersOf(handle.workflowId), []);
    },
    { stateDir, artifacts: new CorruptingStore(join(stateDir, 'artifacts'), (file) => file === 'blob.bin') },
  );
});

test('machines of a terminated release and targets are deleted by the reaper', async () => {
  const name = `terminated-${uniqueSuffix()}`;
  const dir = twoTargets(name, `sleep 120; ${OK}`, `sleep 120; ${OK}`);
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    for (const t of ['fast', 'slow']) await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/${t}`, (p) => p.stage === 'building');
    // Termination runs none of the workflows' code: their cleanup cannot run.
    await terminateFromOutside(client, handle.workflowId, 'test: simulate a release killed from outside');
    const leaked = (await containersOf(handle.workflowId)).map((n) => n.replace(/^\//, '')).sort();
    assert.equal(leaked.length, 2, 'termination leaves the machines behind');

    const dry = await client.workflow.execute<(i: object) => Promise<ReaperResult>>('reaper', { taskQueue, workflowId: `reaper-dry-${uniqueSuffix()}`, args: [{ dryRun: true }] });
    assert.deepEqual(dry.deleted.map((d) => d.machine).filter((m) => leaked.includes(m)).sort(), leaked);
    assert.equal((await containersOf(handle.workflowId)).length, 2, 'a dry run deletes nothing');

    const report = await client.workflow.execute<(i: object) => Promise<ReaperResult>>('reaper', { taskQueue, workflowId: `reaper-${uniqueSuffix()}`, args: [{}] });
    const mine = report.deleted.filter((d) => leaked.includes(d.machine));
    assert.deepEqual(mine.map((d) => d.machine).sort(), leaked);
    assert.match(mine[0]!.reason, /is closed/);
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});
