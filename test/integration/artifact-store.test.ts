// The filesystem artifact store: verified on the way in, never half-written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { ChecksumMismatchError } from '../../ports/artifacts.ts';

const key = { project: 'p', version: '1.0.0', target: 't' };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a corrupted artifact is refused and leaves no file behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tagship-store-'));
  const store = new FsArtifactStore(root);
  const good = Buffer.from('the real package');
  const corrupted = Buffer.from('the real packagf');
  await assert.rejects(store.put(key, 'pkg.deb', Readable.from([corrupted]), sha(good), '2026-01-01T00:00:00Z'), (e: unknown) => e instanceof ChecksumMismatchError && e.actual === sha(corrupted));
  assert.deepEqual(readdirSync(join(root, 'p', '1.0.0', 't')), [], 'neither the file nor a partial one');
});

test('storing the same content twice gives the same entry; manifests round-trip', async () => {
  const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'tagship-store-')));
  const content = Buffer.from('x'.repeat(10_000));
  const a = await store.put(key, 'a.bin', Readable.from([content]), sha(content), '2026-01-01T00:00:00Z');
  const b = await store.put(key, 'a.bin', Readable.from([content]), sha(content), '2026-01-01T00:00:00Z');
  assert.deepEqual(a, b);
  assert.equal(a.size, 10_000);
  assert.ok(existsSync(store.pathOf(key, 'a.bin')));
  assert.equal(await store.readManifest(key), null);
  await store.writeManifest({ ...key, artifacts: [a] });
  assert.deepEqual(await store.readManifest(key), { ...key, artifacts: [a] });
});
