// A machine that dies before its agent polls (issue 22): it used to cost the hello's whole
// 3-minute wait to be picked up before the target moved to a fresh machine. The machine is
// now watched while its agent enrols, and the provider's word that it stopped ends the wait.
// The first machine is killed the moment Docker starts it (long before its agent can enrol).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import proto from '@temporalio/proto';
import { activityCounts, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { MachineLabel } from '../../core/names.ts';
import { startRelease } from '../../client/release.ts';

const { EventType } = proto.temporal.api.enums.v1;

/** Kills the first container Docker starts for this release, as soon as it starts. */
async function killFirstMachine(releaseId: string): Promise<{ killed: Promise<string>; stop: () => void }> {
  const events = (await docker.getEvents({ filters: { type: ['container'], event: ['start'], label: [`${MachineLabel.release}=${releaseId}`, `${MachineLabel.role}=build`] } })) as NodeJS.ReadableStream & { destroy(): void };
  const killed = new Promise<string>((resolve, reject) => {
    events.once('data', (chunk: Buffer) => {
      const { id } = JSON.parse(chunk.toString('utf8').split('\n')[0]!) as { id: string };
      docker.getContainer(id).kill().then(() => resolve(id), reject);
    });
  });
  return { killed, stop: () => events.destroy() };
}

test('a machine killed before its agent enrolls is replaced as soon as it is seen stopped, not after the hello\'s wait', async () => {
  const name = `enrol-lost-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo ok > out/a.txt"], artifacts: [out/*] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    const releaseId = `release:${name}:v1.0.0`;
    const killer = await killFirstMachine(releaseId);
    try {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      assert.equal(handle.workflowId, releaseId);
      const result = await handle.result();
      await killer.killed;
      assert.equal(result.targets[0]!.machineAttempts, 2, 'the target moved to a second machine');
      const child = `${releaseId}/target/t`;
      const counts = await activityCounts(client, child);
      assert.equal(counts.createMachine, 2);
      assert.equal(counts.agentHello, 2);
      // The first machine's loss was the watch's verdict, not the hello timing out.
      const events = (await client.workflow.getHandle(child).fetchHistory()).events ?? [];
      const failures = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED).map((e) => e.activityTaskFailedEventAttributes?.failure?.message ?? '');
      assert.ok(failures.some((m) => /machine tagship-.*-m1 stopped before its agent enrolled/.test(m)), failures.join('\n'));
      assert.equal(events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT).length, 0, 'no hello timed out waiting');
      assert.deepEqual(await containersOf(releaseId), [], 'both machines were deleted');
    } finally {
      killer.stop();
    }
  });
});
