// Deploys of one repository never overlap: a release whose deploy finds another deploy of the
// same repository running waits for it, then deploys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activityCounts, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { generateTestKey, projectKey } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import type { ReleaseProgress } from '../../workflows/types.ts';

test('a deploy waits while another deploy of the same repository runs', async () => {
  const name = `serial-${uniqueSuffix()}`;
  const key = generateTestKey();
  const deb = 'mkdir -p out/r/DEBIAN && printf "Package: s\\nVersion: $TAGSHIP_VERSION\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > out/r/DEBIAN/control && dpkg-deb --build out/r out/s.deb';
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: d, arch: amd64, os: deb, build: [${JSON.stringify(deb)}], artifacts: [out/*.deb] }\nrepositories:\n  deb: { signingKey: { keyFile: ${JSON.stringify(projectKey(name, key.keyFile).ref)} } }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    // Another deploy of this repository "is running": a workflow holding its id, on a queue no
    // worker polls, so it stays open until we end it.
    const blocker = await client.workflow.start('deployRepositoryWorkflow', { workflowId: `repo-deploy:${name}`, taskQueue: `nobody-${uniqueSuffix()}`, args: [{ project: name, staging: '/nonexistent', treeId: 'x' }] });
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    await waitForProgress<ReleaseProgress>(client, handle.workflowId, (p) => p.stage === 'deploying');
    await new Promise((r) => setTimeout(r, 8000));
    assert.equal((await handle.query<ReleaseProgress>('progress')).stage, 'deploying', 'still waiting for the other deploy');
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    const waited = await activityCounts(client, handle.workflowId);
    assert.equal(waited.deployRepository, undefined, 'the release did not deploy meanwhile');

    await blocker.terminate('test: the other deploy ends');
    const result = await handle.result();
    assert.match(result.repositories!.live, /^trees\/1\.0\.0-/);
    const d = await client.workflow.getHandle(`repo-deploy:${name}`).describe();
    assert.equal(d.status.name, 'COMPLETED', 'the release\'s own deploy ran after the other ended');
  });
});
