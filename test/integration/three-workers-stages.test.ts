// Stateless orchestrators past the builds (issue 26): three worker processes with their own
// state folders on one task queue, sharing the S3 store and the repository bucket. The worker
// that holds the Python publish is SIGKILLed mid-upload and its folder deleted; then the one
// that holds the repository build, the same way. The release completes on the last worker:
// every package published once, the repositories deployed to the bucket, and real apt-get and
// dnf install from it as a static web server would serve it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { orchestratorEnv, sharedHostsEnv, startOrchestrator, type OrchestratorEnv } from '../helpers/orchestrator-process.ts';
import { historySummary } from '../helpers/temporal.ts';
import { containersOf } from '../helpers/projects.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { aptScript, dnfScript, inContainer } from '../helpers/clients.ts';
import { helloVeilidCopy } from '../helpers/example-files.ts';
import { startThrottleProxy } from '../helpers/throttle-proxy.ts';
import { startS3Server } from '../../embedded/s3-server.ts';
import { startRelease } from '../../client/release.ts';
import { registryEnvName } from '../../activities/registries.ts';

/** Waits until `activity` of the workflow has started on a worker, and names that worker's pid. */
async function holderOf(client: Client, workflowId: string, activity: string): Promise<number> {
  for (let i = 0; i < 3000; i++) {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') throw new Error(`${workflowId} ended (${d.status.name}) before ${activity} started`);
    const p = d.raw.pendingActivities?.find((a) => a.activityType?.name === activity && a.lastStartedTime && a.lastWorkerIdentity);
    if (p) return Number(p.lastWorkerIdentity!.split('@')[0]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${activity} of ${workflowId} never started`);
}

test('three workers: the one publishing and then the one building the repositories are SIGKILLed with their folders; the release completes, published once, installable from the bucket', async () => {
  const s3 = await startS3Server({ publicBuckets: ['tagship-repos'] });
  const repoUrl = `${s3.endpoint}/tagship-repos`;
  const key = generateTestKey();
  process.env.HELLO_VEILID_SIGNING_KEY = key.keyFile;
  const hosts = sharedHostsEnv(`stages-${Date.now().toString(36)}`, s3);
  const envs: OrchestratorEnv[] = [];
  const workers = new Map<number, { child: ChildProcess; env: OrchestratorEnv }>();
  let connection: Connection | undefined;
  try {
    await withRegistries(async (registries) => {
      // A slow link to the Python index (300 bytes/s): an upload takes seconds, so the worker
      // holding it is killed in the middle of one.
      const slow = await startThrottleProxy(() => registries.pypi.url, 300);
      const shared = { ...hosts.env, TAGSHIP_REPO_S3_BUCKET: 'tagship-repos', [registryEnvName('local-pypi', 'URL')]: slow.url };
      try {
        for (let i = 0; i < 3; i++) envs.push(await orchestratorEnv('stages', shared));
        for (const env of envs) {
          const child = await startOrchestrator(env);
          workers.set(child.pid!, { child, env });
        }
        connection = await Connection.connect({ address: envs[0]!.TEMPORAL_ADDRESS });
        const client = new Client({ connection });
        const dir = helloVeilidCopy(`${repoUrl}/`);
        const { handle } = await startRelease(client, { project: 'hello-veilid', tag: 'v5.0.0', projectDir: dir, taskQueue: shared.TAGSHIP_TASK_QUEUE, targets: ['amd64-deb', 'amd64-rpm'] });
        const killed: string[] = [];
        const kill = async (activity: string) => {
          const pid = await holderOf(client, handle.workflowId, activity);
          const w = workers.get(pid);
          assert.ok(w, `${activity} runs on one of this test's workers (pid ${pid})`);
          const exited = new Promise((r) => w.child.once('exit', r));
          w.child.kill('SIGKILL');
          await exited;
          rmSync(w.env.TAGSHIP_STATE_DIR, { recursive: true, force: true });
          workers.delete(pid);
          killed.push(`${activity}@${pid}`);
        };
        await kill('publishPython');
        await kill('buildRepositories');
        const result = await handle.result();
        console.log(`three workers, stages: killed ${killed.join(', ')}; the release completed on pid ${[...workers.keys()].join(',')}`);

        // Published once each: the interrupted upload was asked about before it was sent again.
        assert.deepEqual(Object.values(result.published?.python ?? {}).sort(), ['published', 'published']);
        assert.deepEqual(readdirSync(registries.pypi.packagesDir).sort(), ['hello-veilid-5.0.0.tar.gz', 'hello_veilid-5.0.0-py3-none-any.whl']);
        for (const crate of ['hello-core', 'hello-tools']) assert.equal(registries.crates.uploadsOf.get(`${crate}@5.0.0`), 1, `${crate} uploaded once`);
        const { activities } = await historySummary(client, handle.workflowId);
        assert.ok(activities.filter((a) => a === 'buildRepositories').length >= 1);
        assert.deepEqual(await containersOf(handle.workflowId), [], 'no machine left');

        // The repositories are in the bucket, served to anyone: real apt-get and dnf install.
        const keys = mkdtempSync(join(tmpdir(), 'tagship-keys-'));
        writeFileSync(join(keys, 'keyring.gpg'), Buffer.from(await (await fetch(`${repoUrl}/hello-veilid/deb/hello-veilid-archive-keyring.gpg`)).arrayBuffer()));
        const apt = await inContainer(aptScript(`deb [signed-by=/usr/share/keyrings/tagship-test.gpg] ${repoUrl}/hello-veilid/deb stable main`, 'apt-get install -y hello-veilid >/dev/null 2>&1\nhello-veilid --version'), { mounts: { [keys]: '/keys' } });
        assert.equal(apt.code, 0, apt.output);
        assert.match(apt.output, /hello-veilid 5\.0\.0\n/);
        const dnf = await inContainer(dnfScript(`${repoUrl}/hello-veilid/rpm/stable/hello-veilid.repo`, 'hello-veilid-cli'));
        assert.equal(dnf.code, 0, dnf.output);
        assert.match(dnf.output, /hello-veilid-cli 5\.0\.0\n/);
      } finally {
        await slow.close();
      }
    });
  } finally {
    for (const { child } of workers.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await connection?.close();
    await s3.close();
    for (const env of envs) rmSync(env.TAGSHIP_STATE_DIR, { recursive: true, force: true });
    hosts.close();
  }
});
