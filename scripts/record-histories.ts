// Records release histories for the replay tests (test/integration/replay.test.ts): real runs
// on a fresh dev server, one per scenario, saved as JSON. Run it when a release history shape
// is deliberately added; never to "fix" a replay failure — that failure means running
// releases would break, and the change needs patched() instead.
//   npm run record-histories                       every scenario whose file does not exist yet
//   npm run record-histories -- --only-git-source  just the release from a git server
//   npm run record-histories -- --only-pipeline    just the example through every package pipe
//   npm run record-histories -- --only-early       releases whose machines are made ready during the gate
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDevServer, TEMPORAL_BIN } from './lib/temporal-server.ts';
import { freePort } from '../providers/net/ports.ts';
import { REPO_ROOT, DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { retryRelease, startRelease } from '../client/release.ts';
import { waitForProgress, withWorker } from '../test/helpers/temporal.ts';
import { retryProject, verdicts as verdictsFor } from '../test/helpers/retry.ts';
import type { ReleaseProgress } from '../workflows/types.ts';
import { makeProject } from '../test/helpers/projects.ts';
import { withRegistries } from '../test/helpers/registries.ts';
import { generateTestKey } from '../test/helpers/gpg.ts';
import { makeRepo } from '../test/helpers/git-repos.ts';
import { startGitServer } from '../embedded/git-http.ts';
import { projectsFrom } from '../providers/projects/file.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const scenarios: { name: string; gate: string; build: string }[] = [
  { name: 'success', gate: 'true', build: 'mkdir -p out && echo built > out/a.txt' },
  { name: 'gate-failed', gate: 'echo failing; exit 4', build: 'true' },
  { name: 'build-failed', gate: 'true', build: 'echo broken >&2; exit 2' },
];

/** Saves a history as the CLI prints it (the JSON the SDK's historyFromJSON reads back), with
 *  its workflow id, which replay needs (child workflow ids derive from it). */
function save(address: string, workflowId: string, file: string): void {
  // Recorded histories are what running releases look like: never overwrite one.
  if (existsSync(file)) {
    console.log(`kept ${file} (exists; recorded histories are never overwritten)`);
    return;
  }
  const history: unknown = JSON.parse(execFileSync(TEMPORAL_BIN, ['workflow', 'show', '--address', address, '-w', workflowId, '-o', 'json'], { encoding: 'utf8' }));
  writeFileSync(file, JSON.stringify({ workflowId, history }) + '\n');
  console.log(`recorded ${file}`);
}

const historyFile = (name: string) => join(REPO_ROOT, 'test', 'histories', name);

/** A release from a git server: the tag fetched, its commit recorded (memo, search attribute). */
async function recordGitSource(address: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tagship-record-git-'));
  const project = 'replay-git';
  const repo = makeRepo(root, project, { 'tagship.yml': `project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: amd64-generic, arch: amd64, os: generic, build: ["mkdir -p out && echo built > out/a.txt"], artifacts: [out/*.txt] }\n` });
  repo.tag('v1.0.0', { annotated: true });
  const git = await startGitServer({ root });
  try {
    const projects = projectsFrom(`projects:\n  ${project}: { repository: "${git.url}/${project}.git" }\n`, 'projects.yml', {});
    await withWorker(async ({ client, taskQueue }) => {
      const { handle } = await startRelease(client, { project, tag: 'v1.0.0', taskQueue, commit: repo.git('rev-parse', 'HEAD') });
      await handle.result();
      save(address, handle.workflowId, historyFile('release-git-source.json'));
    }, { projects });
  } finally {
    await git.close();
  }
}

/** The example through every package pipe since the pipeline (checksums over a tarball, signed
 *  provenance listing them, crates and Python publish, both repositories, the release files). */
async function recordPipeline(address: string): Promise<void> {
  await withWorker(async ({ client, taskQueue }) => {
    process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
    await withRegistries(async () => {
      const { handle } = await startRelease(client, { project: 'hello-veilid', tag: 'v1.0.0', projectDir: join(REPO_ROOT, 'examples', 'hello-veilid'), taskQueue, targets: ['amd64-deb', 'amd64-rpm', 'amd64-tarball'] });
      await handle.result();
      save(address, handle.workflowId, historyFile('release-pipeline-checksums.json'));
    });
  });
}

/** Machines made ready while the gate runs (patch provision-during-gate): a release that
 *  passes and one whose gate fails, with a target child of each. */
async function recordEarly(address: string): Promise<void> {
  await withWorker(async ({ client, taskQueue }) => {
    for (const [name, gate] of [['success', 'sleep 2'], ['gate-failed', 'sleep 2; exit 4']] as const) {
      const project = `replay-early-${name}`;
      const dir = makeProject(`project: ${project}\ntestGate: { command: ${JSON.stringify(gate)}, provisionDuringGate: true }\ntargets:\n  - { name: amd64-generic, arch: amd64, os: generic, build: ["mkdir -p out && echo built > out/a.txt"], artifacts: [out/*.txt] }\n`);
      const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
      await handle.result().catch(() => undefined);
      save(address, handle.workflowId, historyFile(`release-early-${name}.json`));
      save(address, `${handle.workflowId}/target/amd64-generic`, historyFile(`build-target-early-${name}.json`));
    }
  });
}

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only-'));
  const server = await startDevServer({ port: await freePort(), logFile: join(DEFAULT_STATE_DIR, 'logs', 'record-histories.log') });
  process.env.TEMPORAL_ADDRESS = server.address;
  try {
    if (!only || only === '--only-pipeline') await recordPipeline(server.address);
    if (!only || only === '--only-git-source') await recordGitSource(server.address);
    if (!only || only === '--only-early') await recordEarly(server.address);
    if (only) return;
    await withWorker(async ({ client, taskQueue }) => {
      // The example with publishing, signed repositories and their deploy (two targets).
      process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
      await withRegistries(async () => {
        const { handle } = await startRelease(client, { project: 'hello-veilid', tag: 'v1.0.0', projectDir: join(REPO_ROOT, 'examples', 'hello-veilid'), taskQueue, targets: ['amd64-deb', 'amd64-rpm'] });
        await handle.result();
        save(server.address, handle.workflowId, join(REPO_ROOT, 'test', 'histories', 'release-publish-repositories.json'));
      });
      // A retry that keeps the gate and target a, builds b again and publishes.
      await withRegistries(async () => {
        const verdicts = verdictsFor('replay-retry');
        const opts = { project: 'replay-retry', tag: 'v1.0.0', projectDir: retryProject('replay-retry'), taskQueue };
        const first = await startRelease(client, opts);
        await waitForProgress<ReleaseProgress>(client, first.handle.workflowId, (p) => p.targets.a === 'done');
        verdicts.release();
        await first.handle.result().catch(() => undefined);
        const retried = await retryRelease(client, opts);
        await retried.handle.result();
        save(server.address, retried.handle.workflowId, join(REPO_ROOT, 'test', 'histories', 'release-retry.json'));
        await verdicts.close();
      });
      for (const s of scenarios) {
        const project = `replay-${s.name}`;
        const dir = makeProject(`project: ${project}\ntestGate: { command: ${JSON.stringify(s.gate)} }\ntargets:\n  - { name: amd64-generic, arch: amd64, os: generic, build: [${JSON.stringify(s.build)}], artifacts: [out/*.txt] }\n`);
        const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
        await handle.result().catch(() => undefined);
        save(server.address, handle.workflowId, join(REPO_ROOT, 'test', 'histories', `release-${s.name}.json`));
        if (s.name !== 'gate-failed') {
          save(server.address, `${handle.workflowId}/target/amd64-generic`, join(REPO_ROOT, 'test', 'histories', `build-target-${s.name}.json`));
          // The shape since the machine is watched while its agent enrols (patch watch-enrolment).
          save(server.address, `${handle.workflowId}/target/amd64-generic`, join(REPO_ROOT, 'test', 'histories', `build-target-watched-${s.name}.json`));
        }
      }
    });
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
