// The forge pipe (issue 25): a release on the project's forge — here the emulator of GitHub's
// release endpoints in embedded/, driven through Octokit — with notes (the tag's message, the
// commits since the previous release grouped by type) and the release files as assets, byte for
// byte. A lost answer mid-upload and a retried publish upload nothing twice; a token variable of
// another project is refused before anything is sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeRepo, type TestRepo } from '../helpers/git-repos.ts';
import { generateTestKey, projectKey } from '../helpers/gpg.ts';
import { releaseFailure, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { startGitServer, type GitServer } from '../../embedded/git-http.ts';
import { startForgeEmulator, type ForgeEmulator } from '../../embedded/forge-emulator.ts';
import { projectsFrom, type Projects } from '../../providers/projects/file.ts';
import { startRelease } from '../../client/release.ts';

const TOKEN = 'ghp_tagship-test-token-0123456789';
let forge: ForgeEmulator;
let git: GitServer;
let root: string;

before(async () => {
  forge = await startForgeEmulator({ token: TOKEN });
  root = mkdtempSync(join(tmpdir(), 'tagship-forge-git-'));
  git = await startGitServer({ root });
});

after(async () => {
  await forge?.close();
  await git?.close();
});

const build = 'mkdir -p out && echo "hello $TAGSHIP_VERSION" > out/hello && tar --sort=name --mtime=@0 --owner=0 --group=0 -C out -czf out/hello-$TAGSHIP_VERSION.tar.gz hello';

function configOf(project: string, token: string): string {
  return [
    `project: ${project}`,
    'testGate: { command: "true" }',
    'targets:',
    `  - { name: linux, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: ["out/*.tar.gz"] }`,
    `checksums: { signingKey: { keyFile: "${projectKey(project, generateTestKey().keyFile).ref}" } }`,
    `forge: { repository: "acme/${project}", token: "${token}" }`,
    '',
  ].join('\n');
}

function projectRepo(project: string): { repo: TestRepo; projects: Projects } {
  const repo = makeRepo(root, project, { 'tagship.yml': configOf(project, `env:${project.toUpperCase().replace(/-/g, '_')}_GITHUB_TOKEN`), 'README': 'hello\n' });
  process.env[`${project.toUpperCase().replace(/-/g, '_')}_GITHUB_TOKEN`] = TOKEN;
  return { repo, projects: projectsFrom(`projects:\n  ${project}: { repository: "${git.url}/${project}.git" }\n`, 'projects.yml', {}) };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('a release and the next one: notes from the tag and the commits since, every release file as an asset byte for byte', async () => {
  const project = `forge-${uniqueSuffix()}`;
  const { repo, projects } = projectRepo(project);
  const first = repo.git('rev-parse', 'HEAD');
  repo.tag('v1.0.0', { annotated: true });
  repo.commit({ 'a.txt': 'a' }, 'feat(cli): a new flag');
  repo.commit({ 'b.txt': 'b' }, 'fix: no crash on empty input');
  const second = repo.commit({ 'c.txt': 'c' }, 'docs: explain the flag');
  repo.tag('v1.1.0', { annotated: true });
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const r1 = await (await startRelease(client, { project, tag: 'v1.0.0', taskQueue, commit: first })).handle.result();
    assert.deepEqual(Object.keys(r1.published?.forge ?? {}).sort(), ['SHA256SUMS', 'SHA256SUMS.asc', `${project}-1.0.0.intoto.json`, 'hello-1.0.0.tar.gz']);
    const r2 = await (await startRelease(client, { project, tag: 'v1.1.0', taskQueue, commit: second })).handle.result();
    assert.ok(Object.values(r2.published?.forge ?? {}).every((o) => o === 'published'));

    const rel = forge.releases.find((x) => x.repository === `acme/${project}` && x.tag_name === 'v1.1.0')!;
    assert.equal(rel.prerelease, false);
    assert.equal(
      rel.body,
      ['release v1.1.0', '', 'Changes since v1.0.0:', '', '### Features', '', `- **cli:** a new flag (${repo.git('rev-parse', '--short=7', 'HEAD~2')})`, '', '### Fixes', '', `- no crash on empty input (${repo.git('rev-parse', '--short=7', 'HEAD~1')})`, '', '### Other changes', '', `- explain the flag (${second.slice(0, 7)})`, ''].join('\n'),
    );
    // The assets are the files tagship released, byte for byte.
    const served = join(stateDir, 'repo-server', project, 'current', 'releases', '1.1.0');
    for (const name of ['hello-1.1.0.tar.gz', 'SHA256SUMS', 'SHA256SUMS.asc']) {
      const asset = rel.assets.find((a) => a.name === name);
      assert.ok(asset, name);
      assert.equal(sha(asset.bytes), sha(readFileSync(join(served, name))), name);
      assert.equal(asset.digest, `sha256:${sha(asset.bytes)}`);
    }
    const provenance = rel.assets.find((a) => a.name === `${project}-1.1.0.intoto.json`)!;
    assert.equal(sha(provenance.bytes), r2.provenance?.sha256);
  }, { projects, forgeApiUrl: forge.url });
});

test('an upload whose answer is lost, then failing uploads: the retried publish uploads each file once and the release completes', async () => {
  const project = `forge-retry-${uniqueSuffix()}`;
  const { repo, projects } = projectRepo(project);
  const commit = repo.git('rev-parse', 'HEAD');
  repo.tag('v2.0.0-rc.1', { annotated: true });
  forge.faults.loseUploadAnswers = 1; // the first asset is stored, its answer lost
  forge.faults.failUploads = 2; // the next two uploads answer 500, storing nothing
  await withWorker(async ({ client, taskQueue }) => {
    const result = await (await startRelease(client, { project, tag: 'v2.0.0-rc.1', taskQueue, commit })).handle.result();
    const rel = forge.releases.find((x) => x.repository === `acme/${project}`)!;
    assert.equal(rel.prerelease, true, 'a prerelease tag makes a prerelease');
    assert.equal(rel.body, 'release v2.0.0-rc.1\n\nChanges in v2.0.0-rc.1:\n\n### Other changes\n\n' + `- initial (${commit.slice(0, 7)})\n`);
    assert.deepEqual(rel.assets.map((a) => a.name).sort(), Object.keys(result.published?.forge ?? {}).sort());
    assert.equal(rel.assets.length, 4);
    for (const a of rel.assets) assert.equal(rel.assets.filter((b) => b.name === a.name).length, 1, `${a.name} is there once`);
    // The lost answer's file was stored on its first upload and found, not sent, on the retry.
    const stored = [...forge.uploads.entries()].filter(([name]) => name.startsWith(`acme/${project}/`));
    assert.equal(stored.reduce((n, [, c]) => n + c, 0), 4 + 2, 'four files, plus the two uploads that failed');
  }, { projects, forgeApiUrl: forge.url });
});

test('a token variable of another project is refused before anything is built or sent', async () => {
  const project = `forge-steal-${uniqueSuffix()}`;
  const repo = makeRepo(root, project, { 'tagship.yml': configOf(project, 'env:HELLO_VEILID_GITHUB_TOKEN') });
  const commit = repo.git('rev-parse', 'HEAD');
  repo.tag('v1.0.0', { annotated: true });
  const projects = projectsFrom(`projects:\n  ${project}: { repository: "${git.url}/${project}.git" }\n`, 'projects.yml', {});
  const before = forge.releases.length;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project, tag: 'v1.0.0', taskQueue, commit });
    const failure = await releaseFailure(handle.result());
    assert.match(failure.message, /forge\.token: "env:HELLO_VEILID_GITHUB_TOKEN" does not carry the project's prefix FORGE_STEAL_[A-Z0-9_]+, so it could be another project's/);
  }, { projects, forgeApiUrl: forge.url });
  assert.equal(forge.releases.length, before);
});
