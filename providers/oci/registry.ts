// A client of the OCI distribution API for what tagship does with images: ask what a tag or
// digest holds, write a multi-arch index, list tags, delete by digest. Only manifests travel
// here; layers are pushed by the Docker engine that built them. Plain HTTP is for registries on
// loopback (the tests and the demo); anywhere else the URL is https.
import { createHash } from 'node:crypto';

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const ACCEPT = Object.values(MediaType).join(', ');

export interface ManifestRef {
  digest: string;
  mediaType: string;
  size: number;
}

export interface PlatformManifest extends ManifestRef {
  platform: { architecture: string; os: string };
}

export interface Manifest extends ManifestRef {
  /** The parsed manifest or index. */
  body: { mediaType?: string; manifests?: PlatformManifest[]; config?: { digest: string }; layers?: unknown[] };
}

export class RegistryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A reference is a tag or a digest; both are checked so that nothing else reaches a URL. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
function reference(ref: string): string {
  if (!TAG.test(ref) && !DIGEST.test(ref)) throw new RegistryError(`not a tag or a digest: ${JSON.stringify(ref)}`);
  return ref;
}

export class OciRegistryClient {
  /** `host` as image references name it (127.0.0.1:5000, registry.example.org). */
  constructor(readonly host: string, private readonly opts: { authorization?: string } = {}) {}

  private url(repository: string, path: string): string {
    const scheme = /^(127\.|localhost[:/]|\[::1\])/.test(this.host) ? 'http' : 'https';
    return `${scheme}://${this.host}/v2/${repository}/${path}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.opts.authorization ? { authorization: this.opts.authorization } : {}), ...extra };
  }

  /** The manifest a tag or digest names, or null when the registry has none. */
  async manifest(repository: string, ref: string): Promise<Manifest | null> {
    const res = await fetch(this.url(repository, `manifests/${reference(ref)}`), { headers: this.headers({ accept: ACCEPT }) });
    if (res.status === 404) return null;
    if (!res.ok) throw new RegistryError(`GET ${repository}:${ref} answered ${res.status}: ${(await res.text()).slice(0, 300)}`, res.status);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw new RegistryError(`${repository}:${ref}: the registry says ${said} but the bytes hash to ${digest}`);
    if (DIGEST.test(ref) && ref !== digest) throw new RegistryError(`${repository}@${ref}: the registry returned other bytes (${digest})`);
    const body = JSON.parse(bytes.toString('utf8')) as Manifest['body'];
    return { digest, mediaType: body.mediaType ?? res.headers.get('content-type') ?? '', size: bytes.length, body };
  }

  /** A manifest's exact bytes and media type (to tag it elsewhere without changing its digest). */
  async manifestBytes(repository: string, ref: string): Promise<{ bytes: Buffer; mediaType: string; digest: string } | null> {
    const res = await fetch(this.url(repository, `manifests/${reference(ref)}`), { headers: this.headers({ accept: ACCEPT }) });
    if (res.status === 404) return null;
    if (!res.ok) throw new RegistryError(`GET ${repository}:${ref} answered ${res.status}`, res.status);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (DIGEST.test(ref) && ref !== digest) throw new RegistryError(`${repository}@${ref}: the registry returned other bytes (${digest})`);
    const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? res.headers.get('content-type') ?? '';
    return { bytes, mediaType, digest };
  }

  /** Writes a manifest (an index) under a tag; returns its digest. */
  async putManifest(repository: string, tag: string, mediaType: string, body: unknown): Promise<ManifestRef> {
    return this.putManifestBytes(repository, tag, mediaType, Buffer.from(JSON.stringify(body)));
  }

  /** Writes these exact manifest bytes under a tag. */
  async putManifestBytes(repository: string, tag: string, mediaType: string, bytes: Buffer): Promise<ManifestRef> {
    const res = await fetch(this.url(repository, `manifests/${reference(tag)}`), { method: 'PUT', headers: this.headers({ 'content-type': mediaType }), body: new Uint8Array(bytes) });
    if (!res.ok) throw new RegistryError(`PUT ${repository}:${tag} answered ${res.status}: ${(await res.text()).slice(0, 300)}`, res.status);
    return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, mediaType, size: bytes.length };
  }

  /** A multi-arch index of the given platform manifests, written under `tag`. */
  async putIndex(repository: string, tag: string, manifests: PlatformManifest[]): Promise<ManifestRef> {
    const oci = manifests.every((m) => m.mediaType === MediaType.ociManifest);
    const mediaType = oci ? MediaType.ociIndex : MediaType.dockerList;
    return this.putManifest(repository, tag, mediaType, { schemaVersion: 2, mediaType, manifests: manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: m.platform })) });
  }

  async tags(repository: string): Promise<string[]> {
    const res = await fetch(this.url(repository, 'tags/list'), { headers: this.headers() });
    if (res.status === 404) return [];
    if (!res.ok) throw new RegistryError(`tags of ${repository} answered ${res.status}`, res.status);
    return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
  }

  /** Deletes a manifest by digest; absent is fine. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    if (!DIGEST.test(digest)) throw new RegistryError(`deletes go by digest, not ${JSON.stringify(digest)}`);
    const res = await fetch(this.url(repository, `manifests/${digest}`), { method: 'DELETE', headers: this.headers() });
    if (!res.ok && res.status !== 404) throw new RegistryError(`DELETE ${repository}@${digest} answered ${res.status}`, res.status);
  }
}
