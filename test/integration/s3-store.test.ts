// The S3 artifact store against a real S3 server (SeaweedFS on loopback): verified on the way in,
// staged until committed, write-once across orchestrator hosts (two stores with caches of their
// own, one bucket), hostile names refused before any request, and a whole release through it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../embedded/s3-server.ts';
import { S3ArtifactStore } from '../../providers/artifacts-s3/store.ts';
import { ArtifactSealedError, ChecksumMismatchError, UploadIncompleteError, type TargetManifest } from '../../ports/artifacts.ts';
import { StoreNameError } from '../../core/store-names.ts';
import { startGateway } from '../../providers/gateway/server.ts';
import { mintEnrolment } from '../../providers/gateway/tokens.ts';
import { localSources } from '../../providers/sources/tars.ts';
import { createRetentionActivities } from '../../activities/retention.ts';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { startHookServer } from '../../client/hooks/server.ts';
import { StoreDeliveries } from '../../client/hooks/deliveries.ts';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { execFileSync } from 'node:child_process';
import { S3QaStore } from '../../providers/qa-s3/store.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const at = '2026-01-01T00:00:00Z';
let server: S3Server;
let raw: S3Client;

before(async () => {
  server = await startS3Server();
  raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
});
after(async () => {
  raw.destroy();
  await server.close();
});

/** A store as one orchestrator host sees the bucket: its own cache folder. */
const host = () => new S3ArtifactStore({ bucket: server.bucket, endpoint: server.endpoint, credentials: server.credentials, cacheDir: mkdtempSync(join(tmpdir(), 'tagship-s3-cache-')) });
const keysUnder = async (prefix: string) => ((await raw.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();

test('an upload that is not what the machine said is refused and stores nothing; staged files are artifacts only once committed', async () => {
  const store = host();
  const key = { project: `p${uniqueSuffix()}`, version: '1.0.0', target: 't' };
  const good = Buffer.from('the real package');
  await assert.rejects(store.put(key, 'pkg.deb', Readable.from([Buffer.from('the real packagf')]), sha(good), at, 'm1'), (e: unknown) => e instanceof ChecksumMismatchError);
  assert.deepEqual(await keysUnder(`${key.project}/`), [], 'nothing reached the bucket');

  const entry = await store.put(key, 'pkg.deb', Readable.from([good]), sha(good), at, 'm1');
  assert.equal(await store.readManifest(key), null);
  assert.equal(await store.localPath(key, 'pkg.deb'), null, 'not an artifact before its manifest');
  await assert.rejects(store.commit({ ...key, artifacts: [{ ...entry, name: 'other.deb' }] }, 'm1'), UploadIncompleteError);
  const manifest: TargetManifest = { ...key, artifacts: [entry], sourceSha256: sha('source') };
  assert.deepEqual(await store.commit(manifest, 'm1'), { manifest, outcome: 'stored' });
  assert.deepEqual(await keysUnder(`${key.project}/`), [`${key.project}/1.0.0/t/${sha(good)}/pkg.deb`, `${key.project}/1.0.0/t/manifest.json`], "the session's staging is gone");
  assert.equal(await store.hash(key, 'pkg.deb'), sha(good), 'the checksum the server verified');
  assert.equal(readFileSync((await store.localPath(key, 'pkg.deb'))!, 'utf8'), good.toString());
  // Another session with the very same bytes: idempotent.
  await store.put(key, 'pkg.deb', Readable.from([good]), sha(good), at, 'm2');
  assert.deepEqual(await store.commit(manifest, 'm2'), { manifest, outcome: 'unchanged' });
});

test('two orchestrator hosts committing one target with other bytes: the first set stands for both', async () => {
  const [a, b] = [host(), host()];
  const key = { project: `race${uniqueSuffix()}`, version: '2.0.0', target: 't' };
  const one = Buffer.from('built on host a');
  const two = Buffer.from('built on host b');
  const ea = await a.put(key, 'x.bin', Readable.from([one]), sha(one), at, 'ma');
  const eb = await b.put(key, 'x.bin', Readable.from([two]), sha(two), at, 'mb');
  const results = await Promise.allSettled([a.commit({ ...key, artifacts: [ea], sourceSha256: sha('s1') }, 'ma'), b.commit({ ...key, artifacts: [eb], sourceSha256: sha('s2') }, 'mb')]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(won.length, 1, 'exactly one commit stands');
  assert.ok(lost[0]!.reason instanceof ArtifactSealedError, String(lost[0]!.reason));
  const stood = (await a.readManifest(key))!;
  assert.equal(stood.artifacts[0]!.sha256, await b.hash(key, 'x.bin'), "the stored file is the manifest's");

  // A rebuild of the same source from another host is given the first build.
  const again = Buffer.from('rebuilt, other bytes');
  const e2 = await b.put(key, 'x.bin', Readable.from([again]), sha(again), at, 'mc');
  const kept = await b.commit({ ...key, artifacts: [e2], sourceSha256: stood.sourceSha256! }, 'mc');
  assert.equal(kept.outcome, 'kept');
  assert.deepEqual(kept.manifest, stood);

  // An object overwritten behind the store's back is no artifact any more: the set is repaired.
  await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${key.project}/2.0.0/t/${stood.artifacts[0]!.sha256}/x.bin`, Body: 'tampered' }));
  const e3 = await a.put(key, 'x.bin', Readable.from([one]), sha(one), at, 'md');
  assert.equal((await a.commit({ ...key, artifacts: [e3], sourceSha256: sha('s1') }, 'md')).outcome, 'repaired');
  assert.equal(readFileSync((await b.localPath(key, 'x.bin'))!, 'utf8'), one.toString(), "another host's cache follows the stored bytes");
});

test('hostile names never become keys: refused before any request', async () => {
  const store = host();
  const project = `names${uniqueSuffix()}`;
  for (const [key, name] of [
    [{ project, version: '1.0.0', target: '..' }, 'a'],
    [{ project: '../other', version: '1.0.0', target: 't' }, 'a'],
    [{ project, version: '1.0.0', target: 't' }, '../../../other/1.0.0/t/manifest.json'],
    [{ project, version: '1.0.0', target: 't' }, '.uploads'],
  ] as const) {
    await assert.rejects(store.put(key, name, Readable.from([Buffer.from('x')]), sha('x'), at, 'm1'), StoreNameError, `${JSON.stringify(key)} ${name}`);
  }
  await assert.rejects(store.put({ project, version: '1.0.0', target: 't' }, 'a', Readable.from([Buffer.from('x')]), sha('x'), at, '../m'), StoreNameError);
  assert.deepEqual(await keysUnder(''), (await keysUnder('')).filter((k) => !k.includes(project) && !k.includes('other/')), 'nothing written');
});

test('a release through the S3 store: artifacts, manifest and provenance in the bucket, none in the state folder', async () => {
  const name = `s3rel-${uniqueSuffix()}`;
  const dir = makeProject([`project: ${name}`, 'testGate: { command: "true" }', 'targets:', '  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo built > out/hello.txt"], artifacts: [out/*] }'].join('\n'), {});
  const store = host();
  await withWorker(async ({ client, taskQueue, stateDir, orchestrator }) => {
    const result = await (await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue })).handle.result();
    // A docker machine has no network: its bytes come through the gateway (droplets' do not: direct-uploads.test.ts).
    assert.equal(orchestrator.gateway.traffic.artifactBytesIn, 'built\n'.length);
    assert.equal(result.targets[0]!.manifest.artifacts[0]!.sha256, sha('built\n'));
    assert.deepEqual(await keysUnder(`${name}/`), [`${name}/1.0.0/.records/provenance.json`, `${name}/1.0.0/t/${sha('built\n')}/hello.txt`, `${name}/1.0.0/t/manifest.json`].concat((await keysUnder(`${name}/1.0.0/.records/`)).filter((k) => !k.endsWith('provenance.json'))).sort());
    assert.equal(result.provenance?.path, `s3://${server.bucket}/${name}/1.0.0/.records/provenance.json`);
    assert.ok(!existsSync(join(stateDir, 'artifacts', name)), "nothing in the host's artifact folder");
  }, { artifacts: store });
});

test('a packed source shared by one host is fetched, verified, by another; a tampered or missing one is not taken', async () => {
  const [packer, other] = [host(), host()];
  const dir = mkdtempSync(join(tmpdir(), 'tagship-s3-src-'));
  const bytes = Buffer.from(`source tarball ${uniqueSuffix()}`);
  const digest = sha(bytes);
  writeFileSync(join(dir, 'packed.tar'), bytes);
  await packer.shareSource(digest, join(dir, 'packed.tar'));
  await packer.shareSource(digest, join(dir, 'packed.tar')); // again: already there
  assert.equal(await other.fetchSource(digest, join(dir, 'got.tar')), true);
  assert.deepEqual(readFileSync(join(dir, 'got.tar')), bytes);
  // Shared under a digest its bytes do not have: the server refuses it.
  await assert.rejects(packer.shareSource(sha('something else'), join(dir, 'packed.tar')));
  // Replaced behind the store's back: the bytes no longer match their name, and are not kept.
  await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `.sources/${digest}.tar`, Body: Buffer.from('swapped') }));
  await assert.rejects(other.fetchSource(digest, join(dir, 'swapped.tar')), ChecksumMismatchError);
  assert.ok(!existsSync(join(dir, 'swapped.tar')), 'nothing written');
  assert.equal(await other.fetchSource(sha('never shared'), join(dir, 'none.tar')), false);
  await assert.rejects(other.fetchSource('../../etc/passwd', join(dir, 'x.tar')), /is not a sha256/);
});

test('an enrolment secret used at one host\'s gateway is refused at another\'s: the claim is in the shared store', async () => {
  const secret = 'e'.repeat(32);
  const gateway = (store: S3ArtifactStore) => startGateway({ store, sources: localSources(mkdtempSync(join(tmpdir(), 'tagship-s3-src-'))), token: secret, enrolmentLedger: join(mkdtempSync(join(tmpdir(), 'tagship-s3-ledger-')), 'enrolments-used') });
  const [a, b] = [await gateway(host()), await gateway(host())];
  try {
    const enrolment = mintEnrolment(secret, { project: 'p', version: '1.0.0', target: 't', machine: `m-${uniqueSuffix()}`, expiresAt: Date.now() + 600_000 });
    const enrol = (url: string) => fetch(`${url}/enrol`, { method: 'POST', headers: { authorization: `Enrol ${enrolment}` } });
    assert.equal((await enrol(a.url)).status, 200);
    const second = await enrol(b.url);
    assert.equal(second.status, 409, 'the other host knows it was used');
    assert.equal(((await second.json()) as { error: string }).error, 'EnrolmentUsed');
    assert.equal((await enrol(a.url)).status, 409);
  } finally {
    await a.close();
    await b.close();
  }
});

test('the purge sees sources shared by any host, as recently as any release used them, and removes them from the bucket too', async () => {
  const store = host();
  const dir = mkdtempSync(join(tmpdir(), 'tagship-s3-purge-'));
  const bytes = Buffer.from(`shared only ${uniqueSuffix()}`);
  const digest = sha(bytes);
  writeFileSync(join(dir, 'p.tar'), bytes);
  const before = new Date().toISOString();
  await store.shareSource(digest, join(dir, 'p.tar'));
  // This host's folder is empty: the source is another host's, shared.
  const retention = createRetentionActivities({ artifacts: store, sourcesDir: join(dir, 'sources') });
  const listed = (await retention.listSources()).find((s) => s.sha256 === digest);
  assert.ok(listed, 'listed from the bucket');
  assert.equal(listed.size, bytes.length);
  assert.ok(listed.modifiedAt >= before.slice(0, 19), `used at ${listed.modifiedAt}`);
  await retention.deleteSource(digest);
  assert.equal(await store.fetchSource(digest, join(dir, 'gone.tar')), false, 'removed from the bucket');
  assert.ok(!(await retention.listSources()).some((s) => s.sha256 === digest));
});

test('the purge removes enrolment claims whose secrets expired, in the bucket and in a host\'s folder; live claims stay', async () => {
  const fsRoot = mkdtempSync(join(tmpdir(), 'tagship-claims-'));
  for (const store of [host(), new FsArtifactStore(fsRoot)]) {
    const id = (n: string) => `${n}-${uniqueSuffix()}`;
    const [old, live] = [id('expired'), id('live')];
    assert.equal(await store.claimOnce('enrolments', old, Date.now() - 60_000), true);
    assert.equal(await store.claimOnce('enrolments', live, Date.now() + 600_000), true);
    const retention = createRetentionActivities({ artifacts: store, sourcesDir: join(fsRoot, 'sources') });
    const dry = await retention.pruneExpiredClaims({ now: Date.now(), dryRun: true });
    assert.ok(dry >= 1, 'a dry run counts the expired claim');
    assert.equal(await store.claimOnce('enrolments', old, Date.now() - 60_000), false, 'and removes nothing');
    assert.ok((await retention.pruneExpiredClaims({ now: Date.now(), dryRun: false })) >= 1);
    assert.equal(await store.claimOnce('enrolments', live, Date.now() + 600_000), false, 'a claim whose secret is still valid stays');
    // The expired claim is gone (its secret is refused by its expiry before any claim).
    assert.equal(await store.claimOnce('enrolments', old, Date.now() - 60_000), true);
  }
});

test('hook server replicas share their deliveries through the store: one replayed at another replica is answered without acting', async () => {
  let started = 0;
  const options = {
    projects: { p: { secret: 'replica-secret' } },
    startRelease: () => Promise.resolve({ workflowId: `release:p:v1.0.0`, existing: started++ > 0 }),
  };
  const [a, b] = [await startHookServer({ ...options, deliveries: new StoreDeliveries(host()) }), await startHookServer({ ...options, deliveries: new StoreDeliveries(host()) })];
  const push = (url: string, delivery: string) =>
    fetch(`${url}/hooks/gitlab/p`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': 'replica-secret', 'x-gitlab-event-uuid': delivery }, body: JSON.stringify({ object_kind: 'tag_push', ref: 'refs/tags/v1.0.0', after: 'c'.repeat(40) }) });
  try {
    const id = `d:${uniqueSuffix()}.1`;
    assert.equal((await push(a.url, id)).status, 201);
    const replayed = await push(b.url, id);
    assert.equal(replayed.status, 200);
    assert.equal(((await replayed.json()) as { replayed?: boolean }).replayed, true, 'the other replica knew the delivery');
    assert.equal(started, 1, 'nothing was started again');
    assert.equal((await push(b.url, `d:${uniqueSuffix()}.2`)).status, 200, 'a new delivery is acted on (the release exists already)');
    assert.equal(started, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

test('QA records in the bucket: what CI on one host wrote, a release on another reads; a record changed in the bucket is refused', async () => {
  const dirA = mkdtempSync(join(tmpdir(), 'tagship-qa-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'tagship-qa-b-'));
  const keyFile = join(dirA, 'provenance.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyFile]);
  const opts = (dir: string) => ({ bucket: server.bucket, endpoint: server.endpoint, credentials: server.credentials, cacheDir: join(dir, 'cache') });
  const a = qaRecordsIn(dirA, new S3QaStore(opts(dirA)), keyFile);
  const b = qaRecordsIn(dirB, new S3QaStore(opts(dirB)), keyFile);
  const commit = 'c'.repeat(40);
  const project = `qa-${uniqueSuffix()}`;
  await a.store.putFile(project, commit, 'sbom-amd64.json', Buffer.from('{"sbom":1}'));
  const record: QaRecord = {
    project, commit, ref: 'main', startedAt: '2026-11-01T10:00:00.000Z', finishedAt: '2026-11-01T10:05:00.000Z', expiresAt: '2027-01-30T10:05:00.000Z',
    run: { workflowId: `ci:${project}:${commit}`, runId: 'r1' },
    gates: { tests: { passed: true, message: 'ok' } },
  };
  await a.write(record);
  const read = await b.read(project, commit);
  assert.ok(read && 'record' in read, `host B reads host A's record: ${JSON.stringify(read)}`);
  assert.deepEqual(read.record, record);
  assert.equal(readFileSync(await b.store.localPath(project, commit, 'sbom-amd64.json'), 'utf8'), '{"sbom":1}', 'its SBOM too');
  assert.ok((await b.list()).records.some((r) => r.project === project));
  // Flipped in the bucket: refused, never believed.
  const envelope = (await b.store.readRecord(project, commit)) as { payload: string };
  await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `.qa/${project}/${commit}/record.json`, Body: JSON.stringify({ ...envelope, payload: Buffer.from(Buffer.from(envelope.payload, 'base64').toString().replace('"passed":true', '"passed":false')).toString('base64') }) }));
  const flipped = await b.read(project, commit);
  assert.ok(flipped && 'problem' in flipped && /s3:\/\//.test(flipped.problem), `refused, naming where it is: ${JSON.stringify(flipped)}`);
  assert.throws(() => b.store.describe('../x', commit), StoreNameError);
  await b.store.remove(project, commit);
  assert.equal(await a.read(project, commit), null);
});
