// Whoever can start a workflow can hand its activities any input. A hostile start — a deploy
// that would serve the state folder, a tree id with "..", a rollback of "..", a reaper told
// that every machine is too old, a purge of everything — fails as InvalidInput, naming the
// field, and changes nothing in the state folder or the repo server's tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activityCounts, releaseFailure, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { digestTree } from '../helpers/files.ts';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AppImageInput, ImageIndexInput } from '../../activities/app-image.ts';
import type { ScanInput } from '../../activities/scan.ts';
import type { IntegrationInput } from '../../activities/integration.ts';
import type { QaRecord } from '../../core/qa/record.ts';

test('hostile workflow starts fail as InvalidInput, naming the field, and change nothing', async () => {
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    // A staged tree of project x, and a symlink in x's staging folder that points at the state folder.
    mkdirSync(join(stateDir, 'repos', 'x', '1.0.0-abc'), { recursive: true });
    writeFileSync(join(stateDir, 'repos', 'x', '1.0.0-abc', 'index.html'), 'x\n');
    symlinkSync(stateDir, join(stateDir, 'repos', 'x', 'evil'));
    const before = digestTree(stateDir, (p) => p.startsWith('control/'));

    const starts: { workflow: string; input: object; field: RegExp; runsActivity: boolean }[] = [
      { workflow: 'deployRepositoryWorkflow', input: { project: 'x', staging: stateDir, treeId: 't1' }, field: /^staging: .* is outside/, runsActivity: true },
      { workflow: 'deployRepositoryWorkflow', input: { project: 'x', staging: join(stateDir, 'repos', 'x', '..', '..'), treeId: 't1' }, field: /^staging: .* is outside/, runsActivity: true },
      { workflow: 'deployRepositoryWorkflow', input: { project: 'x', staging: join(stateDir, 'repos', 'x', 'evil'), treeId: 't1' }, field: /^staging: .* is outside/, runsActivity: true },
      { workflow: 'deployRepositoryWorkflow', input: { project: 'y', staging: join(stateDir, 'repos', 'x', '1.0.0-abc'), treeId: 't1' }, field: /^staging: .* is outside/, runsActivity: true },
      { workflow: 'deployRepositoryWorkflow', input: { project: 'x', staging: join(stateDir, 'repos', 'x', '1.0.0-abc'), treeId: '../../../evil' }, field: /^treeId: /, runsActivity: true },
      { workflow: 'deployRepositoryWorkflow', input: { project: '../x', staging: join(stateDir, 'repos', 'x', '1.0.0-abc'), treeId: 't1' }, field: /^project: /, runsActivity: true },
      { workflow: 'rollbackRepositoryWorkflow', input: { project: '..' }, field: /^project: /, runsActivity: true },
      { workflow: 'reaper', input: { maxLifetimeMinutes: 0 }, field: /^maxLifetimeMinutes: 0 is not allowed/, runsActivity: false },
      { workflow: 'purgeArtifacts', input: { defaultDays: 0 }, field: /^defaultDays: 0 is not allowed/, runsActivity: false },
      { workflow: 'purgeArtifacts', input: { perProject: { x: -1 } }, field: /^perProject\.x: -1 is not allowed/, runsActivity: false },
      { workflow: 'purgeArtifacts', input: { sourceDays: 0.5 }, field: /^sourceDays: 0\.5 is not allowed/, runsActivity: false },
    ];
    for (const s of starts) {
      const workflowId = `hostile-${s.workflow}-${uniqueSuffix()}`;
      const handle = await client.workflow.start(s.workflow, { taskQueue, workflowId, args: [s.input] });
      const failure = await releaseFailure(handle.result());
      assert.equal(failure.type, 'InvalidInput', `${s.workflow} ${JSON.stringify(s.input)}: ${failure.message}`);
      assert.match(failure.message, s.field);
      // Refused at once: not retried; the pure checks run before any activity.
      const counts = await activityCounts(client, workflowId);
      assert.deepEqual(Object.values(counts), s.runsActivity ? [1] : [], `${s.workflow}: ${JSON.stringify(counts)}`);
    }
    assert.deepEqual(digestTree(stateDir, (p) => p.startsWith('control/')), before, 'nothing in the state folder changed');
  });
});

test('a genuine deploy of a staged tree still goes through', async () => {
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const staging = join(stateDir, 'repos', 'ok', '1.0.0-abc');
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'index.html'), 'ok\n');
    const result: unknown = await client.workflow.execute('deployRepositoryWorkflow', { taskQueue, workflowId: `deploy-ok-${uniqueSuffix()}`, args: [{ project: 'ok', staging, treeId: '1.0.0-abc' }] });
    assert.deepEqual(result, { live: 'trees/1.0.0-abc', previous: null });
    assert.deepEqual(Object.keys(digestTree(join(stateDir, 'repo-server', 'ok'))).sort(), ['trees/1.0.0-abc/.tagship-complete', 'trees/1.0.0-abc/index.html']);
  });
});

test('hostile CI inputs — a ref that git would read as an option, a commit that is not one, names with "..", an image by tag where a digest is due — fail as InvalidInput and change nothing', async () => {
  await withWorker(async ({ client, taskQueue, stateDir, orchestrator }) => {
    const before = digestTree(stateDir, (p) => p.startsWith('control/'));
    const a = orchestrator.activities;
    const starts: { input: object; field: RegExp }[] = [
      { input: { project: 'x', commit: 'a'.repeat(40), ref: '--upload-pack=touch /tmp/pwned' }, field: /^ref: / },
      { input: { project: 'x', commit: 'a'.repeat(40), ref: 'refs/heads/../../config' }, field: /^ref: / },
      { input: { project: 'x', commit: 'HEAD~1', ref: 'refs/heads/main' }, field: /^commit: / },
      { input: { project: '../x', commit: 'a'.repeat(40), ref: 'refs/heads/main' }, field: /^project: / },
    ];
    for (const s of starts) {
      const handle = await client.workflow.start('ci', { taskQueue, workflowId: `hostile-ci-${uniqueSuffix()}`, args: [s.input] });
      const failure = await releaseFailure(handle.result());
      assert.equal(failure.type, 'InvalidInput', `${JSON.stringify(s.input)}: ${failure.message}`);
      assert.match(failure.message, s.field);
    }
    const env = new MockActivityEnvironment();
    const image = { project: 'x', commit: 'a'.repeat(40), image: 'x', dockerfile: 'Dockerfile', context: '.', arch: 'amd64', network: false, source: { path: '/etc/passwd', sha256: '0'.repeat(64) }, createdAt: '2026-01-01T00:00:00Z' };
    const scan = { project: 'x', commit: 'a'.repeat(40), arch: 'amd64', repository: '127.0.0.1:5000/x', digest: `sha256:${'0'.repeat(64)}` };
    const calls: [string, () => Promise<unknown>, RegExp][] = [
      ['image name', () => env.run((i: AppImageInput) => a.buildAppImage(i), { ...image, image: '../../etc' }), /^image: /],
      ['image arch', () => env.run((i: AppImageInput) => a.buildAppImage(i), { ...image, arch: 'ppc64' }), /^arch: /],
      ['index commit', () => env.run((i: ImageIndexInput) => a.pushImageIndex(i), { image: 'x', commit: 'main', platforms: [] }), /^commit: /],
      ['scan digest', () => env.run((i: ScanInput) => a.scanImage(i), { ...scan, digest: 'latest' }), /^digest: /],
      ['scan repository', () => env.run((i: ScanInput) => a.scanImage(i), { ...scan, repository: '--config=/etc/shadow' }), /^repository: /],
      ['scan project', () => env.run((i: ScanInput) => a.scanImage(i), { ...scan, project: '../..' }), /^project: /],
      ['integration image', () => env.run((i: IntegrationInput) => a.runIntegration(i), { runId: 'r', appImage: 'evil:latest', services: [], command: 'true', runnerImage: 'x', env: {}, source: image.source }), /^appImage: /],
      ['record project', () => env.run((r: QaRecord) => a.storeQaRecord(r), { project: '../x', commit: 'a'.repeat(40) } as QaRecord), /^record\.project: /],
      ['delete commit', () => env.run((k: { project: string; commit: string }) => a.deleteQaRecord(k), { project: 'x', commit: '../../..' }), /^commit: /],
    ];
    for (const [what, call, field] of calls) {
      const err = await call().then(() => assert.fail(`${what}: accepted`), (e: unknown) => e as { type?: string; message: string });
      assert.equal(err.type, 'InvalidInput', `${what}: ${err.message}`);
      assert.match(err.message, field, what);
    }
    assert.deepEqual(digestTree(stateDir, (p) => p.startsWith('control/')), before, 'nothing in the state folder changed');
  });
});
