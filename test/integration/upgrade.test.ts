// Running releases survive an upgrade of the worker: a release is started on a worker whose
// workflows are those of an earlier landed commit (UPGRADES_FROM, bundled from git), which is
// stopped while the targets build; a worker with today's workflows takes over the same task
// queue, state folder and gateway port, replays what the old code did, and finishes the
// release. Replay tests check recorded histories; this checks a history made by the old code
// in this very run, mid-flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { REPO_ROOT, WORKFLOWS_PATH } from '../../providers/paths.ts';
import { freePort } from '../../providers/net/ports.ts';
import { createOrchestratorWorker } from '../../workers/orchestrator.ts';
import { connectClient } from '../../providers/temporal/connect.ts';
import { startRelease } from '../../client/release.ts';
import { activityCounts, temporalAddress, uniqueSuffix, waitForProgress } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import type { TargetProgress } from '../../workflows/types.ts';

/** Commits whose workflows running releases may have started on: the last that landed before
 *  this wave's changes, and the last before the release became one pipeline of pipes. */
const UPGRADES_FROM = ['a1edb27', '2fa2f6f'];

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

async function oldBundle(UPGRADE_FROM: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-old-'));
  // The commit's own files, beside today's packages.
  execFileSync('sh', ['-c', `git archive ${UPGRADE_FROM} workflows core activities ports providers | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return (await bundleWorkflowCode({ workflowsPath: join(dir, 'workflows', 'index.ts'), logger: quiet })).code;
}

/** Whether this clone has the commit (a shallow clone may not). */
function haveOldCommit(UPGRADE_FROM: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', `${UPGRADE_FROM}^{commit}`], { cwd: REPO_ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const UPGRADE_FROM of UPGRADES_FROM) test(`a release started on the workflows of ${UPGRADE_FROM} completes on today's`, { skip: haveOldCommit(UPGRADE_FROM) ? false : `${UPGRADE_FROM} is not in this clone (shallow?); fetch it to run this test` }, async () => {
  const name = `upgrade-${uniqueSuffix()}`;
  // Each target leaves a tarball too: today's pipeline (not the old one) signs checksums over
  // them and deploys them after the upgrade.
  const build = 'sleep 6; mkdir -p out && echo "$TAGSHIP_TARGET" > out/$TAGSHIP_TARGET.txt && tar -czf out/$TAGSHIP_TARGET.tar.gz out/$TAGSHIP_TARGET.txt';
  const t = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${t('one')}${t('two')}`);
  const shared = {
    taskQueue: `upgrade-${uniqueSuffix()}`,
    stateDir: mkdtempSync(join(tmpdir(), 'tagship-upgrade-')),
    temporalAddress: temporalAddress(),
    gatewayPort: await freePort(),
    agentToken: randomBytes(16).toString('hex'),
  };
  const { client, close } = await connectClient({ temporalAddress: shared.temporalAddress, namespace: 'default' });
  const connection = await NativeConnection.connect({ address: shared.temporalAddress });
  try {
    const old = await oldBundle(UPGRADE_FROM);
    const before = await createOrchestratorWorker({ ...shared, connection, client, workflowBundle: { code: old } });
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: shared.taskQueue });
    await before.runUntil(async () => {
      for (const target of ['one', 'two']) await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/${target}`, (p) => p.stage === 'building');
    });

    const bundle = process.env.TAGSHIP_WORKFLOW_BUNDLE;
    const today = bundle ? readFileSync(bundle, 'utf8') : (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })).code;
    assert.notEqual(today, old, 'the workflows changed since the old commit (or there is nothing to test)');
    const after = await createOrchestratorWorker({ ...shared, connection, client, workflowBundle: { code: today } });
    // Code that cannot replay the old history fails its workflow task again and again rather
    // than the workflow: bound the wait, and say so.
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the release did not complete within 3 minutes of the upgrade: today\'s workflows probably cannot replay what the old ones did (see the worker\'s workflow task failures)')), 180_000).unref());
    const result = await after.runUntil(Promise.race([handle.result(), bound]));
    assert.deepEqual(result.targets.map((x) => x.target).sort(), ['one', 'two']);
    // The builds finished after the upgrade, so the new pipes ran (and are in the history now).
    assert.equal(result.checksums?.files, 4, 'SHA256SUMS over both targets\' two files');
    for (const target of ['one', 'two']) {
      const counts = await activityCounts(client, `${handle.workflowId}/target/${target}`);
      assert.equal(counts.createMachine, 1, `${target} kept its machine across the upgrade`);
      assert.equal(counts.agentBuild, 1, `${target} was built once`);
    }
    assert.deepEqual(await containersOf(handle.workflowId), [], 'every machine was deleted');
  } finally {
    // A failed run leaves its release waiting on a worker that is gone: end it, and its machines.
    const id = `release:${name}:v1.0.0`;
    const open = await client.workflow.getHandle(id).describe().then((d) => d.status.name === 'RUNNING', () => false);
    if (open) await client.workflow.getHandle(id).terminate('upgrade test ended');
    for (const c of await containersOf(id)) await docker.getContainer(c.replace(/^\//, '')).remove({ force: true }).catch(() => undefined);
    await close();
    await connection.close();
  }
});
