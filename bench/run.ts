// `npm run bench`: how fast tagship's pieces are, printed as figures. Benchmarks, not tests:
// nothing here asserts a time (a shared 2-core machine makes timed assertions flaky).
//   - pure decisions: tag parsing and config validation, operations per second
//   - a one-target release end to end on a real dev server and Docker: wall time per stage
//   - a retry after one of four targets failed, against the failed run: what keeping saves
//   - the source step from a git server: a cold mirror against a warm one
//   - indexing and signing 1,000 .deb and 1,000 .rpm packages (bench/repo-scale.ts), first, on a
//     quiet host
//   - CI of the container-app example, cold then warm: wall time per stage
//   - image retention over 40 multi-arch commit images: wall time, kept, deleted, freed
//   - the example's shape side by side: tagship on simulated machines against the seed
//     pipeline's shape (bench/side-by-side.ts), with a timeline picture of each
//   - a build machine killed before its agent polls, and mid-build: the time it costs a release
//     (bench/lost-machine.ts)
//   - hook → workflow started at 50 requests/s: p50/p99 (bench/hook-latency.ts)
//   - 200 concurrent releases on one worker, simulated machines (bench/concurrency.ts;
//     BENCH_CONCURRENT=N for another count)
//   - releases per minute on 1 and 3 worker processes (S3 store), and the bytes of a release
//     through the orchestrator host with and without presigned uploads (bench/workers-scale.ts;
//     BENCH_SCALE_RELEASES=N for another count)
//   - at the end, issue 22's goals beside this run's figures (bench/goals.ts)
//   - the example built twice from one commit on fresh stores: which artifacts differ byte for
//     byte (bench/reproducibility.ts)
//   - a second release of a Rust workspace against its first: what the dependency cache gave
//     its gate and build (bench/dependency-cache.ts; real cargo, crates through the egress proxy)
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseTag } from '../core/tag.ts';
import { parseConfig } from '../core/config/parse.ts';
import { startDevServer } from '../scripts/lib/temporal-server.ts';
import { freePort } from '../providers/net/ports.ts';
import { DEFAULT_STATE_DIR, REPO_ROOT } from '../providers/paths.ts';
import { waitForProgress, withWorker } from '../test/helpers/temporal.ts';
import { makeProject } from '../test/helpers/projects.ts';
import { retryRelease, startRelease } from '../client/release.ts';
import { AWAIT_VERDICT, verdicts as verdictsFor } from '../test/helpers/retry.ts';
import type { ReleaseProgress } from '../workflows/types.ts';
import { startHookServer } from '../client/hooks/server.ts';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { makeRepo } from '../test/helpers/git-repos.ts';
import { startGitServer } from '../embedded/git-http.ts';
import { createSourceActivities, type LoadProjectInput, type LoadProjectResult } from '../activities/source.ts';
import { GitMirrors } from '../providers/git/mirror.ts';
import { projectsFrom } from '../providers/projects/file.ts';
import { parseSettings } from '../core/settings.ts';
import { startOciRegistry } from '../embedded/oci-registry.ts';
import { connectClient } from '../providers/temporal/connect.ts';
import { runExampleCi } from '../scripts/lib/demo-ci.ts';
import { OciRegistryClient } from '../providers/oci/registry.ts';
import { qaRecordsIn } from '../providers/signing/qa-records.ts';
import { commitImage } from '../test/helpers/oci-images.ts';
import type { PurgeResult } from '../workflows/purge.ts';
import { sideBySide } from './side-by-side.ts';
import { hookStartLatency } from './hook-latency.ts';
import { concurrentReleases } from './concurrency.ts';
import { workerScale } from './workers-scale.ts';
import { printGoals } from './goals.ts';
import { repositoryScale } from './repo-scale.ts';
import { reproducibility } from './reproducibility.ts';
import { dependencyCacheFigures } from './dependency-cache.ts';
import { lostMachineFigures } from './lost-machine.ts';

function opsPerSecond(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(44)} ${Math.round((n / ms) * 1000).toLocaleString('en').padStart(12)} ops/s  (${n} in ${ms.toFixed(0)} ms)`);
}

async function main(): Promise<void> {
  const tags = ['v1.4.0', 'v1.4.0-rc.1', 'v1.0.0;rm -rf /', 'v\u0661.0.0', 'v01.2.3'];
  opsPerSecond('parseTag (mixed valid/invalid)', 200_000, (i) => void parseTag(tags[i % tags.length]));
  const yml = readFileSync(join(REPO_ROOT, 'examples', 'hello-veilid', 'tagship.yml'), 'utf8');
  opsPerSecond('parseConfig (hello-veilid tagship.yml)', 5_000, () => void parseConfig(yml));

  await hookThroughput();
  await sourceFetchFigures();
  // Before the concurrency benches: after them the host was still busy with their leftovers
  // (31 s and 43 s here for what takes 7 s and 13 s on a quiet host).
  await repositoryScale(1000);

  const server = await startDevServer({ port: await freePort(), logFile: join(DEFAULT_STATE_DIR, 'logs', 'bench-server.log') });
  process.env.TEMPORAL_ADDRESS = server.address;
  try {
    await withWorker(async ({ client, taskQueue }) => {
      for (const run of [1, 2, 3]) {
        const project = `bench-${run}`;
        const dir = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && head -c 1048576 /dev/urandom > out/a.bin"], artifacts: [out/*] }\n`);
        const t0 = performance.now();
        const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
        const result = await handle.result();
        const wall = performance.now() - t0;
        const child = await client.workflow.getHandle(`${handle.workflowId}/target/t`).fetchHistory();
        const times = (child.events ?? []).map((e) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round(Number(e.eventTime?.nanos ?? 0) / 1e6));
        const childSpan = times.length ? times[times.length - 1]! - times[0]! : 0;
        console.log(`release, 1 target, 1 MiB artifact, run ${run}:        ${(wall / 1000).toFixed(2)} s wall, target child ${(childSpan / 1000).toFixed(2)} s, ${result.machineSeconds} machine-s`);
      }
      await retryFigures(client, taskQueue);
      await hookStartLatency(client);
    });
    await sideBySide();
    await lostMachineFigures();
    await concurrentReleases(Number(process.env.BENCH_CONCURRENT ?? 200));
    await workerScale(Number(process.env.BENCH_SCALE_RELEASES ?? 60));
    await ciFigures(server.address);
    await retentionFigures();
    await reproducibility();
    await dependencyCacheFigures();
    printGoals();
  } finally {
    await server.stop();
  }
}

/** CI of examples/hello-vehicle-app (push hook → tests, two images, scans, integration test,
 *  record), twice: the first run fills the scanner's and the engine's caches, the second is warm.
 *  Wall time per stage, from the CI run's history. */
async function ciFigures(temporalAddress: string): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tagship-bench-ci-'));
  const settings = parseSettings({ TEMPORAL_ADDRESS: temporalAddress, TAGSHIP_STATE_DIR: stateDir, TAGSHIP_GATEWAY_PORT: '0', TAGSHIP_TASK_QUEUE: `bench-ci-${randomBytes(4).toString('hex')}` }, stateDir);
  const registry = await startOciRegistry();
  const { client, close } = await connectClient(settings);
  try {
    for (const run of ['cold', 'warm']) {
      const r = await runExampleCi({ settings, temporalAddress, client, log: () => undefined, registry: registry.host });
      if (!r.record) throw new Error(`bench CI failed: ${r.failure}`);
      const stages = Object.entries(r.stages).map(([k, v]) => `${k} ${v === null ? '-' : (v / 1000).toFixed(1)}`).join(', ');
      console.log(`CI hello-vehicle-app (${run}): ${(r.wallMs / 1000).toFixed(1)} s wall; stages (s): ${stages}`);
    }
  } finally {
    await close();
    await registry.close();
  }
}

/** Image retention over a registry holding 40 multi-arch commit images of two branches (120
 *  manifests), 3 of them released: the purge's wall time, what it kept and deleted, and what
 *  garbage collection freed. */
async function retentionFigures(): Promise<void> {
  const registry = await startOciRegistry();
  const client = new OciRegistryClient(registry.host);
  const image = 'bench-app';
  const day = 86_400_000;
  const now = Date.now();
  try {
    await withWorker(async ({ client: temporal, taskQueue, stateDir }) => {
      const qa = qaRecordsIn(stateDir);
      for (let i = 0; i < 40; i++) {
        const commit = createHash('sha1').update(`bench ${i}`).digest('hex');
        const pushed = await commitImage(registry.url, client, image, commit);
        if (i % 15 === 0) {
          const index = (await client.manifestBytes(image, pushed.index))!;
          await client.putManifestBytes(image, `1.${i}.0`, index.mediaType, index.bytes);
        }
        const at = new Date(now - (200 - i) * day).toISOString();
        await qa.write({ project: 'bench-app', commit, ref: i % 2 ? 'refs/heads/main' : 'refs/heads/develop', startedAt: at, finishedAt: at, expiresAt: new Date(now + (i >= 36 ? day : -day)).toISOString(), run: { workflowId: 'w', runId: 'r' }, gates: {}, images: { repository: `${registry.host}/${image}`, ...pushed } });
      }
      const t0 = performance.now();
      const r = (await temporal.workflow.execute('purgeArtifacts', { taskQueue, workflowId: `bench-purge-${randomBytes(4).toString('hex')}`, args: [{ imagesPerBranch: 5 }] })) as PurgeResult;
      const repo = r.images!.repositories[0]!;
      console.log(`image retention, 40 commit images (120 manifests): ${((performance.now() - t0) / 1000).toFixed(2)} s wall; kept ${repo.kept.length} manifests, deleted ${repo.deleted.length}; ${r.images!.collected}`);
    }, { registry: registry.host, registryConfig: join(registry.dataDir, 'config.yml') });
  } finally {
    await registry.close();
  }
}

/** loadProject against a git server on loopback: a repository with 120 commits and ~4 MiB of
 *  incompressible files, fetched into a cold mirror, then a new tag one commit later into the
 *  warm one (only that commit travels), then the same tag again. */
async function sourceFetchFigures(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tagship-bench-git-'));
  const yml = 'project: bench-git\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n';
  const repo = makeRepo(root, 'bench-git', { 'tagship.yml': yml, ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`data/blob-${i}.bin`, randomBytes(512 << 10).toString('base64')])) });
  for (let i = 0; i < 120; i++) repo.commit({ [`src/file-${i % 20}.txt`]: `revision ${i}\n${randomBytes(2048).toString('hex')}\n` });
  repo.tag('v1.0.0', { annotated: true });
  const git = await startGitServer({ root });
  const stateDir = mkdtempSync(join(tmpdir(), 'tagship-bench-state-'));
  const source = createSourceActivities({
    stateDir,
    mirrors: new GitMirrors(join(stateDir, 'mirrors')),
    projects: projectsFrom(`projects:\n  bench-git: { repository: "${git.url}/bench-git.git" }\n`, 'bench', {}),
  });
  const timed = async (label: string, tag: string) => {
    const t0 = performance.now();
    const r: LoadProjectResult = await new MockActivityEnvironment().run((i: LoadProjectInput) => source.loadProject(i), { project: 'bench-git', tag });
    console.log(`${label.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(8)} ms  (commit ${r.commit?.slice(0, 12)}, tarball ${r.source.sha256.slice(0, 12)})`);
  };
  try {
    await timed('source fetch + pack, cold mirror', 'v1.0.0');
    repo.commit({ 'src/late.txt': 'one more commit\n' });
    repo.tag('v1.0.1', { annotated: true });
    await timed('source fetch + pack, warm mirror, new tag', 'v1.0.1');
    await timed('source fetch + pack, warm mirror, same tag', 'v1.0.1');
  } finally {
    await git.close();
  }
}

/** Three targets that build for ~3 s and one that fails once (told through its machine after
 *  the others finished): the failed run's wall time against the retry's, which keeps three. */
async function retryFigures(client: Parameters<typeof startRelease>[0], taskQueue: string): Promise<void> {
  const verdicts = verdictsFor('bench-retry', 'flaky');
  try {
    const slow = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, build: ["sleep 3 && mkdir -p out && head -c 1048576 /dev/urandom > out/${n}.bin"], artifacts: [out/*] }\n`;
    const flaky = `  - { name: flaky, arch: amd64, os: generic, build: ["bash ask.sh"], artifacts: [out/b.txt] }\n`;
    const ask = `${AWAIT_VERDICT}test "$verdict" = ok || exit 7\nsleep 3 && mkdir -p out && echo b > out/b.txt\n`;
    const dir = makeProject(`project: bench-retry\ntestGate: { command: "sleep 2" }\ntargets:\n${slow('t1')}${slow('t2')}${slow('t3')}${flaky}`, { 'ask.sh': ask });
    const opts = { project: 'bench-retry', tag: 'v1.0.0', projectDir: dir, taskQueue };
    const t0 = performance.now();
    const first = await startRelease(client, opts);
    await waitForProgress<ReleaseProgress>(client, first.handle.workflowId, (p) => ['t1', 't2', 't3'].every((t) => p.targets[t] === 'done'));
    verdicts.release();
    await first.handle.result().catch(() => undefined);
    const failedRun = performance.now() - t0;
    const t1 = performance.now();
    const retried = await retryRelease(client, opts);
    const result = await retried.handle.result();
    const retry = performance.now() - t1;
    const machines = result.targets.filter((t) => !t.reused).length;
    console.log(`retry after 1 of 4 targets failed:               failed run ${(failedRun / 1000).toFixed(2)} s, retry ${(retry / 1000).toFixed(2)} s (kept: ${result.resumed?.kept.join(', ')}; ${machines} machine)`);
  } finally {
    await verdicts.close();
  }
}

/** Requests per second through the hook server on loopback: bounded count, fixed concurrency. */
async function rps(label: string, total: number, concurrency: number, send: () => Promise<Response>, expect: number): Promise<void> {
  let next = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const res = await send();
        await res.arrayBuffer();
        if (res.status !== expect) wrong++;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(44)} ${Math.round(total / s).toLocaleString('en').padStart(12)} req/s  (${total} requests, ${concurrency} at a time, ${wrong} unexpected answers)`);
}

async function hookThroughput(): Promise<void> {
  const secret = 'bench-secret';
  const server = await startHookServer({ projects: { bench: { secret } }, startRelease: () => Promise.resolve({ workflowId: 'release:bench:v1.0.0', existing: true }) });
  const raw = JSON.stringify({ ref: 'refs/heads/main', deleted: false });
  const sig = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  const tagRaw = JSON.stringify({ ref: 'refs/tags/v1.0.0', deleted: false });
  const tagSig = `sha256=${createHmac('sha256', secret).update(tagRaw).digest('hex')}`;
  const post = (body: string, signature: string) => fetch(`${server.url}/hooks/github/bench`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
  await rps('(warm-up)', 500, 16, () => post(raw, sig), 202);
  await rps('hooks: signed branch push (ignored, 202)', 3000, 16, () => post(raw, sig), 202);
  await rps('hooks: signed tag push (start stubbed, 200)', 3000, 16, () => post(tagRaw, tagSig), 200);
  await rps('hooks: bad signature (401)', 3000, 16, () => post(raw, 'sha256=00'), 401);
  await server.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
