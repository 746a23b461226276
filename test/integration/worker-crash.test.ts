// The orchestrator worker is killed with SIGKILL mid-build and started again: the release
// completes, no machine is left, and no target is built twice to completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { activityCounts, uniqueSuffix, waitForProgress } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import type { TargetProgress } from '../../workflows/types.ts';

test('SIGKILL of the orchestrator mid-build: the release completes after a restart, nothing leaks, nothing is built twice', async () => {
  const name = `crash-${uniqueSuffix()}`;
  const build = 'sleep 8; mkdir -p out && echo ok > out/result.txt';
  const t = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${t('one')}${t('two')}`);
  const env = await orchestratorEnv('crash');
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  let orchestrator = await startOrchestrator(env);
  try {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: env.TAGSHIP_TASK_QUEUE });
    for (const target of ['one', 'two']) await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/${target}`, (p) => p.stage === 'building');

    const exited = new Promise((r) => orchestrator.once('exit', r));
    orchestrator.kill('SIGKILL');
    await exited;
    orchestrator = await startOrchestrator(env);

    const result = await handle.result();
    assert.deepEqual(result.targets.map((x) => x.target).sort(), ['one', 'two']);
    for (const target of ['one', 'two']) {
      const counts = await activityCounts(client, `${handle.workflowId}/target/${target}`);
      assert.equal(counts.agentBuild, 1, `${target} was built once`);
      assert.equal(counts.createMachine, 1, `${target} used one machine`);
    }
    assert.deepEqual(await containersOf(handle.workflowId), []);
  } finally {
    orchestrator.kill('SIGKILL');
    await connection.close();
  }
});
