// A build machine sends hostile paths and bytes to the artifact gateway: nothing leaves the
// store, and later steps use a file only if it still hashes to what the workflow recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { request } from 'node:http';
import { pino } from 'pino';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { startGateway } from '../../providers/gateway/server.ts';
import { mintMachineToken } from '../../providers/gateway/tokens.ts';
import { StoreNameError } from '../../core/store-names.ts';
import { verifiedArtifacts } from '../../activities/verified-artifacts.ts';
import { digestTree } from '../helpers/files.ts';
import { localSources } from '../../providers/sources/tars.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');


test('hostile names through the gateway change nothing outside the store', async () => {
  // A state folder shaped like the real one, beside an "orchestrator source tree".
  const top = mkdtempSync(join(tmpdir(), 'tagship-attack-'));
  const state = join(top, 'state');
  mkdirSync(join(top, 'workers'), { recursive: true });
  writeFileSync(join(top, 'workers', 'orchestrator.ts'), 'the orchestrator\n');
  mkdirSync(join(state, 'sources'), { recursive: true });
  writeFileSync(join(state, 'agent-token'), 'secret-token\n');
  const store = new FsArtifactStore(join(state, 'artifacts'));
  const refusals: unknown[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void refusals.push(JSON.parse(line)) });
  const secret = 's'.repeat(32);
  const gateway = await startGateway({ store, sources: localSources(join(state, 'sources')), token: secret, log });
  const scope = { project: 'p', version: '1.0.0', target: 't', machine: 'tagship-p-1.0.0-t-m1', expiresAt: Date.now() + 600_000 };
  const token = mintMachineToken(secret, scope);
  // node:http sends the path byte for byte; fetch would resolve "%2e%2e" segments itself.
  const put = (path: string, body: string, digest = sha(body), bearer = token) =>
    new Promise<{ status: number; json: () => Promise<unknown> }>((resolve, reject) => {
      const req = request(`${gateway.url}/`, { method: 'PUT', path, headers: { authorization: `Bearer ${bearer}`, 'x-tagship-sha256': digest, 'x-tagship-created-at': '2026-11-25T00:00:00Z', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => Promise.resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const first = await put('/artifacts/p/1.0.0/t/pkg.deb', 'the real package');
    assert.equal(first.status, 201);
    const before = digestTree(top);

    const evil = 'console.log("pwned")';
    const paths = [
      '/artifacts/%2e%2e/%2e%2e/workers/evil.ts',
      '/artifacts/p/1.0.0/t/%2e%2e',
      '/artifacts/p/1.0.0/t/..%2F..%2F..%2Fworkers%2Fevil.ts',
      '/artifacts/p/1.0.0/t/%2Fetc%2Fpasswd',
      '/artifacts/p/1.0.0/t/%2e',
      '/artifacts/p/1.0.0/t/.manifest.json',
      '/artifacts/p/1.0.0/t/x%00.deb',
      '/artifacts/p/1.0.0/t/%252e%252e',
      '/artifacts/p/%2e%2e/t/x.deb',
      '/artifacts/p/1.0.0/..%5C..%5Cx/x.deb',
      '/artifacts/P/1.0.0/t/x.deb',
    ];
    for (const path of paths) {
      const res = await put(path, evil);
      assert.equal(res.status, 400, path);
      assert.equal(((await res.json()) as { error: string }).error, 'BadName', path);
    }
    assert.equal((await put('/artifacts/p/1.0.0/t/%zz', evil)).status, 400, 'malformed encoding');

    // A machine's token writes only its own project, version and target; a forged, expired or
    // bare secret token writes nothing.
    for (const path of ['/artifacts/other/1.0.0/t/x.deb', '/artifacts/p/1.0.1/t/x.deb', '/artifacts/p/1.0.0/u/x.deb']) {
      const res = await put(path, evil);
      assert.equal(res.status, 403, path);
      assert.match(((await res.json()) as { message: string }).message, /may store artifacts of p 1\.0\.0 t only/);
    }
    const forged = token.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...scope, project: 'other' })).toString('base64url')}.`);
    const otherSecret = mintMachineToken('another secret', { ...scope, project: 'other' });
    const expired = mintMachineToken(secret, { ...scope, expiresAt: Date.now() - 1 });
    for (const bearer of [forged, otherSecret, expired, secret, '']) {
      assert.equal((await put('/artifacts/other/1.0.0/t/x.deb', evil, sha(evil), bearer)).status, 401, bearer.slice(0, 30));
    }
    assert.ok(refusals.some((r) => (r as { msg?: string }).msg === "artifact upload refused: outside the machine's scope"), 'out-of-scope uploads were logged');

    const manifest = (artifacts: unknown[]) =>
      fetch(`${gateway.url}/manifests/p/1.0.0/t`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ project: 'p', version: '1.0.0', target: 't', artifacts }) });
    const badManifest = await manifest([{ name: '../../x.deb', size: 1, sha256: sha('x'), createdAt: '' }]);
    assert.equal(badManifest.status, 400);
    assert.match(((await badManifest.json()) as { message: string }).message, /manifest entry: artifact "\.\.\/\.\.\/x\.deb" is not allowed/);
    assert.equal((await manifest([{ name: '/etc/shadow', size: 1, sha256: sha('x'), createdAt: '' }])).status, 400);
    // A kind is one a build produces and fits the name; the facts are the gateway's own reading.
    const real = { name: 'pkg.deb', size: 16, sha256: sha('the real package'), createdAt: '' };
    for (const [kind, why] of [['provenance', /has kind "provenance", which no build produces/], ['../../etc', /which no build produces/], ['crate', /is declared kind crate in tagship\.yml, but a crate is <crate>-<version>\.crate/]] as const) {
      const refused = await manifest([{ ...real, kind }]);
      assert.equal(refused.status, 400, kind);
      assert.match(((await refused.json()) as { message: string }).message, why);
    }

    // The same bytes again are a success (a retried upload).
    assert.equal((await put('/artifacts/p/1.0.0/t/pkg.deb', 'the real package')).status, 201, 'idempotent');

    assert.deepEqual(digestTree(top), before, 'not one file changed or appeared anywhere');
    // Forged facts are replaced by what the name says.
    const committed = (await (await manifest([{ ...real, kind: 'deb', facts: { package: 'openssl', version: '99', arch: 'all' } }])).json()) as { manifest: { artifacts: { kind: string; facts: object }[] } };
    assert.deepEqual(committed.manifest.artifacts.map((a) => [a.kind, a.facts]), [['deb', {}]]);
    assert.ok(refusals.some((r) => (r as { msg?: string }).msg === 'artifact upload refused: bad name'), 'bad names were logged');
  } finally {
    await gateway.close();
  }
});

test('the store itself refuses paths outside it, whatever the caller', async () => {
  const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'tagship-store-')));
  const key = { project: 'p', version: '1.0.0', target: 't' };
  assert.throws(() => store.pathOf(key, '../../x'), StoreNameError);
  assert.throws(() => store.pathOf({ ...key, version: '..' }, 'x'), StoreNameError);
  await assert.rejects(store.put({ ...key, target: '../..' }, 'x', Readable.from(['x']), sha('x'), '', 'm'), StoreNameError);
  await assert.rejects(store.put(key, 'x', Readable.from(['x']), sha('x'), '', '../../m'), StoreNameError);
  await assert.rejects(store.commit({ ...key, artifacts: [{ name: '../x', size: 1, sha256: sha('x'), createdAt: '' }] }, 'm'), StoreNameError);
  await assert.rejects(store.remove({ ...key, project: '..' }), StoreNameError);
});

test('later steps use an artifact only if it still hashes to what the workflow recorded', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tagship-store-'));
  const store = new FsArtifactStore(root);
  const key = { project: 'p', version: '1.0.0', target: 't' };
  const entry = await store.put(key, 'hello-core-1.0.0.crate', Readable.from([Buffer.from('crate bytes')]), sha('crate bytes'), '', 'm');
  await store.commit({ ...key, artifacts: [entry] }, 'm');
  const expected = { t: { [entry.name]: entry.sha256 } };
  const ok = await verifiedArtifacts(store, { ...key, targets: ['t'], expected });
  assert.deepEqual(ok.map((f) => [f.name, f.sha256]), [[entry.name, sha('crate bytes')]]);

  // A manifest rewritten on disk to claim other bytes changes nothing: the workflow's map decides.
  writeFileSync(join(root, 'p', '1.0.0', 't', 'manifest.json'), JSON.stringify({ ...key, artifacts: [{ ...entry, sha256: sha('other') }] }));
  assert.equal((await verifiedArtifacts(store, { ...key, targets: ['t'], expected })).length, 1);

  // The file changed on disk after the build: refused, naming the file and both digests.
  const path = store.pathOf(key, entry.name);
  writeFileSync(path, 'tampered');
  assert.ok(statSync(path).size > 0);
  await assert.rejects(verifiedArtifacts(store, { ...key, targets: ['t'], expected }), (err: Error & { type?: string; nonRetryable?: boolean }) => {
    assert.equal(err.type, 'ChecksumMismatch');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, new RegExp(`artifact hello-core-1\\.0\\.0\\.crate of target t now has sha256 ${sha('tampered')}, but was built with sha256 ${sha('crate bytes')}`));
    return true;
  });
});
