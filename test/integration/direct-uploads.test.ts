// Artifacts straight into the S3 store (issue 26): a droplet's agent asks the gateway for a
// presigned PUT of exactly its bytes and sends them to the store, so the orchestrator host is off
// the data path. A hostile machine still writes nothing but its own target's bytes: the gateway
// refuses another target or a bad name before presigning, and the store refuses other bytes,
// another length or another key under the signature.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../embedded/s3-server.ts';
import { S3ArtifactStore } from '../../providers/artifacts-s3/store.ts';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { startGateway } from '../../providers/gateway/server.ts';
import { mintMachineToken } from '../../providers/gateway/tokens.ts';
import { localSources } from '../../providers/sources/tars.ts';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { startRelease } from '../../client/release.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let server: S3Server;
before(async () => {
  server = await startS3Server();
});
after(async () => {
  await server.close();
});
const store = () => new S3ArtifactStore({ bucket: server.bucket, endpoint: server.endpoint, credentials: server.credentials, cacheDir: mkdtempSync(join(tmpdir(), 'tagship-direct-cache-')) });
const keysUnder = async (prefix: string) => {
  const raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
  try {
    return ((await raw.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    raw.destroy();
  }
};

test('a release on droplets with the S3 store: the source and every artifact go straight between the bucket and the droplet, none through the gateway', async () => {
  const em = await startEmulator();
  const name = `direct-${uniqueSuffix()}`;
  const build = 'mkdir -p out && head -c 300000 /dev/urandom > out/blob.bin && echo "$TAGSHIP_TARGET" > out/result.txt';
  const t = (n: string) => `  - { name: ${n}, arch: amd64, os: generic, machine: { size: s-1vcpu-1gb }, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`;
  try {
    await withWorker(
      async ({ client, taskQueue, orchestrator }) => {
        const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${t('a')}${t('b')}`), taskQueue });
        const result = await handle.result();
        let bytes = 0;
        for (const x of result.targets) {
          assert.deepEqual(x.manifest.artifacts.map((a) => a.name).sort(), ['blob.bin', 'result.txt']);
          bytes += x.manifest.artifacts.reduce((n, a) => n + a.size, 0);
          const keys = await keysUnder(`${name}/1.0.0/${x.target}/`);
          assert.deepEqual(keys, [...x.manifest.artifacts.map((a) => `${name}/1.0.0/${x.target}/${a.sha256}/${a.name}`), `${name}/1.0.0/${x.target}/manifest.json`].sort(), 'stored under their digests; the sessions are gone');
        }
        assert.ok(bytes > 600_000);
        assert.equal(orchestrator.gateway.traffic.artifactBytesIn, 0, `${bytes} bytes of artifacts, none through the orchestrator host`);
        assert.equal(orchestrator.gateway.traffic.sourceBytesOut, 0, 'the source came from the store too');
      },
      { provider: emulatorProvider(em), artifacts: store() },
    );
  } finally {
    await em.close();
  }
});

test('presigned uploads: only the machine\'s own target, only the announced bytes, only that key', async () => {
  const secret = 's'.repeat(32);
  const project = `hostile${uniqueSuffix()}`;
  const gateway = await startGateway({ store: store(), sources: localSources(mkdtempSync(join(tmpdir(), 'tagship-direct-src-'))), token: secret });
  const plain = await startGateway({ store: new FsArtifactStore(mkdtempSync(join(tmpdir(), 'tagship-direct-fs-'))), sources: localSources(mkdtempSync(join(tmpdir(), 'tagship-direct-src-'))), token: secret });
  const token = mintMachineToken(secret, { project, version: '1.0.0', target: 't', machine: 'm1', expiresAt: Date.now() + 600_000 });
  const body = Buffer.from('the real package bytes');
  const announce = (url: string, path: string, h: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-tagship-sha256': sha(body), 'x-tagship-size': String(body.length), 'x-tagship-created-at': '2026-12-07T00:00:00Z', ...h } });
  try {
    // Refused before anything is signed.
    assert.equal((await announce(gateway.url, `/uploads/${project}/1.0.0/other/pkg.deb`)).status, 403, 'another target');
    assert.equal((await announce(gateway.url, `/uploads/${project}/1.0.0/t/..%2F..%2Fother%2Fpkg.deb`)).status, 400, 'a name that climbs');
    assert.equal((await announce(gateway.url, `/uploads/${project}/1.0.0/t/pkg.deb`, { 'x-tagship-size': '-1' })).status, 400, 'a size that is none');
    assert.equal((await fetch(`${gateway.url}/uploads/${project}/1.0.0/t/pkg.deb`, { method: 'POST' })).status, 401, 'no token');
    const fs = await announce(plain.url, `/uploads/${project}/1.0.0/t/pkg.deb`);
    assert.deepEqual([fs.status, ((await fs.json()) as { error: string }).error], [404, 'NoDirectUploads'], 'a store without presigning says so');

    const res = await announce(gateway.url, `/uploads/${project}/1.0.0/t/pkg.deb`);
    assert.equal(res.status, 200);
    const direct = (await res.json()) as { url: string; headers: Record<string, string>; entry: { name: string; sha256: string; size: number } };
    assert.match(direct.url, new RegExp(`/${project}/1\\.0\\.0/t/\\.uploads/m1/pkg\\.deb\\?`), "in the machine's own upload session");
    const put = (b: Buffer, url = direct.url, headers = direct.headers) => fetch(url, { method: 'PUT', headers: { ...headers, 'content-length': String(b.length) }, body: new Uint8Array(b) }).then((r) => r.status);
    assert.equal(await put(Buffer.from('the fake package bytes')), 400, 'other bytes of the same length: the store\'s digest check');
    assert.equal(await put(Buffer.concat([body, Buffer.from('+more')])), 403, 'another length: the signature');
    assert.equal(await put(body, direct.url.replace('/t/.uploads/m1/pkg.deb', '/other/.uploads/m1/pkg.deb')), 403, 'another key: the signature');
    assert.equal(await put(body, direct.url, { 'content-length': String(body.length) }), 403, 'without the signed digest header');
    // The manifest is still committed through the gateway, which checks what the session holds:
    // none of those was staged.
    const commit = (artifacts: unknown[]) => fetch(`${gateway.url}/manifests/${project}/1.0.0/t`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ project, version: '1.0.0', target: 't', artifacts }) });
    const early = await commit([{ ...direct.entry, createdAt: '2026-12-07T00:00:00Z' }]);
    assert.equal(early.status, 422);
    assert.match(((await early.json()) as { message: string }).message, /was not uploaded in this session/);
    assert.equal(await put(body), 200);
    assert.equal((await commit([{ ...direct.entry, sha256: sha('something else') }])).status, 422, 'a manifest naming other bytes than were staged');
    assert.equal((await commit([{ ...direct.entry, createdAt: '2026-12-07T00:00:00Z' }])).status, 201);
    assert.deepEqual(await keysUnder(`${project}/`), [`${project}/1.0.0/t/${sha(body)}/pkg.deb`, `${project}/1.0.0/t/manifest.json`]);
    assert.equal(gateway.traffic.artifactBytesIn, 0);
  } finally {
    await gateway.close();
    await plain.close();
  }
});
