// S3 artifact store: the filesystem store's layout as object keys in one bucket —
// <project>/<version>/<target>/manifest.json, each artifact at <target>/<sha256>/<file>, step
// records in <project>/<version>/.records/<name>.json, uploads staged in <target>/.uploads/<session>/.
// An artifact's key holds its digest, so no commit ever overwrites another's bytes: two hosts
// committing different builds of one target at once each copy to their own keys, and only the
// manifest decides which set is the target's.
// Any orchestrator host with the bucket's credentials sees the same store: no step depends on
// a folder of one host (issue 26). What S3 itself guarantees is used rather than imitated: every
// object is uploaded with its SHA-256 (x-amz-checksum-sha256), which the server verifies before
// storing and returns on HEAD; the first manifest of a target is written with If-None-Match: *,
// so two orchestrators committing at once cannot both win. Every name is checked
// (core/store-names.ts) before it becomes part of a key.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkStoreNames, storeNameProblem } from '../../core/store-names.ts';
import { sha256OrNull, writeHashed } from '../files/sha256.ts';
import { ArtifactSealedError, CLAIM_ID, ChecksumMismatchError, UploadIncompleteError, type Ledger, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type CommitOutcome, type DirectUpload, type RecordName, type ReleaseKey, type TargetManifest } from '../../ports/artifacts.ts';
import { differing } from '../artifacts-fs/store.ts';

export interface S3StoreOptions {
  bucket: string;
  /** The S3 endpoint (a self-hosted server); AWS's own when unset. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (bucket in the path), which self-hosted servers expect. */
  forcePathStyle?: boolean;
  /** Credentials; the SDK's default chain (AWS_ACCESS_KEY_ID, …) when unset. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** This host's cache of objects read back as files (publishers and signers want files). */
  cacheDir: string;
}

/** How long a presigned upload stays usable: the transfer of one artifact, with room for a
 *  slow link; a machine asks again for each attempt. */
const DIRECT_UPLOAD_SECONDS = 15 * 60;

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export class S3ArtifactStore implements ArtifactStore {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly cacheDir: string;

  constructor(opts: S3StoreOptions) {
    const config: S3ClientConfig = { region: opts.region ?? 'us-east-1', forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined };
    if (opts.endpoint) config.endpoint = opts.endpoint;
    if (opts.credentials) config.credentials = opts.credentials;
    this.s3 = new S3Client(config);
    this.bucket = opts.bucket;
    this.cacheDir = opts.cacheDir;
  }

  private targetPrefix(key: ArtifactKey): string {
    checkStoreNames({ project: key.project, version: key.version, target: key.target });
    return `${key.project}/${key.version}/${key.target}/`;
  }

  private objectKey(key: ArtifactKey, entry: { name: string; sha256: string }): string {
    checkStoreNames({ artifact: entry.name });
    if (!/^[0-9a-f]{64}$/.test(entry.sha256)) throw new Error(`${entry.name}: ${JSON.stringify(entry.sha256)} is not a sha256`);
    return `${this.targetPrefix(key)}${entry.sha256}/${entry.name}`;
  }

  /** Where the target's manifest says an artifact is; null when it names none. */
  private async storedKey(key: ArtifactKey, name: string): Promise<string | null> {
    checkStoreNames({ artifact: name });
    const entry = (await this.readManifest(key))?.artifacts.find((a) => a.name === name);
    return entry ? this.objectKey(key, entry) : null;
  }

  private uploadPrefix(key: ArtifactKey, upload: string): string {
    checkStoreNames({ upload });
    return `${this.targetPrefix(key)}.uploads/${upload}/`;
  }

  private recordKey(key: ReleaseKey, name: RecordName): string {
    checkStoreNames({ project: key.project, version: key.version, record: name });
    return `${key.project}/${key.version}/.records/${name}.json`;
  }

  /** The SHA-256 the server verified when the object was stored; null when there is none. */
  private async checksum(objectKey: string): Promise<string | null> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey, ChecksumMode: 'ENABLED' }));
      return head.ChecksumSHA256 ? base64ToHex(head.ChecksumSHA256) : null;
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  private async getText(objectKey: string): Promise<string | null> {
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return await got.Body!.transformToString('utf8');
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  private async putJson(objectKey: string, value: unknown, opts: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    const body = JSON.stringify(value, null, 2) + '\n';
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: body, ContentType: 'application/json', ChecksumSHA256: createHash('sha256').update(body).digest('base64'), ...(opts.onlyIfAbsent ? { IfNoneMatch: '*' } : {}) }));
      return true;
    } catch (err) {
      if (opts.onlyIfAbsent && status(err) === 412) return false;
      throw err;
    }
  }

  private async keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  /** Downloads an object into this host's cache (reused while it still has the stored
   *  checksum); null when the object is missing. */
  private async cached(objectKey: string): Promise<string | null> {
    const want = await this.checksum(objectKey);
    if (want === null) return null;
    const local = join(this.cacheDir, this.bucket, objectKey);
    if ((await stat(local).catch(() => null)) && (await sha256OrNull(local)) === want) return local;
    await mkdir(dirname(local), { recursive: true });
    const tmp = `${local}.partial-${randomBytes(6).toString('hex')}`;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      await pipeline(got.Body as Readable, createWriteStream(tmp));
      await rename(tmp, local);
    } finally {
      await rm(tmp, { force: true });
    }
    return local;
  }

  async put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string, upload: string): Promise<ArtifactEntry> {
    const objectKey = `${this.uploadPrefix(key, upload)}${(checkStoreNames({ artifact: name }), name)}`;
    // A machine's stream has no length S3 could be told in advance: it is spooled to a file of
    // this host (hashed on the way), and sent only when it is what the machine said it is.
    await mkdir(join(this.cacheDir, '.incoming'), { recursive: true });
    const tmp = join(this.cacheDir, '.incoming', randomBytes(8).toString('hex'));
    try {
      const { sha256: actual, size } = await writeHashed(content, tmp);
      if (actual !== expectedSha256) throw new ChecksumMismatchError(name, expectedSha256, actual);
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: createReadStream(tmp), ContentLength: size, ChecksumSHA256: hexToBase64(expectedSha256) }));
      return { name, size, sha256: expectedSha256, createdAt };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async commit(manifest: TargetManifest, upload: string): Promise<{ manifest: TargetManifest; outcome: CommitOutcome }> {
    const staged = this.uploadPrefix(manifest, upload);
    for (const a of manifest.artifacts) {
      checkStoreNames({ artifact: a.name });
      const actual = await this.checksum(`${staged}${a.name}`);
      if (actual === null) throw new UploadIncompleteError(a.name, 'was not uploaded in this session');
      if (actual !== a.sha256) throw new UploadIncompleteError(a.name, `was uploaded with sha256 ${actual}, the manifest says ${a.sha256}`);
    }
    const manifestKey = `${this.targetPrefix(manifest)}manifest.json`;
    for (;;) {
      const sealed = await this.readManifest(manifest);
      let outcome: CommitOutcome = 'stored';
      if (sealed) {
        const changed = differing(sealed.artifacts, manifest.artifacts);
        const intact = (await Promise.all(sealed.artifacts.map(async (a) => (await this.checksum(this.objectKey(manifest, a))) === a.sha256))).every(Boolean);
        if (intact && changed.length === 0) outcome = 'unchanged';
        else if (intact && sealed.sourceSha256 !== undefined && sealed.sourceSha256 === manifest.sourceSha256) outcome = 'kept';
        else if (intact) {
          await this.deleteKeys(await this.keysUnder(staged));
          throw new ArtifactSealedError(manifest, changed);
        } else outcome = 'repaired';
      }
      if (outcome === 'stored' || outcome === 'repaired') {
        for (const a of manifest.artifacts) {
          await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(manifest, a), CopySource: `${this.bucket}/${staged}${a.name}`, ChecksumAlgorithm: 'SHA256' }));
        }
        // The first manifest only if there is none yet: a commit racing ours from another
        // orchestrator host loses here and goes round again as if it had found ours.
        if (!(await this.putJson(manifestKey, manifest, { onlyIfAbsent: outcome === 'stored' }))) continue;
        // What the replaced set had that this one does not.
        const kept = new Set(manifest.artifacts.map((a) => this.objectKey(manifest, a)));
        if (sealed) await this.deleteKeys(sealed.artifacts.map((a) => this.objectKey(manifest, a)).filter((k) => !kept.has(k)));
      }
      await this.deleteKeys(await this.keysUnder(staged));
      return { manifest: outcome === 'stored' || outcome === 'repaired' ? manifest : sealed!, outcome };
    }
  }

  async readManifest(key: ArtifactKey): Promise<TargetManifest | null> {
    const text = await this.getText(`${this.targetPrefix(key)}manifest.json`);
    return text === null ? null : (JSON.parse(text) as TargetManifest);
  }

  async localPath(key: ArtifactKey, name: string): Promise<string | null> {
    const at = await this.storedKey(key, name);
    return at === null ? null : this.cached(at);
  }

  async hash(key: ArtifactKey, name: string): Promise<string | null> {
    const at = await this.storedKey(key, name);
    return at === null ? null : this.checksum(at);
  }

  async listManifests(): Promise<TargetManifest[]> {
    const out: TargetManifest[] = [];
    for (const k of await this.keysUnder('')) {
      const [project, version, target, file, ...rest] = k.split('/');
      if (file !== 'manifest.json' || rest.length || storeNameProblem('project', project!) || storeNameProblem('version', version!) || storeNameProblem('target', target!)) continue;
      const m = await this.readManifest({ project: project!, version: version!, target: target! });
      if (m) out.push(m);
    }
    return out;
  }

  async remove(key: ArtifactKey): Promise<void> {
    await this.deleteKeys(await this.keysUnder(this.targetPrefix(key)));
    // The version's records go with its last target.
    const versionPrefix = `${key.project}/${key.version}/`;
    const left = (await this.keysUnder(versionPrefix)).filter((k) => !k.startsWith(`${versionPrefix}.records/`));
    if (!left.length) await this.deleteKeys(await this.keysUnder(`${versionPrefix}.records/`));
  }

  async writeRecord(key: ReleaseKey, name: RecordName, value: unknown): Promise<void> {
    await this.putJson(this.recordKey(key, name), value);
  }

  async readRecord<T>(key: ReleaseKey, name: RecordName): Promise<T | null> {
    const text = await this.getText(this.recordKey(key, name));
    return text === null ? null : (JSON.parse(text) as T);
  }

  localRecordPath(key: ReleaseKey, name: RecordName): Promise<string | null> {
    return this.cached(this.recordKey(key, name));
  }

  recordLocation(key: ReleaseKey, name: RecordName): string {
    return `s3://${this.bucket}/${this.recordKey(key, name)}`;
  }

  async directUpload(key: ArtifactKey, name: string, sha256: string, size: number, upload: string): Promise<DirectUpload> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${name}: ${JSON.stringify(sha256)} is not a sha256`);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${name}: ${JSON.stringify(size)} is not a size`);
    const objectKey = `${this.uploadPrefix(key, upload)}${(checkStoreNames({ artifact: name }), name)}`;
    const digest = hexToBase64(sha256);
    // Both headers signed: another length or digest (other bytes) fails the signature, and the
    // server checks the bytes against the digest; the key is in the signed path.
    const url = await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, ContentLength: size, ChecksumSHA256: digest }), {
      expiresIn: DIRECT_UPLOAD_SECONDS,
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      signableHeaders: new Set(['content-length', 'x-amz-checksum-sha256']),
    });
    return { url, headers: { 'content-length': String(size), 'x-amz-checksum-sha256': digest }, expiresAt: new Date(Date.now() + DIRECT_UPLOAD_SECONDS * 1000).toISOString() };
  }

  async claimed(ledger: Ledger, id: string): Promise<boolean> {
    if (!CLAIM_ID.test(id)) return false;
    return (await this.getText(`.ledgers/${ledger}/${id}`)) !== null;
  }

  claimOnce(ledger: Ledger, id: string, expiresAt: number): Promise<boolean> {
    if (!CLAIM_ID.test(id)) return Promise.resolve(false);
    return this.putJson(`.ledgers/${ledger}/${id}`, { claimedAt: new Date().toISOString(), expiresAt: new Date(expiresAt).toISOString() }, { onlyIfAbsent: true });
  }

  async pruneClaims(ledger: Ledger, before: number, opts: { count?: boolean } = {}): Promise<number> {
    const expired: string[] = [];
    for (const objectKey of await this.keysUnder(`.ledgers/${ledger}/`)) {
      const text = await this.getText(objectKey);
      const expiresAt = text ? Date.parse((JSON.parse(text) as { expiresAt?: string }).expiresAt ?? '') : NaN;
      // A claim that cannot be read stays: it may guard a secret still valid.
      if (Number.isFinite(expiresAt) && expiresAt < before) expired.push(objectKey);
    }
    if (!opts.count) await this.deleteKeys(expired);
    return expired.length;
  }

  private sourceKey(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${JSON.stringify(sha256)} is not a sha256`);
    return `.sources/${sha256}.tar`;
  }

  async shareSource(sha256: string, file: string): Promise<void> {
    const objectKey = this.sourceKey(sha256);
    // When it was last used, for the purge (the tarball itself is written once).
    await this.putJson(`${objectKey}.used`, { usedAt: new Date().toISOString() });
    if ((await this.checksum(objectKey)) === sha256) return;
    const { size } = await stat(file);
    // The server checks the bytes against the digest before it stores them.
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: createReadStream(file), ContentLength: size, ChecksumSHA256: hexToBase64(sha256) }));
  }

  async listSharedSources(): Promise<{ sha256: string; modifiedAt: string; size: number }[]> {
    const seen = new Map<string, { sha256: string; modifiedAt: string; size: number }>();
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: '.sources/', ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        const m = /^\.sources\/([0-9a-f]{64})\.tar(\.used)?$/.exec(o.Key ?? '');
        if (!m) continue;
        const at = (o.LastModified ?? new Date(0)).toISOString();
        const entry = seen.get(m[1]!) ?? { sha256: m[1]!, modifiedAt: at, size: 0 };
        if (at > entry.modifiedAt) entry.modifiedAt = at;
        if (!m[2]) entry.size = o.Size ?? 0;
        seen.set(m[1]!, entry);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...seen.values()];
  }

  async removeSharedSource(sha256: string): Promise<void> {
    const objectKey = this.sourceKey(sha256);
    await this.deleteKeys([objectKey, `${objectKey}.used`]);
  }

  async directSource(sha256: string): Promise<string | null> {
    const objectKey = this.sourceKey(sha256);
    if ((await this.checksum(objectKey)) !== sha256) return null;
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), { expiresIn: DIRECT_UPLOAD_SECONDS });
  }

  async fetchSource(sha256: string, dest: string): Promise<boolean> {
    const objectKey = this.sourceKey(sha256);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.partial-${randomBytes(6).toString('hex')}`;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch((err: unknown) => {
        if (status(err) === 404) return null;
        throw err;
      });
      if (!got) return false;
      const { sha256: actual } = await writeHashed(got.Body as Readable, tmp);
      if (actual !== sha256) throw new ChecksumMismatchError(`source ${sha256}.tar`, sha256, actual);
      await rename(tmp, dest);
      return true;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
