// Small multi-arch images pushed straight into a registry through the distribution API, shaped
// as CI pushes them (<commit>-<arch> and the index <commit>): for retention tests and the bench.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { MediaType, type OciRegistryClient, type PlatformManifest } from '../../providers/oci/registry.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function blob(registryUrl: string, image: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const start = await fetch(`${registryUrl}/v2/${image}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get('location')!, registryUrl);
  location.searchParams.set('digest', sha(bytes));
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  assert.equal(put.status, 201, await put.text());
  return { digest: sha(bytes), size: bytes.length };
}

/** A small multi-arch image of `commit`, pushed as CI pushes one: <commit>-<arch> and the index <commit>. */
export async function commitImage(registryUrl: string, client: OciRegistryClient, image: string, commit: string): Promise<{ index: string; platforms: Record<string, string> }> {
  const platforms: PlatformManifest[] = [];
  for (const arch of ['amd64', 'arm64']) {
    const layer = await blob(registryUrl, image, randomBytes(64));
    const config = await blob(registryUrl, image, Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: { Labels: { 'org.opencontainers.image.revision': commit } } })));
    const m = await client.putManifest(image, `${commit}-${arch}`, MediaType.dockerManifest, {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...layer }],
    });
    platforms.push({ ...m, platform: { architecture: arch, os: 'linux' } });
  }
  const index = await client.putIndex(image, commit, platforms);
  return { index: index.digest, platforms: Object.fromEntries(platforms.map((p) => [p.platform.architecture, p.digest])) };
}

