// The embedded OCI registry (Debian's docker-registry on loopback) with the real Docker engine as
// its client: push, look up by tag, the digest both sides agree on, delete by digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { startOciRegistry } from '../../embedded/oci-registry.ts';

const run = promisify(execFile);
const MANIFESTS = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

test('an image pushed by the Docker engine is found by tag and digest, and deleted by digest', async () => {
  const registry = await startOciRegistry();
  const work = mkdtempSync(join(tmpdir(), 'tagship-img-'));
  writeFileSync(join(work, 'payload'), randomBytes(64));
  await run('tar', ['-cf', join(work, 'rootfs.tar'), '-C', work, 'payload']);
  const tag = `c${randomBytes(6).toString('hex')}`;
  const ref = `${registry.host}/tagship-test/tiny:${tag}`;
  try {
    await run('docker', ['import', join(work, 'rootfs.tar'), ref]);
    await run('docker', ['push', '-q', ref]);
    const tags = (await (await fetch(`${registry.url}/v2/tagship-test/tiny/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, [tag]);

    const head = await fetch(`${registry.url}/v2/tagship-test/tiny/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFESTS } });
    assert.equal(head.status, 200);
    const digest = head.headers.get('docker-content-digest') ?? '';
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
    assert.deepEqual(JSON.parse(stdout), [`${registry.host}/tagship-test/tiny@${digest}`], 'the engine and the registry agree on the digest');

    const del = await fetch(`${registry.url}/v2/tagship-test/tiny/manifests/${digest}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    const gone = await fetch(`${registry.url}/v2/tagship-test/tiny/manifests/${digest}`, { method: 'HEAD', headers: { accept: MANIFESTS } });
    assert.equal(gone.status, 404);
  } finally {
    await run('docker', ['image', 'rm', '-f', ref]).catch(() => undefined);
    await registry.close();
  }
  assert.equal(await fetch(`${registry.url}/v2/`).then(() => 'answered', () => 'closed'), 'closed', 'close() stops it');
});
