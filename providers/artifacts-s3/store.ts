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
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkStoreNames, storeNameProblem } from '../../core/store-names.ts';
import { writeHashed } from '../files/sha256.ts';
import { ArtifactSealedError, CLAIM_ID, ChecksumMismatchError, UploadIncompleteError, type Ledger, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type CommitOutcome, type DirectUpload, type RecordName, type ReleaseKey, type TargetManifest } from '../../ports/artifacts.ts';
import { differing } from '../artifacts-fs/store.ts';
import { hexToBase64, ObjectDigestMismatch, S3Bucket, type S3Options } from '../s3/bucket.ts';

export interface S3StoreOptions extends S3Options {
  /** This host's cache of objects read back as files (publishers and signers want files). */
  cacheDir: string;
}

/** How long a presigned upload stays usable: the transfer of one artifact, with room for a
 *  slow link; a machine asks again for each attempt. */
const DIRECT_UPLOAD_SECONDS = 15 * 60;

export class S3ArtifactStore implements ArtifactStore {
  private readonly bucket: S3Bucket;
  private readonly s3: S3Client;
  private readonly cacheDir: string;

  constructor(opts: S3StoreOptions) {
    this.bucket = new S3Bucket(opts);
    this.s3 = this.bucket.s3;
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

  private checksum(objectKey: string): Promise<string | null> {
    return this.bucket.checksum(objectKey);
  }

  private getText(objectKey: string): Promise<string | null> {
    return this.bucket.getText(objectKey);
  }

  private putJson(objectKey: string, value: unknown, opts: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    return this.bucket.putJson(objectKey, value, opts);
  }

  private keysUnder(prefix: string): Promise<string[]> {
    return this.bucket.keysUnder(prefix);
  }

  private deleteKeys(keys: string[]): Promise<void> {
    return this.bucket.deleteKeys(keys);
  }

  private cached(objectKey: string): Promise<string | null> {
    return this.bucket.cached(objectKey, this.cacheDir);
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
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket.name, Key: objectKey, Body: createReadStream(tmp), ContentLength: size, ChecksumSHA256: hexToBase64(expectedSha256) }));
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
          await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket.name, Key: this.objectKey(manifest, a), CopySource: `${this.bucket.name}/${staged}${a.name}`, ChecksumAlgorithm: 'SHA256' }));
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
    return `s3://${this.bucket.name}/${this.recordKey(key, name)}`;
  }

  async directUpload(key: ArtifactKey, name: string, sha256: string, size: number, upload: string): Promise<DirectUpload> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${name}: ${JSON.stringify(sha256)} is not a sha256`);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${name}: ${JSON.stringify(size)} is not a size`);
    const objectKey = `${this.uploadPrefix(key, upload)}${(checkStoreNames({ artifact: name }), name)}`;
    const digest = hexToBase64(sha256);
    // Both headers signed: another length or digest (other bytes) fails the signature, and the
    // server checks the bytes against the digest; the key is in the signed path.
    const url = await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket.name, Key: objectKey, ContentLength: size, ChecksumSHA256: digest }), {
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
    // The server checks the bytes against the digest before it stores them.
    await this.bucket.putFile(objectKey, file, sha256);
  }

  async listSharedSources(): Promise<{ sha256: string; modifiedAt: string; size: number }[]> {
    const seen = new Map<string, { sha256: string; modifiedAt: string; size: number }>();
    for (const o of await this.bucket.list('.sources/')) {
      const m = /^\.sources\/([0-9a-f]{64})\.tar(\.used)?$/.exec(o.key);
      if (!m) continue;
      const at = o.modifiedAt.toISOString();
      const entry = seen.get(m[1]!) ?? { sha256: m[1]!, modifiedAt: at, size: 0 };
      if (at > entry.modifiedAt) entry.modifiedAt = at;
      if (!m[2]) entry.size = o.size;
      seen.set(m[1]!, entry);
    }
    return [...seen.values()];
  }

  async removeSharedSource(sha256: string): Promise<void> {
    const objectKey = this.sourceKey(sha256);
    await this.deleteKeys([objectKey, `${objectKey}.used`]);
  }

  async directSource(sha256: string): Promise<string | null> {
    const objectKey = this.sourceKey(sha256);
    if ((await this.checksum(objectKey)) !== sha256) return null;
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket.name, Key: objectKey }), { expiresIn: DIRECT_UPLOAD_SECONDS });
  }

  async fetchSource(sha256: string, dest: string): Promise<boolean> {
    return this.bucket.download(this.sourceKey(sha256), dest, sha256).catch((err: unknown) => {
      if (err instanceof ObjectDigestMismatch) throw new ChecksumMismatchError(`source ${sha256}.tar`, sha256, err.actual);
      throw err;
    });
  }
}
