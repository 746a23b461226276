// Two releases of one project at once (a hotfix and a prerelease) both build their repository
// tree before either deploys. Whichever deploys second must not drop what the first deployed:
// its deploy sees the live tree moved under it and it builds again on that tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { activityCounts, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { generateTestKey, projectKey } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import type { ReleaseProgress } from '../../workflows/types.ts';

/** Every `Version:` line of every Packages index in a repository tree. */
function indexedVersions(tree: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'Packages') out.push(...[...readFileSync(path, 'utf8').matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!));
    }
  };
  walk(tree);
  return [...new Set(out)].sort();
}

test('two releases built on the same live tree: the second deploy builds again and keeps the first one\'s packages', async () => {
  const name = `concurrent-${uniqueSuffix()}`;
  const key = generateTestKey();
  const deb = 'mkdir -p out/r/DEBIAN && printf "Package: s\\nVersion: $TAGSHIP_VERSION\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > out/r/DEBIAN/control && dpkg-deb --build out/r out/s_${TAGSHIP_VERSION}_amd64.deb';
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: d, arch: amd64, os: deb, build: [${JSON.stringify(deb)}], artifacts: [out/*.deb] }\nrepositories:\n  deb: { signingKey: { keyFile: ${JSON.stringify(projectKey(name, key.keyFile).ref)} } }\n`);
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    // Hold the repository's deploy lock (a workflow under its id, on a queue nobody polls) so
    // both releases build their trees on the same (empty) live tree before either deploys.
    const blocker = await client.workflow.start('deployRepositoryWorkflow', { workflowId: `repo-deploy:${name}`, taskQueue: `nobody-${uniqueSuffix()}`, args: [{ project: name, staging: '/nonexistent', treeId: 'x' }] });
    const hotfix = (await startRelease(client, { project: name, tag: 'v1.4.1', projectDir: dir, taskQueue })).handle;
    const rc = (await startRelease(client, { project: name, tag: 'v1.5.0-rc.1', projectDir: dir, taskQueue })).handle;
    for (const h of [hotfix, rc]) await waitForProgress<ReleaseProgress>(client, h.workflowId, (p) => p.stage === 'deploying');
    await blocker.terminate('test: the lock is free');

    const [a, b] = await Promise.all([hotfix.result(), rc.result()]);
    const counts = [await activityCounts(client, hotfix.workflowId), await activityCounts(client, rc.workflowId)];
    // One of them deployed first; the other found the live tree moved and built once more.
    assert.deepEqual(counts.map((c) => c.buildRepositories).sort(), [1, 2], 'exactly one release built its tree again');
    const last = counts[0]!.buildRepositories === 2 ? a : b;
    const live = join(stateDir, 'repo-server', name, last.repositories!.live);
    assert.equal(readlinkSync(join(stateDir, 'repo-server', name, 'current')), last.repositories!.live, 'the rebuilt tree is the live one');
    assert.deepEqual(indexedVersions(join(live, 'deb')), ['1.4.1', '1.5.0-rc.1'], 'the live repository serves both releases');
  });
});
