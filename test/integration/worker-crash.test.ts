// The orchestrator worker is killed with SIGKILL mid-build, and mid-way through signing the
// repositories, and started again: the release completes, no machine or helper container is
// left, no target is built twice to completion, and the interrupted step is retried as soon as
// its heartbeats stop — not when a start-to-close timeout of many minutes runs out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { activityCounts, resultWithin, uniqueSuffix, waitForProgress } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { generateTestKey, projectKey } from '../helpers/gpg.ts';
import { MachineLabel } from '../../core/names.ts';
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

    const result = await resultWithin(client, handle, 300_000);
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

/** Waits until a container with these labels runs (or throws after `timeoutMs`). */
async function containerRunning(labels: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await docker.listContainers({ filters: { label: labels } })).length === 0) {
    if (Date.now() > deadline) throw new Error(`no running container with ${labels.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('SIGKILL while the rpm repository is signed: the step is retried after its heartbeats stop, and its container does not stay', async () => {
  const name = `crash-repo-${uniqueSuffix()}`;
  const key = generateTestKey();
  const deb = 'mkdir -p out/r/DEBIAN && printf "Package: s\\nVersion: $TAGSHIP_VERSION\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > out/r/DEBIAN/control && dpkg-deb --build out/r out/s_${TAGSHIP_VERSION}_amd64.deb';
  const spec = "printf 'Name: s\\nVersion: %s\\nRelease: 1\\nSummary: s\\nLicense: MIT\\nBuildArch: noarch\\n%%%%description\\ns\\n%%%%files\\n' $TAGSHIP_VERSION > s.spec && rpmbuild -bb --quiet --define \"_topdir $PWD/rpm\" s.spec && mkdir -p out && cp rpm/RPMS/noarch/*.rpm out/";
  const dir = makeProject(
    `project: ${name}\ntestGate: { command: "true" }\ntargets:\n` +
      `  - { name: d, arch: amd64, os: deb, build: [${JSON.stringify(deb)}], artifacts: [out/*.deb] }\n` +
      `  - { name: r, arch: amd64, os: rpm, build: [${JSON.stringify(spec)}], artifacts: [out/*.rpm] }\n` +
      `repositories:\n  deb: { signingKey: { keyFile: ${JSON.stringify(projectKey(name, key.keyFile).ref)} } }\n  rpm: { signingKey: { keyFile: ${JSON.stringify(projectKey(name, key.keyFile).ref)} }, baseUrl: "http://127.0.0.1:1/${name}/rpm" }\n`,
  );
  const env = await orchestratorEnv('crash-repo');
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  let orchestrator = await startOrchestrator(env);
  try {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: env.TAGSHIP_TASK_QUEUE });
    // Killed while the signing container runs: the worker was inside buildRepositories.
    await containerRunning([`${MachineLabel.release}=${handle.workflowId}`, `${MachineLabel.role}=rpm-repository`], 300_000);
    const exited = new Promise((r) => orchestrator.once('exit', r));
    orchestrator.kill('SIGKILL');
    await exited;
    orchestrator = await startOrchestrator(env);

    const result = await resultWithin(client, handle, 300_000);
    assert.ok(result.repositories?.rpmSuite, 'the rpm repository was deployed');
    const history = await handle.fetchHistory();
    const scheduled = new Set((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'buildRepositories').map((e) => String(e.eventId)));
    const started = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && scheduled.has(String(a.scheduledEventId)));
    assert.equal(started.length, 1, 'one buildRepositories, retried within it');
    const timeoutType = started[0]!.lastFailure?.timeoutFailureInfo?.timeoutType;
    assert.equal(started[0]!.attempt, 2, 'the attempt on the killed worker was followed by one retry');
    assert.equal(proto.temporal.api.enums.v1.TimeoutType[timeoutType ?? 0], 'TIMEOUT_TYPE_HEARTBEAT', 'the retry came from the heartbeat timeout, not the start-to-close timeout');
    assert.deepEqual(await containersOf(handle.workflowId), [], 'no machine or signing container is left');
  } finally {
    orchestrator.kill('SIGKILL');
    await connection.close();
  }
});

test('SIGKILL while the machines\' agents start: they wait for the orchestrator to come back instead of dying, so no machine is replaced', async () => {
  const name = `crash-enrol-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: one, arch: amd64, os: generic, build: ["mkdir -p out && echo ok > out/r.txt"], artifacts: [out/*] }\n`);
  const env = await orchestratorEnv('crash-enrol');
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  let orchestrator = await startOrchestrator(env);
  try {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: env.TAGSHIP_TASK_QUEUE });
    // The machine exists and its agent is booting: the control plane goes away for 5 s.
    await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/one`, (p) => p.stage === 'enrolling');
    const exited = new Promise((r) => orchestrator.once('exit', r));
    orchestrator.kill('SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 5_000));
    orchestrator = await startOrchestrator(env);

    await resultWithin(client, handle, 300_000);
    const counts = await activityCounts(client, `${handle.workflowId}/target/one`);
    assert.equal(counts.createMachine, 1, 'the first machine\'s agent enrolled once the orchestrator was back: no second machine');
    assert.deepEqual(await containersOf(handle.workflowId), []);
  } finally {
    orchestrator.kill('SIGKILL');
    await connection.close();
  }
});
