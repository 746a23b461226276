// Machines while the gate runs (issue 22): with testGate.provisionDuringGate (the default for
// docker machines) the targets' machines are created while the tests run and builds start when
// they pass; a failing gate deletes them at once and the release says what they cost. Without
// it, no target starts before the gate has passed. Behaviour, not timings: the order of events
// in the histories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { activityCounts, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import type { TargetProgress } from '../../workflows/types.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

const { EventType } = proto.temporal.api.enums.v1;
type Event = proto.temporal.api.history.v1.IHistoryEvent;

function project(name: string, gate: string, provisionDuringGate?: boolean): string {
  const t = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, build: ["mkdir -p out && echo ${n} > out/r.txt"], artifacts: [out/*] }\n`;
  const flag = provisionDuringGate === undefined ? '' : `, provisionDuringGate: ${provisionDuringGate}`;
  return makeProject(`project: ${name}\ntestGate: { command: ${JSON.stringify(gate)}${flag} }\ntargets:\n${t('one')}${t('two')}`);
}

const millis = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round(Number(e.eventTime?.nanos ?? 0) / 1e6);
async function events(client: Client, workflowId: string): Promise<Event[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}
/** When the release's test gate activity completed (or failed). */
async function gateEnded(client: Client, releaseId: string): Promise<number> {
  const all = await events(client, releaseId);
  const scheduled = all.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTestGate')!;
  const ended = all.find((e) => [e.activityTaskCompletedEventAttributes, e.activityTaskFailedEventAttributes].some((a) => a && Number(a.scheduledEventId) === Number(scheduled.eventId)));
  return millis(ended!);
}
/** When the child first asked for an activity by this name. */
async function scheduled(client: Client, childId: string, activity: string): Promise<number | null> {
  const e = (await events(client, childId)).find((x) => x.activityTaskScheduledEventAttributes?.activityType?.name === activity);
  return e ? millis(e) : null;
}

test('machines are made ready while the gate runs; builds start only after it passed', async () => {
  const name = `early-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, 'sleep 4'), taskQueue });
    const result = await handle.result();
    assert.deepEqual(result.targets.map((t) => t.target).sort(), ['one', 'two']);
    const passed = await gateEnded(client, handle.workflowId);
    for (const target of ['one', 'two']) {
      const child = `${handle.workflowId}/target/${target}`;
      const created = await scheduled(client, child, 'createMachine');
      const built = await scheduled(client, child, 'agentBuild');
      assert.ok(created !== null && created < passed, `${target}: its machine was asked for before the gate ended`);
      assert.ok(built !== null && built >= passed, `${target}: its build started after the gate passed`);
      assert.equal((await activityCounts(client, child)).agentBuild, 1);
    }
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('a failing gate deletes the machines made ready meanwhile, builds nothing, and counts their machine-seconds', async () => {
  const name = `early-fail-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, 'sleep 4; echo "2 tests failed"; exit 3'), taskQueue });
    const err = await handle.result().then(() => assert.fail('the release should fail'), (e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'TestGateFailed', 'the gate is the story, not the cancelled targets');
    let created = 0;
    for (const target of ['one', 'two']) {
      const counts = await activityCounts(client, `${handle.workflowId}/target/${target}`);
      assert.equal(counts.agentBuild ?? 0, 0, `${target} built nothing`);
      assert.equal(counts.deleteMachine, counts.createMachine, `${target}: every machine asked for was deleted`);
      created += counts.createMachine ?? 0;
    }
    assert.ok(created >= 1, 'machines were asked for while the gate ran');
    const seconds = (await handle.describe()).searchAttributes.TagshipMachineSeconds?.[0];
    assert.ok(typeof seconds === 'number' && seconds >= 1, `the machine-seconds they cost are recorded (${String(seconds)})`);
    assert.deepEqual(await containersOf(handle.workflowId), [], 'no machine left');
  });
});

test('provisionDuringGate: false — no target starts before the gate passed', async () => {
  const name = `late-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, 'sleep 2', false), taskQueue });
    await handle.result();
    const passed = await gateEnded(client, handle.workflowId);
    for (const target of ['one', 'two']) {
      const [first] = await events(client, `${handle.workflowId}/target/${target}`);
      assert.equal(first?.eventType, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
      assert.ok(millis(first) >= passed, `${target} started after the gate`);
    }
  });
});

test('a release terminated while its gate runs: the machines made ready meanwhile delete themselves (cancelled, not left to the reaper)', async () => {
  const name = `early-term-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, 'sleep 60', true), taskQueue });
    for (const target of ['one', 'two']) await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/${target}`, (p) => p.stage === 'awaiting-gate');
    await handle.terminate('an operator stops it');
    for (const target of ['one', 'two']) {
      const child = client.workflow.getHandle(`${handle.workflowId}/target/${target}`);
      await child.result().then(() => assert.fail(`${target} should not complete`), () => undefined);
      assert.notEqual((await child.describe()).status.name, 'TERMINATED', `${target} was not terminated with its parent`);
      assert.ok((await events(client, child.workflowId)).some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED), `${target} was asked to cancel`);
      const counts = await activityCounts(client, child.workflowId);
      assert.equal(counts.deleteMachine, counts.createMachine, `${target} deleted the machine it made`);
    }
    // The gate's own container goes when its activity learns of the end (its next heartbeat).
    let left = await containersOf(handle.workflowId);
    for (let i = 0; i < 60 && left.length; i++) left = await new Promise((r) => setTimeout(r, 500)).then(() => containersOf(handle.workflowId));
    assert.deepEqual(left, [], 'no machine or container left for the reaper');
  });
});
