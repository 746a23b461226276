// A nightly builds the head of a branch — not a tag — as the next patch's nightly prerelease,
// deploys it to the nightly suites (deb and rpm) and publishes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withWorker, historySummary } from '../helpers/temporal.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { makeRepo } from '../helpers/git-repos.ts';
import { exampleFiles } from '../helpers/example-files.ts';
import { startGitServer } from '../../embedded/git-http.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import { startNightly } from '../../client/release.ts';
import type { nightly } from '../../workflows/nightly.ts';

test('a nightly of main: the head, versioned after the highest stable tag, in the nightly suites, published nowhere', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tagship-nightly-'));
  const files = exampleFiles('hello-veilid');
  // Two targets keep it short: the deb one also builds the crates and the Python dists.
  files['tagship.yml'] = files['tagship.yml']!.replace(/\n {2}- name: arm64-deb[\s\S]*?(?=\n {2}- name: amd64-rpm)/, '').replace(/\n {2}- name: arm64-rpm[\s\S]*?(?=\n# Published once)/, '').replace(/\n {2}- name: amd64-tarball[\s\S]*?(?=\n# Published once)/, '');
  const repo = makeRepo(root, 'hello-veilid', files);
  chmodSync(join(repo.work, 'tests', 'run.sh'), 0o755);
  repo.commit({}, 'tests/run.sh is executable');
  repo.tag('v1.4.0', { annotated: true });
  repo.tag('v1.5.0-rc.1', { annotated: true });
  const head = repo.commit({ 'NEWS': 'after 1.4.0\n' }, 'work after the release');
  const git = await startGitServer({ root });
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  try {
    const projects = projectsFrom(`projects:\n  hello-veilid: { repository: "${git.url}/hello-veilid.git" }\n`, 'projects.yml', {});
    await withWorker(async ({ client, taskQueue, stateDir }) => {
      const { handle, version, commit } = await startNightly(client, { project: 'hello-veilid', branch: 'main', taskQueue, repository: `${git.url}/hello-veilid.git` });
      assert.equal(commit, head);
      assert.match(version, new RegExp(`^1\\.4\\.1-nightly\\.\\d{14}\\.g${head.slice(0, 7)}$`), 'after 1.4.0, the highest stable tag');
      const r = await handle.result();
      assert.equal(r.channel, 'nightly');
      assert.equal(r.source?.commit, head);
      assert.deepEqual([r.repositories?.debSuite, r.repositories?.rpmSuite], ['nightly', 'nightly']);
      assert.equal(r.published, undefined, 'no crate, no Python package');
      const { activities } = await historySummary(client, handle.workflowId);
      assert.ok(!activities.some((a) => a.startsWith('publish')), activities.join(', '));
      const live = join(stateDir, 'repo-server', 'hello-veilid', 'current');
      assert.ok(existsSync(join(live, 'deb', 'dists', 'nightly', 'InRelease')));
      assert.ok(!existsSync(join(live, 'deb', 'dists', 'stable')), 'nothing reached the stable suite');
      const dists = r.targets.flatMap((t) => t.manifest.artifacts.map((a) => a.name));
      assert.ok(dists.some((n) => /^hello_veilid-1\.4\.1\.dev\d{14}-py3-none-any\.whl$/.test(n)), `the Python dists are PEP 440 dev releases: ${dists.join(', ')}`);

      // What the schedule starts: the nightly workflow finds the head and starts its release.
      const later = repo.commit({ 'NEWS': 'a day later\n' }, 'more work');
      await new Promise((res) => setTimeout(res, 1100)); // another second: another nightly version
      const scheduled = await client.workflow.execute<typeof nightly>('nightly', { taskQueue, workflowId: `tagship-nightly-test-${later.slice(0, 7)}`, args: [{ project: 'hello-veilid', branch: 'main' }] });
      const { workflowId, version: v2, commit: c2 } = scheduled;
      assert.equal(c2, later);
      const second = await client.workflow.getHandle(workflowId).result() as { version: string; channel: string };
      assert.deepEqual([second.version, second.channel], [v2, 'nightly']);
    }, { projects });
  } finally {
    delete process.env.HELLO_VEILID_SIGNING_KEY;
    await git.close();
  }
});
