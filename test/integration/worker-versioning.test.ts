// Worker versioning (issue 20): two builds of the worker in one Worker Deployment on one task
// queue. A release started while build A was current finishes on A — every workflow task of it
// and its children is A's — while a release started after `promote` of build B runs on B.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { uniqueSuffix, waitForProgress } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { deploymentVersions, promoteBuild } from '../../client/deployment.ts';
import type { ReleaseProgress } from '../../workflows/types.ts';

/** Promotes once the server has seen the build's pollers (it refuses a build nobody polls for). */
async function promoteWhenPolled(client: Client, deployment: string, buildId: string): Promise<{ previous: string | null }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await promoteBuild(client, 'default', deployment, buildId);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The identities that completed the workflow tasks of a workflow and its children. */
async function workflowTaskWorkers(client: Client, workflowId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowId}"` })) {
    for (const e of (await client.workflow.getHandle(w.workflowId).fetchHistory()).events ?? []) {
      const identity = e.workflowTaskCompletedEventAttributes?.identity;
      if (identity) ids.add(identity.split('@')[0]!);
    }
  }
  return ids;
}

test('a release runs to its end on the build it started on; after promote, new releases start on the new build', async () => {
  const suffix = uniqueSuffix();
  const deployment = `tagship-${suffix}`;
  const shared = { TAGSHIP_TASK_QUEUE: `versions-${suffix}`, TAGSHIP_WORKER_DEPLOYMENT: deployment };
  const name = `versions-${suffix}`;
  const t = '  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo ok > out/r.txt"], artifacts: [out/*] }\n';
  const project = (gate: string) => makeProject(`project: ${name}\ntestGate: { command: ${JSON.stringify(gate)}, provisionDuringGate: false }\ntargets:\n${t}`);
  const envA = await orchestratorEnv('version-a', { ...shared, TAGSHIP_WORKER_BUILD_ID: 'build-a' });
  const envB = await orchestratorEnv('version-b', { ...shared, TAGSHIP_WORKER_BUILD_ID: 'build-b' });
  const connection = await Connection.connect({ address: envA.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  const a = await startOrchestrator(envA);
  let b: Awaited<ReturnType<typeof startOrchestrator>> | undefined;
  try {
    assert.deepEqual(await promoteWhenPolled(client, deployment, 'build-a'), { previous: null });
    // Release 1 starts on A and is still in its gate when B takes over.
    const first = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project('sleep 20'), taskQueue: shared.TAGSHIP_TASK_QUEUE });
    await waitForProgress<ReleaseProgress>(client, first.handle.workflowId, (p) => p.stage === 'test-gate');
    b = await startOrchestrator(envB);
    assert.deepEqual(await promoteWhenPolled(client, deployment, 'build-b'), { previous: 'build-a' });

    const second = await startRelease(client, { project: name, tag: 'v1.0.1', projectDir: project('true'), taskQueue: shared.TAGSHIP_TASK_QUEUE });
    assert.equal((await second.handle.result()).version, '1.0.1');
    assert.equal((await first.handle.result()).version, '1.0.0');

    assert.deepEqual([...(await workflowTaskWorkers(client, first.handle.workflowId))], [String(a.pid)], 'release 1 and its children ran on build A only, though B was current before it ended');
    assert.deepEqual([...(await workflowTaskWorkers(client, second.handle.workflowId))], [String(b.pid)], 'release 2 ran on build B only');
    for (const [handle, build] of [[first.handle, 'build-a'], [second.handle, 'build-b']] as const) {
      const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
      assert.equal(info?.deploymentVersion?.buildId, build);
    }
    const versions = await deploymentVersions(client, 'default', deployment);
    assert.equal(versions.find((v) => v.buildId === 'build-b')?.state, 'current');
    assert.notEqual(versions.find((v) => v.buildId === 'build-a')?.state, 'current');
  } finally {
    a.kill('SIGKILL');
    b?.kill('SIGKILL');
    await connection.close();
  }
});
