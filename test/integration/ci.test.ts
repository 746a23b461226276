// CI of a container app (issue 12) on real parts: the example hello-vehicle-app committed to a
// git server on loopback, Temporal, the Docker engine's builder (arm64 under emulation), Debian's
// docker-registry on loopback, Trivy against a database written in its own format, Mosquitto as
// the integration service. Every gate is shown failing when it should, and passing at its edge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Client } from '@temporalio/client';
import type { TestRepo } from '../helpers/git-repos.ts';
import { ADVISORY, INSTALLED, HOOK_SECRET, appProject, type AppProject, type ConfigChange } from '../helpers/app-project.ts';
import { docker } from '../helpers/projects.ts';
import { withWorker } from '../helpers/temporal.ts';
import type { GitServer } from '../../embedded/git-http.ts';
import type { OciRegistry } from '../../embedded/oci-registry.ts';
import { OciRegistryClient } from '../../providers/oci/registry.ts';
import type { Projects } from '../../providers/projects/file.ts';
import { GitMirrors } from '../../providers/git/mirror.ts';
import { startHookServer } from '../../client/hooks/server.ts';
import { ciStarterForHooks } from '../../client/ci.ts';
import type { QaRecord } from '../../core/qa/record.ts';

let a: AppProject;
let git: GitServer;
let registry: OciRegistry;
let repo: TestRepo;
let project: string;
let projects: Projects;

before(async () => {
  a = await appProject('hva');
  ({ git, registry, repo, project, projects } = a);
});

after(async () => {
  await a?.close();
});

const configWith = (change: ConfigChange) => a.configWith(change);
const ciOpts = () => a.workerOpts();
const runCi = (client: Client, taskQueue: string, commit: string) => a.runCi(client, taskQueue, commit);
const storedRecord = (stateDir: string, commit: string) => a.storedRecord(stateDir, commit);

async function leftovers(): Promise<{ containers: string[]; networks: string[] }> {
  const containers = (await docker.listContainers({ all: true, filters: { name: ['tagship-it-'] } })).map((c) => c.Names[0]!);
  const networks = (await docker.listNetworks({ filters: { name: ['tagship-it-'] } })).map((n) => n.Name);
  return { containers, networks };
}

let measuredCoverage = 0;

test('coverage below the floor fails CI naming both numbers, before any image is built', async () => {
  const commit = repo.commit({ 'tagship.yml': configWith({ minimum: 100 }) }, 'coverage floor 100');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const { failure } = await runCi(client, taskQueue, commit);
    assert.ok(failure, 'CI passed with a coverage floor of 100%');
    const m = /line coverage ([0-9.]+)% is below the required 100%/.exec(failure.message);
    assert.ok(m, failure.message);
    measuredCoverage = Number(m[1]);
    assert.ok(measuredCoverage > 50 && measuredCoverage < 100, `measured ${measuredCoverage}`);
    const record = await storedRecord(stateDir, commit);
    assert.ok(record, 'no QA record stored for the failed run');
    assert.equal(record.gates.coverage?.passed, false);
    assert.equal(record.gates.tests?.passed, true, record.gates.tests?.message);
    assert.equal(record.tests?.tests, 5);
    assert.equal(record.gates.image, undefined, 'an image was built though the tests gate failed');
    assert.deepEqual(await new OciRegistryClient(registry.host).tags(a.image), []);
  }, ciOpts());
});

test('a passing CI: both platforms pushed under the commit with an index, scanned with an SBOM each, integration tested; the record holds the registry\'s digests; a redelivered hook starts nothing', async () => {
  assert.ok(measuredCoverage > 0, 'the coverage test runs first');
  // At the floor exactly: passes. The advisory is allowlisted until far ahead.
  const commit = repo.commit({ 'tagship.yml': configWith({ minimum: measuredCoverage, allow: [{ id: ADVISORY.id, package: INSTALLED, until: '2099-12-31', reason: 'test: accepted' }] }) }, 'ready');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const hooks = await startHookServer({
      projects: { [project]: { secret: HOOK_SECRET } },
      startRelease: () => Promise.reject(new Error('no releases here')),
      startCi: ciStarterForHooks({ client, taskQueue, projects, mirrors: new GitMirrors(join(stateDir, 'hook-mirrors')) }),
    });
    const push = (uuid: string, branch = 'main') =>
      fetch(`${hooks.url}/hooks/gitlab/${project}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': HOOK_SECRET, 'x-gitlab-event-uuid': uuid },
        body: JSON.stringify({ object_kind: 'push', ref: `refs/heads/${branch}`, before: '0'.repeat(40), after: commit, checkout_sha: commit }),
      });
    try {
      const first = await push('delivery-1');
      assert.equal(first.status, 201, await first.clone().text());
      const { workflowId } = (await first.json()) as { workflowId: string };
      const again = await push('delivery-2');
      assert.equal(again.status, 200, 'the same commit pushed again started another CI');
      assert.equal(((await again.json()) as { workflowId: string }).workflowId, workflowId);
      repo.git('push', '--quiet', repo.bare, 'HEAD:refs/heads/feature/x');
      const other = await push('delivery-3', 'feature/x');
      assert.equal(other.status, 202, 'a branch outside ci.branches started CI');
      assert.match(((await other.json()) as { ignored: string }).ignored, /not in ci.branches/);

      const record = (await client.workflow.getHandle(workflowId).result()) as QaRecord;
      for (const g of ['tests', 'coverage', 'image', 'scan', 'integration'] as const) assert.equal(record.gates[g]?.passed, true, `${g}: ${record.gates[g]?.message}`);
      assert.equal(record.commit, commit);
      assert.deepEqual(record, await storedRecord(stateDir, commit), 'the stored record differs from the result');

      // The registry's own answers.
      const reg = new OciRegistryClient(registry.host);
      const image = a.image;
      const index = await reg.manifest(image, commit);
      assert.ok(index, 'no index under the commit');
      assert.equal(index.digest, record.images!.index);
      const listed = Object.fromEntries((index.body.manifests ?? []).map((m) => [m.platform.architecture, m.digest]));
      assert.deepEqual(listed, record.images!.platforms);
      assert.deepEqual(Object.keys(listed).sort(), ['amd64', 'arm64']);
      for (const [arch, digest] of Object.entries(listed)) {
        const manifest = await reg.manifest(image, digest);
        const config = (await (await fetch(`${registry.url}/v2/${image}/blobs/${manifest!.body.config!.digest}`)).json()) as { architecture: string; config: { Labels: Record<string, string> } };
        assert.equal(config.architecture, arch);
        assert.equal(config.config.Labels['org.opencontainers.image.revision'], commit);
        assert.equal(config.config.Labels['org.opencontainers.image.source'], `${git.url}/${project}.git`);
        assert.ok(config.config.Labels['org.opencontainers.image.created']);
        // The SBOM stored with the record is the one the record names, and lists the package.
        const sbom = record.scan![arch]!.sbom;
        const bytes = readFileSync(join(stateDir, 'qa', project, commit, sbom.name));
        assert.equal(createHash('sha256').update(bytes).digest('hex'), sbom.sha256);
        const bom = JSON.parse(bytes.toString('utf8')) as { bomFormat: string; components?: Array<{ name: string }> };
        assert.equal(bom.bomFormat, 'CycloneDX');
        assert.ok(bom.components?.some((c) => c.name === INSTALLED), `${arch} SBOM does not list ${INSTALLED}`);
        assert.deepEqual(record.scan![arch]!.allowed.map((a) => a.finding.id), [ADVISORY.id]);
      }
      // A real client pulls the platform image by the record's digest.
      const ref = `${registry.host}/${image}@${record.images!.platforms.amd64}`;
      const stream = await docker.pull(ref);
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
      assert.ok((await docker.getImage(ref).inspect()).RepoDigests.some((d) => d.endsWith(record.images!.platforms.amd64!)));
      assert.deepEqual(await leftovers(), { containers: [], networks: [] });
    } finally {
      await hooks.close();
    }
  }, ciOpts());
});

test('a vulnerable package fails the scan naming package, version and advisory; an expired allowlist entry fails it again', async () => {
  const noAllow = repo.commit({ 'tagship.yml': configWith({ minimum: 50, platforms: ['amd64'], integration: null, allow: [] }) }, 'no allowlist');
  const expired = repo.commit({ 'tagship.yml': configWith({ minimum: 50, platforms: ['amd64'], integration: null, allow: [{ id: ADVISORY.id, until: '2020-01-01', reason: 'was accepted once' }] }) }, 'expired allowlist');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const a = await runCi(client, taskQueue, noAllow);
    assert.ok(a.failure, 'CI passed with a HIGH finding');
    assert.match(a.failure.message, /scan: amd64: 1 finding\(s\) at or above high: python3-paho-mqtt 1\.6\.[0-9.-]+: CVE-2099-0001 \(high, fixed in 99\.0\)/);
    const rec = await storedRecord(stateDir, noAllow);
    assert.equal(rec?.gates.scan?.passed, false);
    assert.ok(rec?.images?.platforms.amd64, 'the failed record still holds the image digest');
    const b = await runCi(client, taskQueue, expired);
    assert.ok(b.failure, 'CI passed with an expired allowlist entry');
    assert.match(b.failure.message, /CVE-2099-0001.*its allowlist entry expired/);
  }, ciOpts());
});

test('a failing integration test fails CI with its output; no container or network is left', async () => {
  const commit = repo.commit({ 'tagship.yml': configWith({ minimum: 50, platforms: ['amd64'], allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }], integration: 'echo boom-from-integration; exit 3' }) }, 'broken integration');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const { failure } = await runCi(client, taskQueue, commit);
    assert.ok(failure, 'CI passed with a failing integration command');
    assert.match(failure.message, /integration: `echo boom-from-integration; exit 3` exited with 3/);
    assert.match(failure.message, /boom-from-integration/);
    assert.equal((await storedRecord(stateDir, commit))?.integration?.exitCode, 3);
    assert.deepEqual(await leftovers(), { containers: [], networks: [] });
  }, ciOpts());
});

test('a Dockerfile\'s RUN lines reach neither Temporal, the registry nor the git server — with network off, and on the egress bridge when the app asks for network', async () => {
  const targets = [process.env.TEMPORAL_ADDRESS!, registry.host, git.url.replace('http://', '')];
  const probe = [
    'import socket, sys',
    'reached = []',
    'for target in sys.argv[1:]:',
    '    host, port = target.rsplit(":", 1)',
    '    try:',
    '        socket.create_connection((host, int(port)), timeout=3).close()',
    '        reached.append(target)',
    '    except OSError as err:',
    '        print(f"{target}: {err}")',
    'if reached:',
    '    print("REACHED " + " ".join(reached))',
    '    sys.exit(1)',
    '',
  ].join('\n');
  const dockerfile = ['ARG TARGETARCH=amd64', 'FROM tagship/python:bookworm-${TARGETARCH}', 'COPY probe.py /probe.py', `RUN python3 /probe.py ${targets.join(' ')}`, ''].join('\n');
  // The positive control: the same probe, run on the host, reaches all three.
  const onHost = join(mkdtempSync(join(tmpdir(), 'tagship-probe-')), 'probe.py');
  writeFileSync(onHost, probe);
  const control = spawnSync('python3', [onHost, ...targets], { encoding: 'utf8' });
  assert.equal(control.status, 1, control.stdout + control.stderr);
  assert.match(control.stdout, /REACHED/);

  const config = (network: boolean) => configWith({ minimum: 50, platforms: ['amd64'], integration: null, network, allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }] });
  const sealed = repo.commit({ 'probe.py': probe, 'Dockerfile': dockerfile, 'tagship.yml': config(false) }, 'probe, no network');
  const egress = repo.commit({ 'tagship.yml': config(true) }, 'probe, egress network');
  await withWorker(async ({ client, taskQueue }) => {
    for (const commit of [sealed, egress]) {
      const { record, failure } = await runCi(client, taskQueue, commit);
      assert.equal(failure, null, failure?.message);
      assert.equal(record?.gates.image?.passed, true);
    }
  }, ciOpts());
});

test('a Dockerfile cannot have the engine fetch from the host or start from another project\'s image: refused before anything is built, naming the line', async () => {
  // The git server holds every project's source; the engine's builder would fetch an ADD URL
  // from the host, where loopback reaches it (it did, before the policy).
  const leak = `${git.url}/${project}.git/info/refs`;
  const other = `${registry.host}/some-other-app:0123456789abcdef0123456789abcdef01234567-amd64`;
  const config = configWith({ minimum: 50, platforms: ['amd64'], integration: null });
  const fetching = repo.commit({ 'Dockerfile': ['ARG TARGETARCH=amd64', 'FROM tagship/python:bookworm-${TARGETARCH}', `ADD ${leak} /leak`, 'RUN cat /leak', ''].join('\n'), 'tagship.yml': config }, 'ADD from the host');
  const foreign = repo.commit({ 'Dockerfile': [`FROM ${other}`, ''].join('\n') }, 'FROM another project');
  const images = async () => (await docker.listImages({ filters: { reference: [`${registry.host}/${a.image}`] } })).flatMap((i) => i.RepoTags ?? []);
  const before = await images();
  await withWorker(async ({ client, taskQueue }) => {
    const add = await runCi(client, taskQueue, fetching);
    assert.match(add.failure?.message ?? '', new RegExp(`line 3: ADD ${leak.replace(/[.:/]/g, '\\$&')} is not allowed: the engine would fetch it from the orchestrator's host`));
    const from = await runCi(client, taskQueue, foreign);
    assert.match(from.failure?.message ?? '', /line 1: FROM 127\.0\.0\.1:\d+\/some-other-app:[0-9a-f]+-amd64 is not allowed; a build may start from tagship's base images/);
  }, ciOpts());
  assert.deepEqual((await images()).filter((t) => !before.includes(t)), [], 'no image of either commit was built');
});

test('a Dockerfile shaped like Velocitas\' template — FROM --platform=$TARGETPLATFORM with no ARG of its own, a build stage, FROM scratch — builds and passes CI', async () => {
  const dockerfile = [
    '# syntax=docker/dockerfile:1',
    'FROM --platform=$TARGETPLATFORM tagship/python:bookworm-${TARGETARCH} AS builder',
    'ARG TARGETARCH',
    'RUN mkdir -p /dist && printf "built for %s\\n" "$TARGETARCH" > /dist/platform.txt',
    'FROM scratch',
    'COPY --from=builder /dist /dist',
    'CMD ["/dist/platform.txt"]',
    '',
  ].join('\n');
  const commit = repo.commit({ 'Dockerfile': dockerfile, 'tagship.yml': configWith({ minimum: 50, platforms: ['amd64'], integration: null, allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }] }) }, 'template-shaped Dockerfile');
  await withWorker(async ({ client, taskQueue }) => {
    const { record, failure } = await runCi(client, taskQueue, commit);
    assert.equal(failure, null, failure?.message);
    assert.equal(record?.gates.image?.passed, true);
  }, ciOpts());
  // The image holds what its build stage made for the platform, and nothing else.
  const image = `${registry.host}/${a.image}:${commit}-amd64`;
  const c = await docker.createContainer({ Image: image, Cmd: ['/dist/platform.txt'] });
  try {
    const tarStream = await c.getArchive({ path: '/dist/platform.txt' });
    const chunks: Buffer[] = [];
    for await (const b of tarStream as AsyncIterable<Buffer>) chunks.push(b);
    assert.match(Buffer.concat(chunks).toString('utf8'), /built for amd64\n/);
    assert.equal((await docker.getImage(image).inspect()).RootFS.Layers?.length, 1, 'FROM scratch: one layer, the copied files');
  } finally {
    await c.remove({ force: true });
  }
});

test('the app defines its tests\' image (a Dockerfile in the commit) and a lint gate run in it: a lint failure fails CI before the tests, with its output; fixed, the tests run in that image', async () => {
  const testDockerfile = [
    'FROM tagship/python:bookworm-${TARGETARCH}',
    // The app's lint tool, installed when its tests' image is built.
    `RUN printf '#!/bin/sh\\nfor f in "$@"; do head -1 "$f" | grep -q SPDX-License-Identifier || { echo "$f: no license header"; exit 1; }; done\\n' > /usr/local/bin/license-check && chmod 755 /usr/local/bin/license-check`,
    '',
  ].join('\n');
  const withLint = (() => {
    const doc = parse(configWith({ minimum: 50, platforms: ['amd64'], integration: null, allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }] })) as { app: { tests: Record<string, unknown>; lint?: unknown } };
    doc.app.tests.image = { dockerfile: 'ci/Dockerfile.test', context: 'ci' };
    doc.app.lint = { command: 'license-check app/src/*.py' };
    return stringify(doc);
  })();
  const source = a.files['app/src/vehicle_app.py']!;
  const unlicensed = repo.commit({ 'ci/Dockerfile.test': testDockerfile, 'tagship.yml': withLint, 'Dockerfile': a.files['Dockerfile']!, 'app/src/vehicle_app.py': source }, 'lint gate, no headers');
  const licensed = repo.commit({ 'app/src/vehicle_app.py': `# SPDX-License-Identifier: Apache-2.0\n${source}` }, 'license headers');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const failed = await runCi(client, taskQueue, unlicensed);
    assert.match(failed.failure?.message ?? '', /lint: `license-check app\/src\/\*\.py` exited with 1/);
    const record = await storedRecord(stateDir, unlicensed);
    assert.equal(record?.lint?.exitCode, 1);
    assert.match(record?.lint?.outputTail ?? '', /app\/src\/vehicle_app\.py: no license header/);
    assert.equal(record?.gates.tests, undefined, 'the tests did not run after the failed lint');
    assert.match(record?.testImage?.image ?? '', new RegExp(`^tagship-env/${project}:amd64-[0-9a-f]{40}$`));

    const passed = await runCi(client, taskQueue, licensed);
    assert.equal(passed.failure, null, passed.failure?.message);
    assert.equal(passed.record?.gates.lint?.passed, true);
    assert.equal(passed.record?.gates.tests?.passed, true);
    assert.equal(passed.record?.testImage?.image, record?.testImage?.image, 'the same Dockerfile and context: the image was built once');
  }, ciOpts());
});

test('integration: the app gets its environment and finds a service by an alias; an app that stopped fails the gate even when the tests pass, its log in the record', async () => {
  const config = (integration: Record<string, unknown>) => {
    const doc = parse(configWith({ minimum: 50, platforms: ['amd64'], allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }] })) as { app: { integration: Record<string, unknown> & { services: Record<string, unknown>[] } } };
    Object.assign(doc.app.integration, integration);
    doc.app.integration.services[0]!.aliases = ['broker'];
    return stringify(doc);
  };
  // The app reaches its broker only by the alias its environment names.
  const viaAlias = repo.commit({ 'Dockerfile': a.files['Dockerfile']!, 'tagship.yml': config({ env: { MQTT_HOST: 'broker' } }) }, 'the app finds the broker by an alias');
  // Python cannot start with this environment: the app stops at once, while the command passes.
  const stops = repo.commit({ 'tagship.yml': config({ env: { PYTHONHOME: '/nonexistent' }, command: 'sleep 3' }) }, 'an app that stops');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const ok = await runCi(client, taskQueue, viaAlias);
    assert.equal(ok.failure, null, ok.failure?.message);
    assert.match(ok.record?.gates.integration?.message ?? '', /passed against app, mosquitto, broker/);
    assert.match(ok.record?.integration?.appLog ?? '', /subscribed to/, 'the app\'s log is in the record');

    const stopped = await runCi(client, taskQueue, stops);
    assert.match(stopped.failure?.message ?? '', /integration: the app exited with 1 before `sleep 3` ended/);
    const record = await storedRecord(stateDir, stops);
    assert.equal(record?.integration?.exitCode, 0, 'the command itself passed');
    assert.equal(record?.integration?.appExited, 1);
    assert.match(record?.integration?.appLog ?? '', /platform independent libraries|encodings/);
  }, ciOpts());
});

test('integration services built from the commit: a Dockerfile in the repository becomes a service the tests reach by name, its image recorded; an activity input naming another project\'s image (service, runner, tests) is refused', async () => {
  const doc = parse(configWith({ minimum: 50, platforms: ['amd64'], allow: [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test' }], integration: 'python3 -c "import urllib.request; print(urllib.request.urlopen(\'http://echo:8080/\').read().decode())"' })) as { app: { integration: { services: Record<string, unknown>[] } } };
  doc.app.integration.services.push({ name: 'echo', image: { dockerfile: 'services/echo/Dockerfile', context: 'services/echo' } });
  const marker = `built-from-the-commit-${Date.now()}`;
  const commit = repo.commit({
    'tagship.yml': stringify(doc),
    'services/echo/Dockerfile': 'FROM tagship/python:bookworm-amd64\nCOPY server.py /srv/server.py\nUSER 1000\nCMD ["python3", "-u", "/srv/server.py"]\n',
    'services/echo/server.py': `from http.server import BaseHTTPRequestHandler, HTTPServer\nclass H(BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200); self.end_headers(); self.wfile.write(b"${marker}")\nHTTPServer(("", 8080), H).serve_forever()\n`,
  }, 'a service built from the commit');
  await withWorker(async ({ client, taskQueue, orchestrator }) => {
    const r = await runCi(client, taskQueue, commit);
    assert.equal(r.failure, null, r.failure?.message);
    assert.match(r.record?.gates.integration?.message ?? '', /passed against app, mosquitto, echo/);
    assert.ok(r.record?.integration?.outputTail.includes(marker), `the tests did not reach the service built from the commit:\n${r.record?.integration?.outputTail}`);
    const built = r.record?.serviceImages?.echo;
    assert.ok(built && built.image.startsWith(`tagship-env/${project}:amd64-`), JSON.stringify(r.record?.serviceImages));
    assert.equal((await docker.getImage(built.image).inspect()).Id, built.imageId);

    // The activity itself refuses an image that is neither tagship's nor this project's.
    const env = new (await import('@temporalio/testing')).MockActivityEnvironment();
    const base = { runId: `ci-${project}-x`, project, appImage: `${registry.host}/${a.image}@sha256:${'0'.repeat(64)}`, command: 'true', runnerImage: 'tagship/machine:bookworm-amd64', env: {}, source: { path: '/nonexistent', sha256: '0'.repeat(64) } };
    for (const [field, input] of [
      ['services[0].image', { ...base, services: [{ name: 's', image: 'tagship-env/someone-else:amd64-abc' }] }],
      ['services[0].image', { ...base, services: [{ name: 's', image: `${a.image}:latest` }] }],
      ['runnerImage', { ...base, services: [], runnerImage: `tagship-env/${project}x:amd64-abc` }],
    ] as const) {
      const refused = await env.run((i: unknown) => orchestrator.activities.runIntegration(i as never), input).then(() => null, (e: { type?: string; message: string }) => e);
      assert.equal(refused?.type, 'InvalidInput', `${field}: ${JSON.stringify(input)} was not refused`);
      assert.match(refused.message, new RegExp(field.replace(/[[\].]/g, '\\$&')));
    }
    // The tests' and lint's container too.
    const lint = { machine: `tagship-lint-${project}-x`, runId: `ci-${project}-x`, project, command: 'true', env: {}, source: base.source };
    for (const image of ['tagship-env/someone-else:amd64-abc', `${a.image}:latest`]) {
      const refused = await env.run((i: unknown) => orchestrator.activities.runAppCommand(i as never), { ...lint, image }).then(() => null, (e: { type?: string; message: string }) => e);
      assert.equal(refused?.type, 'InvalidInput', `the tests' container from ${image} was not refused`);
      assert.match(refused.message, /^image: .* is neither one of tagship's bases nor built from /);
    }
  }, ciOpts());
});
