// The filesystem artifact store: verified on the way in, never half-written, write-once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { ArtifactSealedError, ChecksumMismatchError, UploadIncompleteError, type TargetManifest } from '../../ports/artifacts.ts';

const key = { project: 'p', version: '1.0.0', target: 't' };
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const at = '2026-01-01T00:00:00Z';

test('a corrupted artifact is refused and leaves no file behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tagship-store-'));
  const store = new FsArtifactStore(root);
  const good = Buffer.from('the real package');
  const corrupted = Buffer.from('the real packagf');
  await assert.rejects(store.put(key, 'pkg.deb', Readable.from([corrupted]), sha(good), at, 'm1'), (e: unknown) => e instanceof ChecksumMismatchError && e.actual === sha(corrupted));
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory());
  assert.deepEqual(files, [], 'neither the file nor a partial one');
});

test('uploads are staged until their manifest is committed; the same set again changes nothing', async () => {
  const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'tagship-store-')));
  const content = Buffer.from('x'.repeat(10_000));
  const a = await store.put(key, 'a.bin', Readable.from([content]), sha(content), at, 'm1');
  const b = await store.put(key, 'a.bin', Readable.from([content]), sha(content), at, 'm1');
  assert.deepEqual(a, b);
  assert.equal(a.size, 10_000);
  assert.ok(!existsSync(store.pathOf(key, 'a.bin')), 'not an artifact before its manifest');
  assert.equal(await store.readManifest(key), null);
  const manifest: TargetManifest = { ...key, artifacts: [a], sourceSha256: sha('source') };
  assert.deepEqual(await store.commit(manifest, 'm1'), { manifest, outcome: 'stored' });
  assert.deepEqual(await store.readManifest(key), manifest);
  assert.equal(readFileSync(store.pathOf(key, 'a.bin'), 'utf8'), content.toString());
  // Another session with the very same bytes: idempotent.
  await store.put(key, 'a.bin', Readable.from([content]), sha(content), at, 'm2');
  assert.deepEqual(await store.commit(manifest, 'm2'), { manifest, outcome: 'unchanged' });
});

test('stored artifacts are never replaced by other bytes; a rebuild of the same source gets the first build; a corrupt set is repaired', async () => {
  const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'tagship-store-')));
  const upload = async (session: string, body: string, source: string): Promise<TargetManifest> => {
    const e = await store.put(key, 'pkg.deb', Readable.from([Buffer.from(body)]), sha(body), at, session);
    return { ...key, artifacts: [e], sourceSha256: sha(source) };
  };
  const first = await upload('m1', 'first build', 'A');
  await store.commit(first, 'm1');

  // Another source, other bytes: refused, nothing changes.
  const other = await upload('m2', 'trojan', 'B');
  await assert.rejects(store.commit(other, 'm2'), (e: unknown) => e instanceof ArtifactSealedError && e.differing.join() === 'pkg.deb' && /never replaced/.test(e.message));
  assert.equal(readFileSync(store.pathOf(key, 'pkg.deb'), 'utf8'), 'first build');
  assert.deepEqual(await store.readManifest(key), first);

  // The same source rebuilt with other bytes (a timestamp inside): the first build stands.
  const rebuilt = await upload('m3', 'second build', 'A');
  assert.deepEqual(await store.commit(rebuilt, 'm3'), { manifest: first, outcome: 'kept' });
  assert.equal(readFileSync(store.pathOf(key, 'pkg.deb'), 'utf8'), 'first build');

  // A manifest naming a file its session never uploaded, or with other bytes.
  await assert.rejects(store.commit({ ...first, artifacts: [{ ...first.artifacts[0]!, name: 'other.deb' }] }, 'm4'), UploadIncompleteError);

  // Changed on disk behind the store's back: no longer an artifact, so a rebuild replaces it.
  writeFileSync(store.pathOf(key, 'pkg.deb'), 'tampered');
  const repair = await upload('m5', 'repaired build', 'A');
  assert.deepEqual(await store.commit(repair, 'm5'), { manifest: repair, outcome: 'repaired' });
  assert.equal(readFileSync(store.pathOf(key, 'pkg.deb'), 'utf8'), 'repaired build');
  assert.deepEqual(readdirSync(join(store.pathOf(key, 'pkg.deb'), '..', '.uploads')), [], 'committed and refused sessions leave nothing staged');
});
