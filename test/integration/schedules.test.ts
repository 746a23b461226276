// The schedules on the dev server: applied idempotently, and triggered (schedules do not run on
// the time-skipping server, and nothing here waits for a calendar). The purge deletes only
// what is past retention; its dry run deletes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { withWorker } from '../helpers/temporal.ts';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { applySchedules, SCHEDULE_IDS } from '../../workers/schedules.ts';
import type { PurgeResult } from '../../workflows/purge.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import type { ReaperResult } from '../../workflows/reaper.ts';

async function runScheduled<T>(client: Client, scheduleId: string): Promise<T> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  for (let i = 0; i < 100; i++) {
    const actions = (await handle.describe()).info.recentActions;
    if (actions.length > before) {
      const started = actions.at(-1)!.action;
      return (await client.workflow.getHandle(started.workflow.workflowId, started.workflow.firstExecutionRunId).result()) as T;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${scheduleId} did not start its workflow after trigger()`);
}

test('schedules apply idempotently; the triggered purge honours retention and dry runs; the reaper runs', async () => {
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const store = new FsArtifactStore(join(stateDir, 'artifacts'));
    const put = async (version: string, createdAt: string, retentionDays?: number) => {
      const bytes = Buffer.from(`artifact ${version}`);
      const entry = await store.put({ project: 'p', version, target: 't' }, 'a.bin', Readable.from([bytes]), createHash('sha256').update(bytes).digest('hex'), createdAt, 'm');
      await store.commit({ project: 'p', version, target: 't', artifacts: [entry], ...(retentionDays ? { retentionDays } : {}) }, 'm');
    };
    const dayMs = 86_400_000;
    await put('0.1.0', new Date(Date.now() - 120 * dayMs).toISOString());
    await put('0.2.0', new Date(Date.now() - 5 * dayMs).toISOString());
    // Released while tagship.yml said retention.days 30, and 365.
    await put('0.3.0', new Date(Date.now() - 40 * dayMs).toISOString(), 30);
    await put('0.4.0', new Date(Date.now() - 100 * dayMs).toISOString(), 365);
    // Source tarballs: one no release packed for 5 days, one packed now, and a stranger.
    const sources = join(stateDir, 'sources');
    mkdirSync(sources, { recursive: true });
    const staleSource = join(sources, `${'5'.repeat(64)}.tar`);
    const freshSource = join(sources, `${'f'.repeat(64)}.tar`);
    const stranger = join(sources, 'notes.txt');
    for (const f of [staleSource, freshSource, stranger]) writeFileSync(f, 'tar bytes');
    const fiveDaysAgo = new Date(Date.now() - 5 * dayMs);
    utimesSync(staleSource, fiveDaysAgo, fiveDaysAgo);
    utimesSync(stranger, fiveDaysAgo, fiveDaysAgo);
    // QA records of container apps: one past its retention, one within it.
    const qa = qaRecordsIn(stateDir);
    const qaRecord = (commit: string, expiresAt: string): QaRecord => ({ project: 'app', commit, ref: 'refs/heads/main', startedAt: expiresAt, finishedAt: expiresAt, expiresAt, run: { workflowId: 'w', runId: 'r' }, gates: {} });
    await qa.write(qaRecord('a'.repeat(40), new Date(Date.now() - dayMs).toISOString()));
    await qa.write(qaRecord('b'.repeat(40), new Date(Date.now() + 30 * dayMs).toISOString()));
    const old = store.pathOf({ project: 'p', version: '0.1.0', target: 't' }, 'a.bin');
    const recent = store.pathOf({ project: 'p', version: '0.2.0', target: 't' }, 'a.bin');
    try {
      assert.deepEqual((await applySchedules(client, { taskQueue, purge: { dryRun: true } })).map((r) => r.outcome), ['created', 'created']);
      assert.deepEqual((await applySchedules(client, { taskQueue, purge: { dryRun: true } })).map((r) => r.outcome), ['updated', 'updated'], 'applying again changes nothing but updates');
      const reaperDesc = await client.schedule.getHandle(SCHEDULE_IDS.reaper).describe();
      assert.equal(reaperDesc.spec.intervals?.[0]?.every, 15 * 60 * 1000);

      const dry = await runScheduled<PurgeResult>(client, SCHEDULE_IDS.purge);
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.deleted.map((d) => d.version), ['0.1.0', '0.3.0']);
      assert.deepEqual(dry.sources?.deleted.map((d) => d.sha256[0]), ['5']);
      assert.deepEqual(dry.qa?.deleted.map((d) => d.commit[0]), ['a']);
      assert.ok(existsSync(old) && existsSync(staleSource) && (await qa.read('app', 'a'.repeat(40))), 'a dry run deletes nothing');

      await applySchedules(client, { taskQueue, purge: { defaultDays: 90 } });
      const real = await runScheduled<PurgeResult>(client, SCHEDULE_IDS.purge);
      assert.deepEqual(real.deleted.map((d) => [d.version, d.keepDays]), [['0.1.0', 90], ['0.3.0', 30]]);
      assert.equal(existsSync(old), false, 'past retention: deleted');
      assert.ok(existsSync(recent), 'within retention: kept');
      assert.ok(existsSync(store.pathOf({ project: 'p', version: '0.4.0', target: 't' }, 'a.bin')), 'its project keeps it a year: kept');
      assert.deepEqual([real.sources?.examined, real.sources?.bytes], [2, 9]);
      assert.equal(existsSync(staleSource), false, 'a source no release packed for 5 days: deleted');
      assert.ok(existsSync(freshSource) && existsSync(stranger), 'a fresh source and a file that is not a source: kept');
      assert.deepEqual([real.qa?.examined, real.qa?.deleted.map((d) => d.commit[0])], [2, ['a']]);
      assert.equal(await qa.read('app', 'a'.repeat(40)), null, 'an expired QA record: deleted');
      assert.ok(await qa.read('app', 'b'.repeat(40)), 'a QA record within its retention: kept');

      const reaped = await runScheduled<ReaperResult>(client, SCHEDULE_IDS.reaper);
      assert.equal(reaped.dryRun, false);
      assert.ok(reaped.examined >= 0);
    } finally {
      for (const id of Object.values(SCHEDULE_IDS)) await client.schedule.getHandle(id).delete().catch(() => undefined);
    }
  });
});

test('a worker started with TAGSHIP_SCHEDULES=apply applies the schedules with its retention', async () => {
  const env = await orchestratorEnv('sched', { TAGSHIP_SCHEDULES: 'apply', TAGSHIP_RETENTION_DAYS: '45' });
  const worker = await startOrchestrator(env);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    const purge = await client.schedule.getHandle(SCHEDULE_IDS.purge).describe();
    assert.equal(purge.action.type, 'startWorkflow');
    assert.equal(purge.action.type === 'startWorkflow' && purge.action.taskQueue, env.TAGSHIP_TASK_QUEUE);
    assert.deepEqual(purge.action.type === 'startWorkflow' && purge.action.args, [{ defaultDays: 45 }]);
    assert.equal((await client.schedule.getHandle(SCHEDULE_IDS.reaper).describe()).spec.intervals?.[0]?.every, 15 * 60 * 1000);
    for (const id of Object.values(SCHEDULE_IDS)) await client.schedule.getHandle(id).delete();
  } finally {
    await connection.close();
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
});
