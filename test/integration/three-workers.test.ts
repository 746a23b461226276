// Stateless orchestrators (issue 26): three worker processes on one task queue, each with a state
// folder of its own, sharing only what a team would share between hosts — the S3 store, the
// agent token's secret and the provenance key. One is SIGKILLed while targets build and its
// folder deleted: every release completes on the other two, each target built and stored once,
// no machine left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { orchestratorEnv, sharedHostsEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { activityCounts, uniqueSuffix, waitForProgress } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { MachineLabel } from '../../core/names.ts';
import { startS3Server } from '../../embedded/s3-server.ts';
import { startRelease } from '../../client/release.ts';
import type { TargetProgress } from '../../workflows/types.ts';

test('three workers, own state folders, one task queue: one SIGKILLed mid-build with its folder deleted, every release completes on the others', async () => {
  const s3 = await startS3Server();
  const suffix = uniqueSuffix();
  const hosts = sharedHostsEnv(`three-${suffix}`, s3);
  const shared = hosts.env;
  const envs = await Promise.all([0, 1, 2].map(() => orchestratorEnv('three', shared)));
  const workers: ChildProcess[] = [];
  const connection = await Connection.connect({ address: envs[0]!.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  try {
    for (const env of envs) workers.push(await startOrchestrator(env));
    const build = 'sleep 6; mkdir -p out && echo "$TAGSHIP_TARGET" > out/result.txt';
    const t = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`;
    const releases = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const name = `three-${i}-${suffix}`;
        const dir = makeProject(`project: ${name}\ntestGate: { command: "test -f tagship.yml" }\ntargets:\n${t('one')}${t('two')}`);
        return (await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: shared.TAGSHIP_TASK_QUEUE })).handle;
      }),
    );
    for (const h of releases) for (const target of ['one', 'two']) await waitForProgress<TargetProgress>(client, `${h.workflowId}/target/${target}`, (p) => p.stage === 'building', 300_000);

    // The victim's machines reach the control plane through sockets in its folder: they are lost with it.
    const victimDir = envs[0]!.TAGSHIP_STATE_DIR;
    const victimMachines = (await docker.listContainers({ filters: { label: [`${MachineLabel.role}=build`] } })).filter((c) => releases.some((h) => c.Labels[MachineLabel.release] === h.workflowId) && c.Mounts.some((m) => m.Source.startsWith(`${victimDir}/`))).length;
    const victim = workers[0]!;
    const exited = new Promise((r) => victim.once('exit', r));
    victim.kill('SIGKILL');
    await exited;
    rmSync(envs[0]!.TAGSHIP_STATE_DIR, { recursive: true, force: true });

    let machines = 0;
    for (const h of releases) {
      const result = await h.result();
      assert.deepEqual(result.targets.map((x) => x.target).sort(), ['one', 'two']);
      for (const x of result.targets) {
        assert.deepEqual(x.manifest.artifacts.map((a) => a.name), ['result.txt'], `${h.workflowId} ${x.target}: its artifact stored`);
        machines += (await activityCounts(client, `${h.workflowId}/target/${x.target}`)).createMachine ?? 0;
      }
      assert.match(result.provenance?.path ?? '', /^s3:\/\//, 'provenance in the shared store');
      assert.deepEqual(await containersOf(h.workflowId), [], `${h.workflowId} left no machine`);
    }
    // Each of the victim's machines was replaced by one from a surviving worker.
    assert.ok(machines >= 8 + victimMachines, `${machines} machines for 8 targets, ${victimMachines} of them lost with the victim`);
    console.log(`three workers: ${victimMachines} machine(s) lost with the killed worker, ${machines} created for 8 targets`);
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await connection.close();
    await s3.close();
    for (const env of envs) rmSync(env.TAGSHIP_STATE_DIR, { recursive: true, force: true });
    hosts.close();
  }
});
