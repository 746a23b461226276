// Release of a container app by tag (issue 13): the QA record of exactly the tagged commit must
// exist, be unexpired and show every gate passed, and the registry must still hold its images —
// otherwise nothing is pushed. A release writes `<image>:<version>` by the record's index digest
// (immutable) and moves `latest` only to the highest stable version. Real Temporal, registry,
// Docker (the images come from real CI runs of the example).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { startRepoServer } from '../../providers/reposerver/server.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { appProject, ADVISORY, type AppProject } from '../helpers/app-project.ts';
import { docker } from '../helpers/projects.ts';
import { releaseFailure, withWorker } from '../helpers/temporal.ts';
import { OciRegistryClient } from '../../providers/oci/registry.ts';
import { startRelease } from '../../client/release.ts';
import type { ReleaseResult } from '../../workflows/types.ts';
import type { TagAppInput, TagAppResult } from '../../pipes/app/activities/app-release.ts';
import type { ChartInput, ChartResult } from '../../pipes/app/activities/app-chart.ts';
import { HELM_BINARY } from '../../workers/deps.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import { provenanceKey } from '../../providers/signing/provenance-key.ts';
import { openEnvelope } from '../../providers/signing/dsse.ts';
import { DSSE_PAYLOAD_TYPE } from '../../core/provenance.ts';
import type { VelocitasStatement } from '../../core/velocitas.ts';

let a: AppProject;
before(async () => {
  a = await appProject('hvr');
});
after(async () => {
  await a?.close();
});

/** A quick passing config: amd64 only, no integration tests, the advisory allowlisted. */
const ALLOW = [{ id: ADVISORY.id, until: '2099-12-31', reason: 'test <script>alert(1)</script>' }];
const quick = (extra: { minimum?: number } = {}) => a.configWith({ minimum: extra.minimum ?? 50, platforms: ['amd64'], integration: null, allow: ALLOW });

async function release(client: Client, taskQueue: string, tag: string, commit: string): Promise<ReleaseResult> {
  a.repo.tag(tag, { at: commit, annotated: true });
  return (await startRelease(client, { project: a.project, tag, commit, taskQueue })).handle.result();
}

async function refused(client: Client, taskQueue: string, tag: string, commit: string): Promise<{ type?: string; message: string }> {
  a.repo.tag(tag, { at: commit, annotated: true });
  return releaseFailure((await startRelease(client, { project: a.project, tag, commit, taskQueue })).handle.result());
}

test('a commit without a passing, unexpired QA record of its own is refused before anything is pushed', async () => {
  const registry = new OciRegistryClient(a.registry.host);
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const noCi = a.repo.commit({ 'tagship.yml': quick(), 'NOTES': 'never built\n' }, 'no CI');
    const failing = a.repo.commit({ 'tagship.yml': quick({ minimum: 100 }) }, 'coverage 100');
    assert.ok((await a.runCi(client, taskQueue, failing)).failure, 'CI with a 100% floor passed');
    const passing = a.repo.commit({ 'tagship.yml': quick() }, 'passing');
    const good = await a.runCi(client, taskQueue, passing);
    assert.ok(good.record, good.failure?.message);
    // A passing commit whose AppManifest is not one (refused below); the next commits have the example's again.
    const brokenManifest = a.repo.commit({ 'tagship.yml': quick(), 'app/AppManifest.json': '{"manifestVersion": "v3", "name": "../x", "interfaces": [{"type": "grpc-interface", "config": {"src": "http://169.254.169.254/"}}]}' }, 'broken AppManifest');
    assert.ok((await a.runCi(client, taskQueue, brokenManifest)).record, 'CI of the broken AppManifest commit failed');
    a.repo.commit({ 'app/AppManifest.json': a.files['app/AppManifest.json']! }, 'the AppManifest back');
    const tagsBefore = (await registry.tags(a.image)).sort();

    const none = await refused(client, taskQueue, 'v0.1.0', noCi);
    assert.equal(none.type, 'QaRecordRefused');
    assert.match(none.message, new RegExp(`commit ${noCi} has no QA record; run \`tagship ci run ${noCi} -p ${a.project}\``));

    const failed = await refused(client, taskQueue, 'v0.2.0', failing);
    assert.equal(failed.type, 'QaRecordRefused');
    assert.match(failed.message, /shows failed gates: coverage \(line coverage [0-9.]+% is below the required 100%/);

    // A signed record copied under another commit's name: its signature holds, its place does not.
    const copied = a.repo.commit({ 'tagship.yml': quick(), 'NOTES': 'copied\n' }, 'copied record');
    const store = join(stateDir, 'qa', a.project);
    const signed = readFileSync(join(store, passing, 'record.json'), 'utf8');
    mkdirSync(join(store, copied), { recursive: true });
    writeFileSync(join(store, copied, 'record.json'), signed);
    const other = await refused(client, taskQueue, 'v0.3.0', copied);
    assert.equal(other.type, 'QaRecordRefused');
    assert.match(other.message, new RegExp(`the stored QA record of ${a.project} ${copied} \\(.*/qa/${a.project}/${copied}/record\\.json\\) is the signed record of ${a.project} ${passing}, moved; run \`tagship ci run ${copied} -p ${a.project} --again\``));

    // The passing record, edited where it is kept: a gate flipped, a digest swapped, the
    // expiry pushed out. Each keeps the signature and changes the bytes it signed.
    const envelope = JSON.parse(signed) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { subject: { digest: { sha256: string } }[]; predicate: QaRecord };
    const edits: Record<string, (st: typeof statement) => void> = {
      'a failed gate marked passed': (st) => void (st.predicate.gates.coverage = { passed: true, message: 'line coverage 100%' }),
      'another image digest': (st) => {
        st.predicate.images!.index = `sha256:${'e'.repeat(64)}`;
        st.subject[0]!.digest.sha256 = 'e'.repeat(64);
      },
      'a later expiry': (st) => void (st.predicate.expiresAt = '2099-01-01T00:00:00.000Z'),
    };
    for (const [i, [what, edit]] of Object.entries(edits).entries()) {
      const st = structuredClone(statement);
      edit(st);
      writeFileSync(join(store, passing, 'record.json'), JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(st)).toString('base64') }));
      const tampered = await refused(client, taskQueue, `v0.5.${i}`, passing);
      assert.equal(tampered.type, 'QaRecordRefused', what);
      assert.match(tampered.message, new RegExp(`nothing was pushed: the stored QA record of ${a.project} ${passing} \\(.*record\\.json\\) carries no valid signature by this orchestrator's key .*; run \`tagship ci run ${passing} -p ${a.project} --again\` to make and sign it anew`), what);
    }
    // Not even a signed envelope: a plain record someone wrote there.
    writeFileSync(join(store, passing, 'record.json'), JSON.stringify(good.record));
    assert.match((await refused(client, taskQueue, 'v0.6.0', passing)).message, /record\.json\) is not a signed envelope \(DSSE\)/);

    // A passing commit whose AppManifest is not one: refused before anything is pushed, by path.
    const manifest = await refused(client, taskQueue, 'v0.7.0', brokenManifest);
    assert.equal(manifest.type, 'AppManifestInvalid');
    assert.match(manifest.message, /nothing was pushed: the AppManifest is not one Velocitas can deploy:\n {2}app\/AppManifest\.json \.name: must be the app's name/);
    assert.match(manifest.message, /\.interfaces\[0\]\.config\.src: must be a \.proto file in the repository: tagship fetches nothing a manifest names/);

    // The passing record, expired — signed as CI would sign it.
    await qaRecordsIn(stateDir).write({ ...good.record, expiresAt: '2020-01-01T00:00:00.000Z' });
    const expired = await refused(client, taskQueue, 'v0.4.0', passing);
    assert.match(expired.message, new RegExp(`the QA record of ${passing} expired on 2020-01-01`));

    assert.deepEqual((await registry.tags(a.image)).sort(), tagsBefore, 'a refused release pushed a tag');
    assert.ok(!tagsBefore.some((t) => /^0\./.test(t)));
  }, a.workerOpts());
});

test('releases tag the record\'s index by digest; pulls get the record\'s images; latest moves only to the highest stable version; version tags never move', async () => {
  const registry = new OciRegistryClient(a.registry.host);
  await withWorker(async ({ client, taskQueue, orchestrator, stateDir }) => {
    const ci = async (note: string, platforms?: string[]) => {
      const commit = a.repo.commit({ 'tagship.yml': platforms ? a.configWith({ minimum: 50, platforms, integration: null, allow: ALLOW }) : quick(), 'NOTES': `${note}\n` }, note);
      const r = await a.runCi(client, taskQueue, commit);
      assert.ok(r.record, r.failure?.message);
      return { commit, record: r.record };
    };
    const v100 = await ci('1.0.0', ['amd64', 'arm64']);
    const server = await startRepoServer({ root: join(stateDir, 'repo-server') });
    after(() => server.close());
    const r100 = await release(client, taskQueue, 'v1.0.0', v100.commit);
    assert.equal(r100.app?.digest, v100.record.images!.index);
    assert.equal(r100.app?.latest, 'moved');
    assert.deepEqual(r100.targets, []);
    const tagged = await registry.manifest(a.image, '1.0.0');
    assert.equal(tagged?.digest, v100.record.images!.index);
    // A real client, per platform: the image pulled by the version tag is the record's.
    for (const [arch, digest] of Object.entries(v100.record.images!.platforms)) {
      const ref = `${a.registry.host}/${a.image}:1.0.0`;
      const stream = await docker.pull(ref, { platform: `linux/${arch}` });
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
      const pulled = await docker.getImage(ref).inspect();
      assert.equal(pulled.Architecture, arch);
      const platformManifest = await registry.manifest(a.image, digest);
      assert.equal(platformManifest?.body.config?.digest, pulled.Id, `${arch}: the pulled image is not the record's`);
    }

    // The chart, pulled back and rendered by a real helm: version, appVersion and the digest.
    assert.equal(r100.app?.chart?.reference, `oci://${a.registry.host}/charts/hello-vehicle-app`);
    assert.equal(r100.app?.chart?.outcome, 'pushed');
    assert.equal(r100.app?.chart?.digest, (await registry.manifest('charts/hello-vehicle-app', '1.0.0'))?.digest, 'the chart digest is not the registry\'s');
    const helmHome = mkdtempSync(join(tmpdir(), 'tagship-helm-'));
    const helmEnv = { ...process.env, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, 'c'), HELM_CONFIG_HOME: join(helmHome, 'f'), HELM_DATA_HOME: join(helmHome, 'd') };
    execFileSync(HELM_BINARY, ['pull', r100.app.chart.reference, '--version', '1.0.0', '--plain-http', '--destination', helmHome], { env: helmEnv });
    const rendered = execFileSync(HELM_BINARY, ['template', 'demo', join(helmHome, 'hello-vehicle-app-1.0.0.tgz')], { env: helmEnv, encoding: 'utf8' });
    assert.ok(rendered.includes(`image: "${v100.record.images!.repository}@${v100.record.images!.index}"`), rendered);
    assert.match(rendered, /app\.kubernetes\.io\/version: "1\.0\.0"/);
    const shown = execFileSync(HELM_BINARY, ['show', 'chart', join(helmHome, 'hello-vehicle-app-1.0.0.tgz')], { env: helmEnv, encoding: 'utf8' });
    assert.match(shown, /^version: 1\.0\.0$/m);

    // The QA report, live beside the repositories at a stable URL per version.
    assert.equal(r100.app?.report.path, 'qa/1.0.0/');
    const page = await (await fetch(`${server.url}/${a.project}/qa/1.0.0/`)).text();
    for (const fact of [v100.commit, v100.record.images!.index, ...Object.values(v100.record.images!.platforms), `${r100.app.chart.reference} 1.0.0`, v100.record.run.workflowId]) assert.ok(page.includes(fact), `the report lacks ${fact}`);
    assert.match(page, /CVE-2099-0001<\/td><td>high<\/td><td>allowed until 2099-12-31: test &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.ok(!page.includes('<script>'), 'the report carries markup from the repository unescaped');
    const markdown = await (await fetch(`${server.url}/${a.project}/qa/1.0.0/report.md`)).text();
    assert.match(markdown, new RegExp(`\\| Line coverage \\| ${v100.record.coverage!.linePercent}% \\(`));
    for (const [arch, s] of Object.entries(v100.record.scan!)) {
      const sbom = Buffer.from(await (await fetch(`${server.url}/${a.project}/qa/1.0.0/${s.sbom.name}`)).arrayBuffer());
      assert.equal(createHash('sha256').update(sbom).digest('hex'), s.sbom.sha256, `${arch} SBOM served is not the record's`);
    }

    // Velocitas' deployment files beside the report: the commit's AppManifest, the desired state
    // of exactly the tagged index, and an envelope signed with the orchestrator's key over both.
    assert.deepEqual(r100.velocitas, { appName: 'HelloVehicleApp', desiredState: 'hellovehicleapp_manifest_1.0.0.json', files: ['AppManifest.json', 'hellovehicleapp_manifest_1.0.0.json', 'velocitas.intoto.json'] });
    const served = async (name: string) => Buffer.from(await (await fetch(`${server.url}/${a.project}/qa/1.0.0/${name}`)).arrayBuffer());
    assert.equal((await served('AppManifest.json')).toString(), a.files['app/AppManifest.json']);
    const state = JSON.parse((await served('hellovehicleapp_manifest_1.0.0.json')).toString()) as { name: string; source: string; type: string; requires: string[]; provides: string[] };
    assert.deepEqual(state, {
      name: 'HelloVehicleApp', source: `${v100.record.images!.repository}:1.0.0@${v100.record.images!.index}`, type: 'container',
      requires: ['vss-source-default:v4.0', 'data-broker-grpc:v1', 'vss-read-vehicle-speed:v4.0', 'mqtt:v5'], provides: ['hello-vehicle-app:1.0.0'],
    });
    const key = provenanceKey(stateDir);
    const opened = openEnvelope(JSON.parse((await served('velocitas.intoto.json')).toString()), { publicKey: createPublicKey(key.publicPem), keyid: key.keyid }, DSSE_PAYLOAD_TYPE);
    assert.ok('value' in opened, JSON.stringify(opened));
    const subjects = Object.fromEntries((opened.value as VelocitasStatement).subject.map((s) => [s.name, s.digest.sha256]));
    for (const f of ['AppManifest.json', 'hellovehicleapp_manifest_1.0.0.json']) assert.equal(subjects[f], createHash('sha256').update(await served(f)).digest('hex'), `${f} served is not what was signed`);
    assert.equal(subjects[`${v100.record.images!.repository}@index`], v100.record.images!.index.slice('sha256:'.length));
    assert.ok(page.includes('href="hellovehicleapp_manifest_1.0.0.json"'), 'the report does not link the desired state');
    // What a runtime does with it: pull the source it names (pinned by digest) and run that image.
    const pulledState = await docker.pull(state.source, { platform: 'linux/amd64' });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(pulledState, (err: Error | null) => (err ? reject(err) : resolve())));
    assert.equal((await docker.getImage(state.source).inspect()).Id, (await registry.manifest(a.image, v100.record.images!.platforms.amd64!))?.body.config?.digest);

    const v110 = await ci('1.1.0');
    assert.equal((await release(client, taskQueue, 'v1.1.0', v110.commit)).app?.latest, 'moved');
    const hotfix = await ci('1.0.1');
    const rHot = await release(client, taskQueue, 'v1.0.1', hotfix.commit);
    assert.equal(rHot.app?.latest, 'kept');
    assert.match(rHot.app.latestReason, /1\.1\.0 is higher than 1\.0\.1/);
    const rc = await ci('1.2.0-rc.1');
    const rRc = await release(client, taskQueue, 'v1.2.0-rc.1', rc.commit);
    assert.equal(rRc.app?.latest, 'kept');
    assert.equal((await registry.manifest(a.image, 'latest'))?.digest, v110.record.images!.index, 'latest is not on 1.1.0');
    for (const v of ['1.0.0', '1.1.0', '1.0.1', '1.2.0-rc.1']) assert.equal((await fetch(`${server.url}/${a.project}/qa/${v}/index.html`)).status, 200, `the report of ${v} is not served`);
    assert.equal((await registry.manifest(a.image, '1.2.0-rc.1'))?.digest, rc.record.images!.index);

    // Version tags are immutable: the same digest again is a no-op, another digest is refused.
    const env = new MockActivityEnvironment();
    const tag = (i: TagAppInput): Promise<TagAppResult> => env.run((x: TagAppInput): Promise<TagAppResult> => orchestrator.activities.tagAppVersion(x), i);
    const again: TagAppResult = await tag({ image: a.image, version: '1.0.0', index: v100.record.images!.index });
    assert.equal(again.version, 'unchanged');
    const conflict = await tag({ image: a.image, version: '1.0.0', index: v110.record.images!.index }).then(() => null, (e: { type?: string; message: string }) => e);
    assert.equal(conflict?.type, 'VersionTagConflict');
    assert.match(conflict.message, /already points at sha256:[0-9a-f]{64}, not sha256:/);
    assert.equal((await registry.manifest(a.image, '1.0.0'))?.digest, v100.record.images!.index, 'a refused tag moved');
    // Chart versions too: the same digest again is left as it is, another is refused.
    const chart = (i: ChartInput): Promise<ChartResult> => env.run((x: ChartInput): Promise<ChartResult> => orchestrator.activities.releaseChart(x), i);
    const chartInput = { source: { path: join(stateDir, 'sources', `${r100.source!.sha256}.tar`), sha256: r100.source!.sha256 }, path: 'chart', version: '1.0.0', repository: v100.record.images!.repository, digest: v100.record.images!.index };
    assert.equal((await chart(chartInput)).outcome, 'unchanged');
    const chartConflict = await chart({ ...chartInput, digest: v110.record.images!.index }).then(() => null, (e: { type?: string; message: string }) => e);
    assert.equal(chartConflict?.type, 'VersionTagConflict');
  }, a.workerOpts());
});
