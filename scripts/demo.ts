// `npm run demo`: a real release of examples/hello-veilid on the embedded setup — a local
// Temporal dev server (left running, Web UI on 8233) and Docker containers as build machines.
// The real path, end to end: the example is committed to a throwaway git repository served on
// loopback, a signed tag is pushed, and a GitLab tag-push hook delivered to the hook server
// starts the release, which fetches the tag and releases exactly that commit.
//   npm run demo                  release the example at the next free version from v1.4.0
//   npm run demo -- --tag v2.0.0  release that tag
//   npm run demo -- --example hello-vehicle-app   CI of a container app's pushed commit, then the
//                                                 release of a tag of it (image, chart, QA report)
//   npm run demo -- --stop        stop the demo's Temporal server, repo server and registry
import { Command } from 'commander';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { connectClient } from '../providers/temporal/connect.ts';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { startS3Server } from '../embedded/s3-server.ts';
import { S3ArtifactStore } from '../providers/artifacts-s3/store.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { ReleaseResult } from '../workflows/types.ts';
import { spawnSync } from 'node:child_process';
import { parseSettings } from '../core/settings.ts';
import { parseReleaseTag } from '../core/tag.ts';
import { releaseWorkflowId } from '../core/names.ts';
import { createOrchestratorWorker } from '../workers/orchestrator.ts';
import { DEFAULT_STATE_DIR, REPO_ROOT } from '../providers/paths.ts';
import type { release } from '../workflows/release.ts';
import { startNightly, startRelease, InputError } from '../client/release.ts';
import { startHookServer } from '../client/hooks/server.ts';
import { lsRemoteTag } from '../providers/git/mirror.ts';
import { projectsFrom } from '../providers/projects/file.ts';
import { publishDemoRepo } from './lib/demo-git.ts';
import { activityRunTime } from './lib/history-times.ts';
import { runProvenanceVerifier } from './lib/provenance-verifier.ts';
import { followProgress } from '../client/progress.ts';
import { ensureDemoRepoServer, ensureDemoServer, stopDemoRegistry, stopDemoRepoServer, stopDemoServer } from './lib/demo-server.ts';
import { CI_PROJECT, runExampleCi } from './lib/demo-ci.ts';
import { qaSummary } from '../core/qa/summary.ts';
import { demoSigningKey } from './lib/demo-key.ts';
import { randomBytes } from 'node:crypto';
import { startPypiServer } from '../embedded/pypi.ts';
import { startCratesRegistry } from '../embedded/crates-registry.ts';
import { registryEnvName } from '../activities/registries.ts';
import { startDoEmulator } from '../embedded/do-emulator.ts';
import { digitalOceanProvider } from '../workers/deps.ts';
import Docker from 'dockerode';
import { TEMPORAL_BIN } from './lib/temporal-server.ts';

const PROJECT = 'hello-veilid';
const DEMO_DO_TOKEN = `demo-${randomBytes(12).toString('hex')}`;

function startDemoEmulator() {
  return startDoEmulator({
    token: DEMO_DO_TOKEN,
    bootDelayMs: 2000,
    backend: { docker: new Docker(), image: 'tagship/machine:bookworm-amd64', binds: [`${REPO_ROOT}:/opt/tagship:ro`, `${process.execPath}:/opt/node/bin/node:ro`] },
  });
}

/** The first tag from `from` on that was never released (hooks never restart a release that
 *  ran, whatever became of it) — by the server's histories and by the state folder's artifact
 *  store, which outlives a dev server whose database was removed (its artifacts are never
 *  replaced by another source's). */
async function nextFreeTag(client: Client, from: string, project = PROJECT, stateDir = DEFAULT_STATE_DIR, store?: ArtifactStore): Promise<string> {
  const t = parseReleaseTag(from);
  if (!t.ok) throw new InputError('--tag', t.reason);
  const inStore = store ? new Set((await store.listManifests()).filter((m) => m.project === project).map((m) => m.version)) : null;
  for (let patch = t.value.patch; ; patch++) {
    const tag = `v${t.value.major}.${t.value.minor}.${patch}`;
    const ran = await client.workflow.getHandle(releaseWorkflowId(project, tag)).describe().then(() => true, () => false);
    const version = `${t.value.major}.${t.value.minor}.${patch}`;
    const stored = inStore ? inStore.has(version) : existsSync(join(stateDir, 'artifacts', project, version));
    if (!ran && !stored) return tag;
  }
}

/** The release's artifacts (as <target>/<name>) and provenance, copied out of the store. */
async function exportRelease(store: ArtifactStore, r: ReleaseResult, root: string): Promise<{ artifacts: string; provenance?: string }> {
  const dir = join(root, r.project, r.version);
  for (const t of r.targets) {
    await mkdir(join(dir, t.target), { recursive: true });
    for (const a of t.manifest.artifacts) {
      const path = await store.localPath({ project: r.project, version: r.version, target: t.target }, a.name);
      if (path) await copyFile(path, join(dir, t.target, a.name));
    }
  }
  const provenance = await store.localRecordPath({ project: r.project, version: r.version }, 'provenance');
  return { artifacts: dir, ...(provenance ? { provenance } : {}) };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--tag <tag>', 'the tag to release (default: the next free version from v1.4.0)')
    .option('--stop', 'stop the demo Temporal server and exit')
    .option('--dry-run', 'rehearse the release: build, check and sign everything, stage the repositories; publish and deploy nothing')
    .option('--nightly', 'build the head of main as a nightly instead of a tag: deployed to the nightly suites, published nowhere')
    .option('--provider <provider>', 'build machines: docker (containers) or digitalocean (droplets from the DigitalOcean API emulator)', 'docker')
    .option('--store <store>', 'the artifact store: fs (the state folder) or s3 (a SeaweedFS S3 server on loopback, its data in the state folder)', 'fs')
    .option('--example <name>', 'hello-veilid (a package release) or hello-vehicle-app (CI of a container app for a pushed commit)', PROJECT)
    .parse()
    .opts<{ tag?: string; stop?: boolean; dryRun?: boolean; nightly?: boolean; provider: string; store: string; example: string }>();
  if (opts.example !== PROJECT && opts.example !== CI_PROJECT) throw new InputError('--example', `"${opts.example}" is not an example; use ${PROJECT} or ${CI_PROJECT}`);
  if (opts.provider !== 'docker' && opts.provider !== 'digitalocean') throw new InputError('--provider', `"${opts.provider}" is not a provider; use docker or digitalocean`);
  if (opts.store !== 'fs' && opts.store !== 's3') throw new InputError('--store', `"${opts.store}" is not a store; use fs or s3`);
  const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
  if (opts.stop) {
    console.log(stopDemoServer(settings.stateDir));
    console.log(stopDemoRepoServer(settings.stateDir));
    console.log(stopDemoRegistry(settings.stateDir));
    return;
  }
  if (opts.example === CI_PROJECT) return ciDemo(settings, opts);

  // The worker's own state changes are noise here; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await ensureDemoServer(settings.stateDir);
  console.log(`Temporal dev server ${server.reused ? 'reused' : 'started'} at ${server.address} (pid ${server.pid}); Web UI ${server.uiUrl}`);
  const repoRoot = join(settings.stateDir, 'repo-server');
  const repoServer = await ensureDemoRepoServer(settings.stateDir, repoRoot);
  console.log(`Repo server ${repoServer.reused ? 'reused' : 'started'} at ${repoServer.url} (pid ${repoServer.pid})`);
  // A throwaway signing key for the example's repositories, made once; tagship.yml names it
  // through the worker's environment, so the key never enters a workflow.
  process.env.HELLO_VEILID_SIGNING_KEY ??= demoSigningKey(settings.stateDir);
  const { client, close: closeClient } = await connectClient(settings, settings.codecEnv, server.address);
  // --store s3: a real S3 server (SeaweedFS) for this run; the bucket's data stays in the state folder.
  const s3 = opts.store === 's3' ? await startS3Server({ dir: join(settings.stateDir, 's3') }) : null;
  const store = s3 ? new S3ArtifactStore({ bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials, cacheDir: join(settings.stateDir, 'store-cache') }) : undefined;
  if (s3) console.log(`Artifact store: S3 bucket ${s3.bucket} at ${s3.endpoint} (SeaweedFS, pid ${s3.pid})`);
  const tag = opts.tag ?? (await nextFreeTag(client, 'v1.4.0', PROJECT, settings.stateDir, store));

  // The forge: a throwaway repository of the example, its tag signed by a maintainer's key.
  const maintainerKey = demoSigningKey(settings.stateDir, 'maintainer-key', 'demo maintainer <maintainer@example.invalid>');
  const repo = await publishDemoRepo(settings.stateDir, PROJECT, tag, maintainerKey);
  console.log(`Git server (git http-backend) at ${repo.server.url}; pushed ${tag} (signed) of commit ${repo.commit} to ${repo.url}`);
  const hookSecret = randomBytes(16).toString('hex');
  const projectsYml = `projects:\n  ${PROJECT}:\n    repository: ${repo.url}\n    secretEnv: DEMO_HOOK_SECRET\n    requireSignedTags: { publicKeys: [${repo.publicKey}] }\n`;
  const projects = projectsFrom(projectsYml, 'the demo\'s projects.yml', { DEMO_HOOK_SECRET: hookSecret }, { secret: true });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  // --provider digitalocean: droplets through the real do-wrapper client, against the
  // DigitalOcean API emulator on loopback (the real API is out of reach here). Each droplet is
  // a container that runs its cloud-init user data, which starts the build agent.
  const emulator = opts.provider === 'digitalocean' ? await startDemoEmulator() : null;
  if (emulator) console.log(`DigitalOcean API emulator at ${emulator.apiUrl} (droplets are containers running their user data)`);
  const worker = await createOrchestratorWorker({
    connection: workerConnection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    stateDir: settings.stateDir,
    temporalAddress: server.address,
    client,
    repoRoot,
    gatewayPort: settings.gatewayPort,
    ...(settings.agentToken ? { agentToken: settings.agentToken } : {}),
    projects,
    ...(store ? { artifacts: store } : {}),
    ...(emulator ? { provider: digitalOceanProvider({ token: DEMO_DO_TOKEN, apiUrl: emulator.apiUrl, region: 'nyc1', image: 'tagship-agent-snapshot' }, { address: server.address, namespace: settings.namespace }) } : {}),
  });

  // The registries the example publishes to: a real pypiserver and a cargo registry on
  // loopback, for this run. Their URLs and tokens reach the worker through its environment.
  const tokens = { pypi: `pypi-${randomBytes(12).toString('hex')}`, crates: `crates-${randomBytes(12).toString('hex')}` };
  const pypi = await startPypiServer({ token: tokens.pypi });
  const crates = await startCratesRegistry({ token: tokens.crates });
  Object.assign(process.env, {
    [registryEnvName('local', 'URL')]: crates.indexUrl,
    [registryEnvName('local', 'TOKEN')]: tokens.crates,
    [registryEnvName('local-pypi', 'URL')]: pypi.url,
    [registryEnvName('local-pypi', 'TOKEN')]: tokens.pypi,
  });
  console.log(`Registries for this run: pypiserver ${pypi.url}, cargo registry ${crates.url}`);

  const began = Date.now();
  const outcome = await worker.runUntil(async () => {
    // DigitalOcean has amd64 droplets only: there the arm64-rpm target (native on an arm64
    // machine) is left out; its arm64 packages are cross-built targets' business elsewhere.
    const targets = emulator ? ['amd64-deb', 'arm64-deb', 'amd64-rpm'] : undefined;
    if (targets) console.log(`DigitalOcean has amd64 droplets only: releasing ${targets.join(', ')} (arm64-rpm needs an arm64 machine; use the docker provider for it)`);
    if (opts.nightly) {
      // A nightly is started by the operator (or a schedule), not by a tag's hook.
      const nightly = await startNightly(client, { project: PROJECT, branch: 'main', taskQueue: settings.taskQueue, repository: repo.url });
      console.log(`Started the nightly ${nightly.version} of main at commit ${nightly.commit}: ${nightly.handle.workflowId}`);
      await followProgress(nightly.handle, (line) => console.log(line));
      return nightly.handle.result().then((result) => ({ ok: true as const, handle: nightly.handle, result }), (err: unknown) => ({ ok: false as const, handle: nightly.handle, err }));
    }
    // The hook server, as a forge reaches it; it checks the hook's commit against the tag.
    const hooks = await startHookServer({
      projects: { [PROJECT]: { secret: hookSecret } },
      resolveTag: (p, t) => lsRemoteTag(projects.get(p)!.repository, t),
      startRelease: async (p, t, commit) => {
        const { handle, existing } = await startRelease(client, { project: p, tag: t, taskQueue: settings.taskQueue, fromHook: !opts.dryRun, ...(commit ? { commit } : {}), ...(targets ? { targets } : {}), ...(opts.dryRun ? { dryRun: true } : {}) });
        return { workflowId: handle.workflowId, existing };
      },
    });
    const res = await fetch(`${hooks.url}/hooks/gitlab/${PROJECT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': hookSecret },
      body: JSON.stringify({ object_kind: 'tag_push', ref: `refs/tags/${tag}`, before: '0'.repeat(40), after: repo.commit, checkout_sha: repo.commit, project: { name: PROJECT, git_http_url: repo.url } }),
    });
    const answer = (await res.json()) as { workflowId?: string; existing?: boolean; error?: string };
    await hooks.close();
    if (!answer.workflowId) throw new Error(`the hook server answered ${res.status}: ${answer.error ?? ''}`);
    console.log(`Delivered a GitLab tag-push hook for ${tag} to ${hooks.url}: ${res.status}, ${answer.existing ? 'found the existing' : 'started'} release ${answer.workflowId}`);
    const handle = client.workflow.getHandle<typeof release>(answer.workflowId);
    await followProgress(handle, (line) => console.log(line));
    try {
      return { ok: true as const, handle, result: (await handle.result()) };
    } catch (err) {
      return { ok: false as const, handle, err };
    }
  });
  const runId = (await outcome.handle.describe()).runId;
  const link = `${server.uiUrl}/namespaces/${settings.namespace}/workflows/${encodeURIComponent(outcome.handle.workflowId)}/${runId}/history`;

  if (outcome.ok) {
    const r = outcome.result;
    console.log(`\nReleased ${r.project} ${r.tag} (${r.channel}) in ${Math.round((Date.now() - began) / 1000)} s wall time on ${opts.provider} machines${r.estimatedCost ? `, estimated machine cost ${r.estimatedCost.amount} ${r.estimatedCost.currency}` : ''}`);
    console.log(`  commit ${r.source?.commit ?? '?'} from ${r.source?.repository ?? '?'}${r.source?.signedBy ? `, tag signed by ${r.source.signedBy}` : ''}`);
    const fetchMs = await activityRunTime(outcome.handle, 'loadProject');
    console.log(`  source: tag fetched into the mirror and the commit packed in ${fetchMs} ms (sha256 ${r.source?.sha256 ?? '?'})`);
    for (const t of r.targets) {
      console.log(`  ${t.target}: ${t.machineSeconds} machine-seconds on ${t.machine}${t.machineAttempts > 1 ? ` (${t.machineAttempts} machines)` : ''}${t.estimatedCost !== undefined ? ` ≈ ${t.estimatedCost}` : ''}`);
      for (const a of t.manifest.artifacts) console.log(`    ${a.name}  ${a.size} bytes  sha256 ${a.sha256}`);
    }
    // The verifier reads files: from the S3 store, this host's copies of the release's objects.
    const local = store ? await exportRelease(store, r, join(settings.stateDir, 's3-export')) : { artifacts: join(settings.stateDir, 'artifacts', r.project, r.version), provenance: r.provenance?.path };
    console.log(`Artifacts: ${store ? `s3://${s3!.bucket}/${r.project}/${r.version}/ (copies in ${local.artifacts})` : local.artifacts}`);
    if (r.provenance && local.provenance) {
      const served = r.checksums ? [join(r.dryRun?.staged ?? join(repoRoot, r.project, 'current'), 'releases', r.version)] : [];
      const verdict = (await runProvenanceVerifier(local.provenance, join(settings.stateDir, 'provenance-key.pub.pem'), local.artifacts, ...served)).out;
      console.log(`Provenance (in-toto Statement, SLSA provenance v1, DSSE-signed by key ${r.provenance.keyid.slice(0, 16)}…): ${r.provenance.path}`);
      console.log(`  ${verdict}`);
      if (r.repositories) console.log(`  served at ${repoServer.url}/${r.project}/provenance/${r.version}.intoto.json (key: tagship-provenance.pub.pem beside it)`);
    }
    for (const [publisher, sent] of Object.entries(r.published ?? {})) console.log(`Published (${publisher}): ${Object.entries(sent).map(([k, v]) => `${k} (${v})`).join(', ')}`);
    if (r.checksums) {
      const dir = join(r.dryRun?.staged ?? join(repoRoot, r.project, 'current'), 'releases', r.version);
      const check = spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
      console.log(`Release files and SHA256SUMS (${r.checksums.files} files${r.checksums.signedBy ? `, signed by ${r.checksums.signedBy}` : ''}): ${repoServer.url}/${r.project}/releases/${r.version}/`);
      console.log(`  sha256sum -c SHA256SUMS: ${check.status === 0 ? 'every file OK' : `FAILED ${check.stdout}${check.stderr}`}`);
    }
    if (r.dryRun) {
      console.log('\nDry run: nothing was published or deployed.');
      for (const [publisher, files] of Object.entries(r.dryRun.wouldPublish)) console.log(`  would publish (${publisher}): ${files.join(', ')}`);
      if (r.dryRun.staged) console.log(`  signed repositories and release files staged (not deployed) in ${r.dryRun.staged}`);
    }
    if (r.repositories?.debSuite) {
      const repo = `${repoServer.url}/${r.project}/deb`;
      console.log(`\nSigned apt repository deployed (${r.repositories.live}). To install ${r.project} from it:`);
      console.log(`  curl -fsSL ${repo}/${r.project}-archive-keyring.gpg | sudo tee /usr/share/keyrings/${r.project}.gpg >/dev/null`);
      console.log(`  echo "deb [signed-by=/usr/share/keyrings/${r.project}.gpg] ${repo} ${r.repositories.debSuite} main" | sudo tee /etc/apt/sources.list.d/${r.project}.list && sudo apt-get update && sudo apt-get install ${r.project}`);
    }
  } else {
    const cause = outcome.err instanceof WorkflowFailedError ? (outcome.err.cause?.message ?? outcome.err.message) : String(outcome.err);
    console.log(`\nRelease ${tag} FAILED:\n${cause}`);
    process.exitCode = 1;
  }
  console.log(`\nHistory in the Web UI: ${link}`);
  console.log(`History on the command line: ${TEMPORAL_BIN} workflow show --address ${server.address} -w '${outcome.handle.workflowId}'`);
  console.log(`The Temporal server keeps running for inspection; stop it with: npm run demo -- --stop`);
  await pypi.close();
  await crates.close();
  await s3?.close();
  await repo.server.close();
  if (emulator) {
    console.log(`Droplets left in the emulator: ${emulator.droplets.size}`);
    await emulator.close();
  }
  await workerConnection.close();
  await closeClient();
}

/** `--example hello-vehicle-app`: CI of a pushed commit, its QA record and image references. */
async function ciDemo(settings: ReturnType<typeof parseSettings>, opts: { tag?: string }): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await ensureDemoServer(settings.stateDir);
  console.log(`Temporal dev server ${server.reused ? 'reused' : 'started'} at ${server.address} (pid ${server.pid}); Web UI ${server.uiUrl}`);
  const repoServer = await ensureDemoRepoServer(settings.stateDir, join(settings.stateDir, 'repo-server'));
  console.log(`Repo server ${repoServer.reused ? 'reused' : 'started'} at ${repoServer.url} (pid ${repoServer.pid})`);
  const { client, close } = await connectClient(settings, settings.codecEnv, server.address);
  try {
    const tag = opts.tag ?? (await nextFreeTag(client, 'v1.0.0', CI_PROJECT, settings.stateDir));
    const run = await runExampleCi({ settings, temporalAddress: server.address, client, log: (l) => console.log(l), release: tag, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}) });
    const runId = (await run.handle.describe()).runId;
    if (run.record) {
      const r = run.record;
      console.log(`\nCI of ${CI_PROJECT} ${run.commit.slice(0, 12)} PASSED in ${Math.round(run.wallMs / 1000)} s wall time`);
      for (const line of qaSummary(r, Date.now())) console.log(line);
      console.log(`\nImages (immutable, under the commit):`);
      console.log(`  ${r.images!.repository}:${r.commit}  →  ${r.images!.index} (multi-arch index)`);
      for (const [arch, digest] of Object.entries(r.images!.platforms)) console.log(`  docker pull ${r.images!.repository}@${digest}   # ${arch}`);
    } else {
      console.log(`\nCI of ${CI_PROJECT} ${run.commit.slice(0, 12)} FAILED:\n${run.failure}`);
      process.exitCode = 1;
    }
    console.log(`\nStages (wall time): ${Object.entries(run.stages).map(([k, v]) => `${k} ${v === null ? '-' : `${(v / 1000).toFixed(1)} s`}`).join(', ')}`);
    const rel = run.release;
    if (rel?.result?.app) {
      const app = rel.result.app;
      console.log(`\nReleased ${CI_PROJECT} ${rel.tag} in ${(rel.wallMs / 1000).toFixed(1)} s wall time (nothing rebuilt: the commit's QA record passed, its images are tagged by digest)`);
      console.log(`  image  ${app.reference}  →  ${app.digest} (${app.versionTag}; latest ${app.latest}: ${app.latestReason})`);
      console.log(`         docker pull ${app.reference}`);
      if (app.chart) console.log(`  chart  ${app.chart.reference} --version ${app.chart.version}  (helm pull ${app.chart.reference} --version ${app.chart.version} --plain-http)`);
      console.log(`  QA report  ${repoServer.url}/${CI_PROJECT}/${app.report.path}  (and report.md beside it)`);
      const v = rel.result.velocitas;
      if (v) console.log(`  Velocitas  ${repoServer.url}/${CI_PROJECT}/${app.report.path}${v.desiredState}  (desired state of ${v.appName}, pinned by digest; ${v.files.filter((f) => f !== v.desiredState).join(', ')} beside it)`);
    } else if (rel) {
      console.log(`\nRelease ${rel.tag} FAILED:\n${rel.failure}`);
      process.exitCode = 1;
    }
    console.log(`QA record: ${join(settings.stateDir, 'qa', CI_PROJECT, run.commit, 'record.json')}  (tagship qa show ${run.commit} -p ${CI_PROJECT})`);
    console.log(`CI run in the Web UI: ${server.uiUrl}/namespaces/${settings.namespace}/workflows/${encodeURIComponent(run.handle.workflowId)}/${runId}/history  (find it by TagshipCommit="${run.commit}")`);
    console.log('The Temporal server, the repo server and the registry keep running for inspection; stop them with: npm run demo -- --stop');
  } finally {
    await close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof InputError ? `error: ${err.message}` : err);
  process.exit(1);
});
