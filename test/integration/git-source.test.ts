// A release is the tagged commit: tags fetched from a real git server (git http-backend on
// loopback), hooks over real HTTP, releases on a real Temporal server with Docker machines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { makeRepo, type TestRepo } from '../helpers/git-repos.ts';
import { startGitServer, type GitServer } from '../../embedded/git-http.ts';
import { generateTestKey, publicKeyring } from '../helpers/gpg.ts';
import { historySummary, historyText, releaseFailure, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf } from '../helpers/projects.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import { GitMirrors, lsRemoteTag } from '../../providers/git/mirror.ts';
import { startHookServer } from '../../client/hooks/server.ts';
import { startRelease } from '../../client/release.ts';
import { SA } from '../../core/search-attributes.ts';
import type { Orchestrator } from '../../workers/deps.ts';
import type { ReleaseResult } from '../../workflows/types.ts';
import type { LoadProjectInput, LoadProjectResult } from '../../activities/source.ts';

/** A project whose one target lists the files of its source: what the build saw. */
function tagshipYml(project: string, gate = 'test -f tagship.yml'): string {
  return [
    `project: ${project}`,
    `testGate: { command: ${JSON.stringify(gate)} }`,
    'targets:',
    '  - name: t',
    '    arch: amd64',
    '    os: generic',
    '    build: ["mkdir -p out && find . -path ./out -prune -o -type f -print | sort > out/files.txt && printf %s \\"$SOURCE_DATE_EPOCH\\" > out/epoch.txt"]',
    '    artifacts: [out/files.txt, out/epoch.txt]',
    '',
  ].join('\n');
}

function publicKeyOf(keyFile: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'tagship-pub-')), 'allowed.gpg');
  publicKeyring(keyFile, out);
  return out;
}

interface Setup {
  project: string;
  repo: TestRepo;
  server: GitServer;
  url: string;
}

async function serve(files: (project: string) => Record<string, string>, auth?: { username: string; password: string }, delayMs?: number): Promise<Setup> {
  const project = `git-${uniqueSuffix()}`;
  const root = mkdtempSync(join(tmpdir(), 'tagship-git-root-'));
  const repo = makeRepo(root, project, files(project));
  const server = await startGitServer({ root, ...(auth ? { auth } : {}), ...(delayMs ? { delayMs } : {}) });
  return { project, repo, server, url: `${server.url}/${project}.git` };
}

function gitlabHook(url: string, secret: string, tag: string, commit: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': secret },
    body: JSON.stringify({ object_kind: 'tag_push', ref: `refs/tags/${tag}`, before: '0'.repeat(40), after: commit, checkout_sha: commit }),
  });
}

function failureOf(client: Client, workflowId: string) {
  return releaseFailure(client.workflow.getHandle(workflowId).result());
}

/** The source activity alone, in a real activity context (no workflow around it). */
function loadDirect(orchestrator: Orchestrator, input: LoadProjectInput): Promise<LoadProjectResult> {
  return new MockActivityEnvironment().run((i: LoadProjectInput) => orchestrator.activities.loadProject(i), input);
}

test('a hook for a signed tag releases exactly the tagged commit; the same commit packs the same bytes', async () => {
  const key = generateTestKey('tagship release key <release@example.invalid>');
  const s = await serve((p) => ({ 'tagship.yml': tagshipYml(p), 'src/main.c': 'int main(void) { return 0; }\n', '.gitignore': 'ignored.txt\n' }));
  const secret = `hook-${randomBytes(8).toString('hex')}`;
  const tagged = s.repo.git('rev-parse', 'HEAD');
  s.repo.tag('v1.0.0', { signWith: key });
  // After the tag: a commit on main, an untracked file and an ignored one in the clone.
  const later = s.repo.commit({ 'late.txt': 'not in v1.0.0\n' }, 'after the tag');
  writeFileSync(join(s.repo.work, 'untracked.txt'), 'never committed\n');
  writeFileSync(join(s.repo.work, 'ignored.txt'), 'ignored\n');

  const projects = projectsFrom(
    `projects:\n  ${s.project}:\n    repository: ${s.url}\n    secretEnv: HOOK_SECRET\n    requireSignedTags: { publicKeys: [${publicKeyOf(key.keyFile)}] }\n`,
    'projects.yml',
    { HOOK_SECRET: secret },
    { secret: true },
  );
  await withWorker(
    async ({ client, taskQueue, stateDir, orchestrator }) => {
      const hooks = await startHookServer({
        projects: { [s.project]: { secret: projects.secretOf(s.project)! } },
        resolveTag: (p, tag) => lsRemoteTag(projects.get(p)!.repository, tag),
        startRelease: async (p, tag, commit) => {
          const { handle, existing } = await startRelease(client, { project: p, tag, taskQueue, ...(commit ? { commit } : {}) });
          return { workflowId: handle.workflowId, existing };
        },
      });
      try {
        const res = await gitlabHook(`${hooks.url}/hooks/gitlab/${s.project}`, secret, 'v1.0.0', tagged);
        assert.equal(res.status, 201, await res.clone().text());
        const { workflowId, commit } = (await res.json()) as { workflowId: string; commit: string };
        assert.equal(commit, tagged);
        const handle = client.workflow.getHandle(workflowId);
        const result = (await handle.result()) as ReleaseResult;

        assert.equal(result.source?.commit, tagged, 'the release names the tagged commit');
        assert.notEqual(result.source?.commit, later);
        assert.equal(result.source?.reproducible, true);
        assert.equal(result.source?.repository, s.url);
        assert.equal(result.source?.signedBy, key.fingerprint);
        const files = readFileSync(join(stateDir, 'artifacts', s.project, '1.0.0', 't', 'files.txt'), 'utf8').trim().split('\n');
        assert.deepEqual(files, ['./.gitignore', './src/main.c', './tagship.yml'], 'exactly the tagged tree: no later commit, no untracked or ignored file, no .git');
        // Builds see the tagged commit's time as SOURCE_DATE_EPOCH (reproducible builds).
        const committed = execFileSync('git', ['show', '-s', '--format=%ct', tagged], { cwd: s.repo.work, encoding: 'utf8' }).trim();
        assert.equal(readFileSync(join(stateDir, 'artifacts', s.project, '1.0.0', 't', 'epoch.txt'), 'utf8'), committed);
        const manifest = JSON.parse(readFileSync(join(stateDir, 'artifacts', s.project, '1.0.0', 't', 'manifest.json'), 'utf8')) as { commit?: string };
        assert.equal(manifest.commit, tagged, 'the manifest records the commit');

        const d = await handle.describe();
        assert.equal(d.memo?.commit, tagged);
        assert.equal(d.memo?.reproducible, true);
        assert.equal(d.typedSearchAttributes.get(SA.commit), tagged);
        let found: string[] = [];
        for (let i = 0; i < 20 && !found.length; i++) {
          found = [];
          for await (const w of client.workflow.list({ query: `TagshipCommit = '${tagged}'` })) found.push(w.workflowId);
          if (!found.length) await new Promise((r) => setTimeout(r, 250));
        }
        assert.deepEqual(found, [workflowId], 'found by its commit, as in the Web UI');

        // The same commit under another tag packs the same bytes; the later commit does not.
        s.repo.tag('v1.0.1', { at: tagged, signWith: key });
        s.repo.tag('v1.1.0', { at: later, signWith: key });
        const again = await loadDirect(orchestrator, { project: s.project, tag: 'v1.0.1' });
        assert.equal(again.commit, tagged);
        assert.equal(again.source.sha256, result.source?.sha256, 'same commit, same source sha256');
        const other = await loadDirect(orchestrator, { project: s.project, tag: 'v1.1.0' });
        assert.notEqual(other.source.sha256, result.source?.sha256);

        // A hook naming a commit the tag never pointed at starts nothing.
        const bogus = randomBytes(20).toString('hex');
        const refused = await gitlabHook(`${hooks.url}/hooks/gitlab/${s.project}`, secret, 'v1.1.0', bogus);
        assert.equal(refused.status, 409);
        assert.match(((await refused.json()) as { error: string }).error, new RegExp(`names commit ${bogus}, but tag v1\\.1\\.0 points at ${later}; nothing was started`));
        await assert.rejects(client.workflow.getHandle(`release:${s.project}:v1.1.0`).describe(), WorkflowNotFoundError);

        // A GitHub release event names only the tag: the hook server resolves it.
        const body = JSON.stringify({ action: 'published', release: { tag_name: 'v1.1.0' } });
        const viaRelease = await fetch(`${hooks.url}/hooks/github/${s.project}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': 'release', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
          body,
        });
        assert.equal(viaRelease.status, 201);
        assert.equal(((await viaRelease.json()) as { commit: string }).commit, later);
        const second = (await client.workflow.getHandle(`release:${s.project}:v1.1.0`).result()) as ReleaseResult;
        assert.equal(second.source?.commit, later);
      } finally {
        await hooks.close();
      }
    },
    { projects },
  );
  await s.server.close();
});

test('a tag moved after the hook fails the release before the gate, naming both commits; nothing is provisioned', async () => {
  const s = await serve((p) => ({ 'tagship.yml': tagshipYml(p), 'a.txt': 'one\n' }));
  const first = s.repo.git('rev-parse', 'HEAD');
  s.repo.tag('v2.0.0', { annotated: true });
  const second = s.repo.commit({ 'a.txt': 'two\n' });
  const projects = projectsFrom(`projects:\n  ${s.project}: { repository: "${s.url}", secretEnv: HOOK_SECRET }\n`, 'projects.yml', { HOOK_SECRET: 'x'.repeat(16) }, { secret: true });
  await withWorker(
    async ({ client, taskQueue }) => {
      const hooks = await startHookServer({
        projects: { [s.project]: { secret: 'x'.repeat(16) } },
        // The race, made certain: the tag is force-pushed to another commit right after the
        // hook server checked it, before the worker fetches it.
        resolveTag: async (p, tag) => {
          const now = await lsRemoteTag(projects.get(p)!.repository, tag);
          s.repo.tag('v2.0.0', { at: second, annotated: true });
          return now;
        },
        startRelease: async (p, tag, commit) => {
          const { handle, existing } = await startRelease(client, { project: p, tag, taskQueue, ...(commit ? { commit } : {}) });
          return { workflowId: handle.workflowId, existing };
        },
      });
      try {
        const res = await gitlabHook(`${hooks.url}/hooks/gitlab/${s.project}`, 'x'.repeat(16), 'v2.0.0', first);
        assert.equal(res.status, 201);
        const { workflowId } = (await res.json()) as { workflowId: string };
        const failure = await failureOf(client, workflowId);
        assert.equal(failure.type, 'TagMoved');
        assert.match(failure.message, new RegExp(`tag v2\\.0\\.0 now points at commit ${second}, but the release was started for commit ${first}`));
        const { activities } = await historySummary(client, workflowId);
        assert.deepEqual(activities, ['loadProject'], 'failed in its first step: no gate, no machine');
        assert.deepEqual(await containersOf(workflowId), []);
      } finally {
        await hooks.close();
      }
    },
    { projects },
  );
  await s.server.close();
});

test('signed tags required: an unsigned tag and one signed by an unknown key are refused before the gate', async () => {
  const allowed = generateTestKey('allowed <allowed@example.invalid>');
  const stranger = generateTestKey('stranger <stranger@example.invalid>');
  const s = await serve((p) => ({ 'tagship.yml': tagshipYml(p) }));
  s.repo.tag('v3.0.0', { annotated: true });
  s.repo.tag('v3.0.1', { signWith: stranger });
  s.repo.tag('v3.0.2');
  const projects = projectsFrom(`projects:\n  ${s.project}:\n    repository: ${s.url}\n    requireSignedTags: { publicKeys: [${publicKeyOf(allowed.keyFile)}] }\n`, 'projects.yml', {});
  await withWorker(
    async ({ client, taskQueue }) => {
      const cases: [string, RegExp][] = [
        ['v3.0.0', /tag v3\.0\.0 is not signed/],
        ['v3.0.1', new RegExp(`tag v3\\.0\\.1 is signed by key [0-9A-F]*${stranger.fingerprint.slice(-16)}, which is not an allowed key`)],
        ['v3.0.2', /tag v3\.0\.2 is a lightweight tag, which carries no signature/],
      ];
      for (const [tag, reason] of cases) {
        const { handle } = await startRelease(client, { project: s.project, tag, taskQueue });
        const failure = await failureOf(client, handle.workflowId);
        assert.equal(failure.type, 'TagSignatureInvalid', `${tag}: ${failure.message}`);
        assert.match(failure.message, reason);
        assert.deepEqual((await historySummary(client, handle.workflowId)).activities, ['loadProject'], `${tag}: nothing after the check`);
      }
    },
    { projects },
  );
  await s.server.close();
});

/** Every command line git and its children run while `fn` runs, two ways: /proc/<pid>/cmdline
 *  sampled every few milliseconds (what another user of the machine could read), and — exact,
 *  catching processes too short-lived for sampling, such as credential helpers — each execve
 *  traced by strace through a `git` placed first on PATH. */
async function commandLinesDuring<T>(fn: () => Promise<T>): Promise<{ result: T; sampled: string[]; traced: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-trace-'));
  const shim = join(dir, 'git');
  writeFileSync(shim, `#!/bin/sh\nexec strace -f -qq -e trace=execve -s 4096 -o ${dir}/trace.$$ /usr/bin/git "$@"\n`, { mode: 0o755 });
  const sampled = new Set<string>();
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        sampled.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        // gone already
      }
    }
  }, 5);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  try {
    const result = await fn();
    const traced = readdirSync(dir).filter((f) => f.startsWith('trace.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.includes('execve(')));
    return { result, sampled: [...sampled], traced };
  } finally {
    process.env.PATH = path;
    clearInterval(timer);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('a private repository is fetched with a token that appears in no history, file or argument list', async () => {
  const token = `glpat-${randomBytes(16).toString('hex')}`;
  // A slow server keeps git's processes alive long enough to be seen in /proc.
  const s = await serve((p) => ({ 'tagship.yml': tagshipYml(p, 'echo gate ran; exit 3') }), { username: 'tagship-bot', password: token }, 150);
  s.repo.tag('v4.0.0');
  const projects = projectsFrom(
    `projects:\n  ${s.project}:\n    repository: ${s.url}\n    credentials: { username: tagship-bot, tokenEnv: PRIVATE_GIT_TOKEN }\n`,
    'projects.yml',
    { PRIVATE_GIT_TOKEN: token },
    { credentials: true },
  );
  await withWorker(
    async ({ client, taskQueue, stateDir }) => {
      const { result: handle, sampled, traced } = await commandLinesDuring(async () => {
        const { handle } = await startRelease(client, { project: s.project, tag: 'v4.0.0', taskQueue });
        await handle.result().catch(() => undefined);
        return handle;
      });
      const failure = await failureOf(client, handle.workflowId);
      // It got as far as the gate: the fetch with the token worked.
      assert.equal(failure.type, 'TestGateFailed', failure.message);
      assert.ok(s.server.requests.some((r) => r.user === 'tagship-bot' && r.status === 200), 'the server saw the token');
      assert.ok(traced.some((l) => l.includes('git-remote-http') && l.includes(s.url)), `the fetch was traced (${traced.length} execs)`);
      assert.ok(traced.some((l) => l.includes('username=%s')), 'the credential helper ran and was traced');
      assert.deepEqual(traced.filter((l) => l.includes(token)), [], 'no traced argument list holds the token');
      assert.ok(sampled.some((l) => l.includes(s.url)), `git was seen in /proc (${sampled.length} command lines sampled)`);
      assert.deepEqual(sampled.filter((l) => l.includes(token)), [], 'no /proc/<pid>/cmdline holds the token');
      assert.ok(!(await historyText(client, handle.workflowId)).includes(token), 'no history payload holds the token');
      const leaking = filesUnder(stateDir).filter((f) => statSync(f).size < 50 << 20 && readFileSync(f).includes(token));
      assert.deepEqual(leaking, [], 'no file in the state folder (mirror config, logs) holds the token');
    },
    { projects },
  );
  await s.server.close();
});

test('fetches of one project run at once into one mirror, each getting its own answer', async () => {
  const s = await serve((p) => ({ 'tagship.yml': tagshipYml(p) }));
  const commits: Record<string, string> = {};
  for (let i = 0; i < 4; i++) {
    commits[`v6.0.${i}`] = s.repo.commit({ 'n.txt': `${i}\n` });
    s.repo.tag(`v6.0.${i}`, { annotated: i % 2 === 0 });
  }
  // A fresh mirror: the first fetches also race to create it.
  const mirrors = new GitMirrors(mkdtempSync(join(tmpdir(), 'tagship-mirrors-')));
  const tags = [...Object.keys(commits), ...Object.keys(commits)];
  const got = await Promise.all(tags.map((tag) => mirrors.fetchTag(s.project, s.url, tag)));
  assert.deepEqual(got.map((r) => r.commit), tags.map((t) => commits[t]));
  assert.deepEqual(got.map((r) => r.tagObject !== undefined), tags.map((t) => Number(t.split('.')[2]) % 2 === 0), 'annotated tags keep their tag object');
  await s.server.close();
});

test('a tagship.yml too large to be a config is refused without being read whole', async () => {
  const s = await serve((p) => ({ 'tagship.yml': `${tagshipYml(p)}# ${'x'.repeat(2 << 20)}\n` }));
  s.repo.tag('v7.0.0');
  const projects = projectsFrom(`projects:\n  ${s.project}: { repository: "${s.url}" }\n`, 'projects.yml', {});
  await withWorker(
    async ({ orchestrator }) => {
      await assert.rejects(loadDirect(orchestrator, { project: s.project, tag: 'v7.0.0' }), (err: Error & { type?: string }) => {
        assert.equal(err.type, 'ConfigInvalid');
        assert.match(err.message, /tagship\.yml at [0-9a-f]{12} \(tag v7\.0\.0\): tagship\.yml is \d+ bytes; at most 1048576 are read/);
        return true;
      });
    },
    { projects },
  );
  await s.server.close();
});
