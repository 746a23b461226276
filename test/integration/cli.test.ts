// The tagship command line, run in-process against a real Temporal server and worker: what it
// prints and the exit codes scripts rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { runCli, Exit } from '../../client/cli.ts';
import type { TargetProgress } from '../../workflows/types.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { WorkflowNotFoundError } from '@temporalio/client';
import { makeRepo } from '../helpers/git-repos.ts';
import { startGitServer } from '../../embedded/git-http.ts';
import { projectsFrom } from '../../providers/projects/file.ts';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('release start, status, list, cancel: output and exit codes', async () => {
  const project = `cli-${uniqueSuffix()}`;
  const slow = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["sleep 120"], artifacts: [x] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    process.env.TAGSHIP_TASK_QUEUE = taskQueue;
    try {
      const bad = await cli('release', 'start', 'v1.0', '--from-dir', slow);
      assert.equal(bad.code, Exit.badInput);
      assert.match(bad.err, /tag: "v1\.0" was rejected/);
      assert.equal((await cli('release', 'status', 'v9.9.9', '--project', project)).code, Exit.notFound);

      const started = await cli('release', 'start', 'v1.0.0', '--from-dir', slow);
      assert.equal(started.code, Exit.ok, started.err);
      assert.equal(started.out, `started release:${project}:v1.0.0 from the working tree ${slow} (UNREPRODUCIBLE)`);
      assert.match((await cli('release', 'start', 'v1.0.0', '--from-dir', slow)).out, new RegExp(`^found release:${project}:v1\\.0\\.0 `));

      await waitForProgress<TargetProgress>(client, `release:${project}:v1.0.0/target/t`, (p) => p.stage === 'building');
      const running = await cli('release', 'status', 'v1.0.0', '--from-dir', slow);
      assert.equal(running.code, Exit.running);
      assert.match(running.out, /running, stage building; t building/);
      const busy = await cli('release', 'retry', 'v1.0.0', '--from-dir', slow);
      assert.equal(busy.code, Exit.running);
      assert.match(busy.err, /still running; nothing to retry/);
      assert.equal((await cli('release', 'retry', 'v9.9.9', '--from-dir', slow)).code, Exit.notFound);

      let listed = '';
      for (let i = 0; i < 20 && !listed.includes(project); i++) {
        listed = (await cli('release', 'list', '--project', project, '--status', 'running')).out;
        if (!listed.includes(project)) await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(listed, new RegExp(`release:${project}:v1\\.0\\.0\\trunning\\tbuilding`));
      assert.equal((await cli('release', 'list', '--status', 'sideways')).code, Exit.badInput);

      assert.equal((await cli('release', 'cancel', 'v1.0.0', '--project', project)).code, Exit.ok);
      await client.workflow.getHandle(`release:${project}:v1.0.0`).result().catch(() => undefined);
      const after = await cli('release', 'status', 'v1.0.0', '--project', project);
      assert.equal(after.code, Exit.failed);
      assert.match(after.out, /canceled/);
      assert.equal((await cli('release', 'cancel', 'v1.0.0', '--project', project)).code, Exit.failed, 'nothing to cancel');

      const retried = await cli('release', 'retry', 'v1.0.0', '--from-dir', slow);
      assert.equal(retried.code, Exit.ok, retried.err);
      assert.match(retried.out, new RegExp(`^retrying release:${project}:v1\\.0\\.0 after its cancelled run [0-9a-f-]{36}$`));
      await waitForProgress<TargetProgress>(client, `release:${project}:v1.0.0/target/t`, (p) => p.stage === 'building');
      assert.equal((await cli('release', 'cancel', 'v1.0.0', '--project', project)).code, Exit.ok);
      await client.workflow.getHandle(`release:${project}:v1.0.0`).result().catch(() => undefined);
    } finally {
      delete process.env.TAGSHIP_TASK_QUEUE;
    }
  });
});

test('a failed release: watch and status print where it broke and the command\'s last output', async () => {
  const project = `clifail-${uniqueSuffix()}`;
  const broken = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["echo compiling; echo 'error: missing semicolon at lib.c:42' >&2; exit 3"], artifacts: [out/x] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    process.env.TAGSHIP_TASK_QUEUE = taskQueue;
    try {
      assert.equal((await cli('release', 'start', 'v2.0.1', '--from-dir', broken)).code, Exit.ok);
      await client.workflow.getHandle(`release:${project}:v2.0.1`).result().catch(() => undefined);
      for (const command of ['watch', 'status']) {
        const r = await cli('release', command, 'v2.0.1', '--project', project);
        assert.equal(r.code, Exit.failed, command);
        assert.match(r.out, /target t \(building\)[^\n]*exited with code 3/, command);
        assert.match(r.out, /\n {4}error: missing semicolon at lib\.c:42/, `${command} prints the output tail`);
      }
    } finally {
      delete process.env.TAGSHIP_TASK_QUEUE;
    }
  });
});

test('a completed release reports status 0', async () => {
  const project = `clidone-${uniqueSuffix()}`;
  const quick = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    process.env.TAGSHIP_TASK_QUEUE = taskQueue;
    try {
      assert.equal((await cli('release', 'start', 'v2.0.0', '--from-dir', quick)).code, Exit.ok);
      await client.workflow.getHandle(`release:${project}:v2.0.0`).result();
      const done = await cli('release', 'status', 'v2.0.0', '--project', project);
      assert.equal(done.code, Exit.ok);
      const lines = done.out.split('\n');
      assert.match(lines[0]!, new RegExp(`^release:${project}:v2\\.0\\.0: completed in \\d+ s$`));
      assert.match(done.out, /version +2\.0\.0 \(stable\), tag v2\.0\.0/);
      assert.match(done.out, /commit +working tree, UNREPRODUCIBLE \(source sha256 [0-9a-f]{64}\)/);
      assert.match(done.out, /targets +1, \d+ machine-seconds/);
      assert.match(done.out, /\n {4}t +\d+ machine-seconds on tagship-clidone-[^,]+, 1 artifact\(s\)/);
      // Its dry run is a workflow of its own, found with --dry-run.
      assert.equal((await cli('release', 'status', 'v2.0.0', '--project', project, '--dry-run')).code, Exit.notFound);
      assert.equal((await cli('release', 'start', 'v2.0.0', '--from-dir', quick, '--dry-run')).code, Exit.ok);
      const rehearsed = await cli('release', 'status', 'v2.0.0', '--project', project, '--dry-run');
      assert.equal(rehearsed.code, Exit.ok, rehearsed.err);
      assert.match(rehearsed.out, new RegExp(`^release:${project}:v2\\.0\\.0:dry-run: completed`));
      assert.match(rehearsed.out, /dry run +nothing was published or deployed/);
      const watched = await cli('release', 'watch', 'v2.0.0', '--project', project);
      assert.equal(watched.code, Exit.ok);
      assert.match(watched.out, /release completed$/);
      // The timeline: a row per step and the target's machine, drawn from the histories.
      const svgFile = join(mkdtempSync(join(tmpdir(), 'tagship-timeline-')), 't.svg');
      const timeline = await cli('release', 'timeline', 'v2.0.0', '--project', project, '--out', svgFile);
      assert.equal(timeline.code, Exit.ok, timeline.err);
      const svg = readFileSync(svgFile, 'utf8');
      for (const row of ['release: loadProject', 'target t: createMachine', 'target t: agentBuild', 'target t: agentUpload', 'target t: machine']) assert.ok(svg.includes(`>${row}</text>`), `row ${row}`);
      assert.match(svg, /^<svg [^>]*>/);
      const again = await cli('release', 'retry', 'v2.0.0', '--project', project, '--from-dir', quick);
      assert.equal(again.code, Exit.ok);
      assert.equal(again.out, `release:${project}:v2.0.0 completed; nothing to retry`);
    } finally {
      delete process.env.TAGSHIP_TASK_QUEUE;
    }
  });
});

test('inputs are checked before connecting; an unreachable server is named with the fix', async () => {
  const dir = makeProject(`project: offline\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n`);
  const broken = makeProject(`project: offline\ntestGate: {}\ntargets: []\n`);
  const saved = process.env.TEMPORAL_ADDRESS;
  // A port nothing listens on: these commands must not need a server to refuse bad input.
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:9';
  try {
    const badTag = await cli('release', 'start', 'v1.0;rm', '--from-dir', dir);
    assert.equal(badTag.code, Exit.badInput);
    assert.match(badTag.err, /shell metacharacter ";"/);
    const badConfig = await cli('release', 'start', 'v1.0.0', '--from-dir', broken);
    assert.equal(badConfig.code, Exit.badInput);
    assert.match(badConfig.err, /testGate\.command: is required/);
    assert.match(badConfig.err, /targets: /);
    const noProjects = await cli('release', 'start', 'v1.0.0', '-p', 'offline');
    assert.equal(noProjects.code, Exit.badInput);
    assert.match(noProjects.err, /no projects file: set TAGSHIP_PROJECTS or pass --projects/);
    const offline = await cli('release', 'status', 'v1.0.0', '-p', 'offline');
    assert.equal(offline.code, Exit.failed);
    assert.match(offline.err, /could not reach the Temporal server at 127\.0\.0\.1:9 .*point TEMPORAL_ADDRESS at yours/);
  } finally {
    process.env.TEMPORAL_ADDRESS = saved;
  }
});

test('release start from the repository: the tag is checked before anything starts, then its commit is released', async () => {
  const project = `cligit-${uniqueSuffix()}`;
  const root = mkdtempSync(join(tmpdir(), 'tagship-cli-git-'));
  const good = `project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`;
  const repo = makeRepo(root, project, { 'tagship.yml': good });
  const commit = repo.git('rev-parse', 'HEAD');
  repo.tag('v5.0.0', { annotated: true });
  repo.commit({ 'tagship.yml': `project: ${project}\ntestGate: { command: "" }\ntargets: []\n` }, 'break the config');
  repo.tag('v5.0.1');
  const git = await startGitServer({ root });
  const projectsYml = `projects:\n  ${project}: { repository: "${git.url}/${project}.git" }\n`;
  const file = join(root, 'projects.yml');
  writeFileSync(file, projectsYml);
  await withWorker(
    async ({ client, taskQueue, stateDir }) => {
      Object.assign(process.env, { TAGSHIP_TASK_QUEUE: taskQueue, TAGSHIP_PROJECTS: file, TAGSHIP_STATE_DIR: stateDir });
      try {
        const missing = await cli('release', 'start', 'v9.9.9', '-p', project);
        assert.equal(missing.code, Exit.badInput);
        assert.match(missing.err, /tag: .* has no tag v9\.9\.9; push the tag/);
        const broken = await cli('release', 'start', 'v5.0.1', '-p', project);
        assert.equal(broken.code, Exit.badInput);
        assert.match(broken.err, /tagship\.yml at [0-9a-f]{12} \(tag v5\.0\.1\) has \d+ error\(s\)/);
        assert.match(broken.err, /testGate\.command: /);
        const other = 'e'.repeat(40);
        const moved = await cli('release', 'start', 'v5.0.0', '-p', project, '--commit', other);
        assert.equal(moved.code, Exit.badInput);
        assert.match(moved.err, new RegExp(`now points at commit ${commit}, but the release was started for commit ${other}`));
        for (const tag of ['v9.9.9', 'v5.0.1', 'v5.0.0']) {
          await assert.rejects(client.workflow.getHandle(`release:${project}:${tag}`).describe(), WorkflowNotFoundError, `${tag}: nothing was started`);
        }

        const started = await cli('release', 'start', 'v5.0.0', '-p', project);
        assert.equal(started.code, Exit.ok, started.err);
        assert.equal(started.out, `started release:${project}:v5.0.0 at commit ${commit}`);
        await client.workflow.getHandle(`release:${project}:v5.0.0`).result();
        const status = await cli('release', 'status', 'v5.0.0', '-p', project);
        assert.equal(status.code, Exit.ok);
        assert.match(status.out, new RegExp(`commit +${commit}, from ${git.url}/${project}\\.git`));
        let listed = '';
        for (let i = 0; i < 20 && !listed.includes(project); i++) {
          listed = (await cli('release', 'list', '--commit', commit)).out;
          if (!listed.includes(project)) await new Promise((r) => setTimeout(r, 250));
        }
        assert.match(listed, new RegExp(`^release:${project}:v5\\.0\\.0\\tcompleted\\tdone\\t${commit.slice(0, 12)}\\t`));
      } finally {
        for (const k of ['TAGSHIP_TASK_QUEUE', 'TAGSHIP_PROJECTS', 'TAGSHIP_STATE_DIR']) delete process.env[k];
      }
    },
    { projects: projectsFrom(projectsYml, file, {}) },
  );
  await git.close();
});
