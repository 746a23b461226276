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
