// One S3 bucket, as the stores that keep things in S3 use it (the artifact store, the QA store,
// the repository host): JSON objects read and written (write-once when asked, by the server's
// own If-None-Match: *), keys listed and deleted in pages, files uploaded with their SHA-256
// (which the server checks before it stores them) and read back into this host's cache.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { sha256OrNull, writeHashed } from '../files/sha256.ts';

export interface S3Options {
  bucket: string;
  /** The S3 endpoint (a self-hosted server); AWS's own when unset. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (bucket in the path), which self-hosted servers expect. */
  forcePathStyle?: boolean;
  /** Credentials; the SDK's default chain (AWS_ACCESS_KEY_ID, …) when unset. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function s3Client(opts: S3Options): S3Client {
  const config: S3ClientConfig = { region: opts.region ?? 'us-east-1', forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined };
  if (opts.endpoint) config.endpoint = opts.endpoint;
  if (opts.credentials) config.credentials = opts.credentials;
  return new S3Client(config);
}

/** An object whose bytes are not the ones its reader was told to expect. */
export class ObjectDigestMismatch extends Error {
  constructor(readonly key: string, readonly expected: string, readonly actual: string) {
    super(`${key} holds bytes with sha256 ${actual}, not ${expected}`);
  }
}

export interface ListedObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

export class S3Bucket {
  readonly s3: S3Client;
  readonly name: string;

  constructor(opts: S3Options) {
    this.s3 = s3Client(opts);
    this.name = opts.bucket;
  }

  /** The SHA-256 the server verified when the object was stored; null when there is none. */
  async checksum(key: string): Promise<string | null> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.name, Key: key, ChecksumMode: 'ENABLED' }));
      return head.ChecksumSHA256 ? base64ToHex(head.ChecksumSHA256) : null;
    } catch (err) {
      if (httpStatus(err) === 404) return null;
      throw err;
    }
  }

  async getText(key: string): Promise<string | null> {
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      return await got.Body!.transformToString('utf8');
    } catch (err) {
      if (httpStatus(err) === 404) return null;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | null> {
    const text = await this.getText(key);
    return text === null ? null : (JSON.parse(text) as T);
  }

  /** Writes a JSON object; with onlyIfAbsent, only when the key is free (false when taken). */
  async putJson(key: string, value: unknown, opts: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    return this.putBytes(key, Buffer.from(JSON.stringify(value, null, 2) + '\n'), { ...opts, contentType: 'application/json' });
  }

  async putBytes(key: string, body: Buffer, opts: { onlyIfAbsent?: boolean; contentType?: string } = {}): Promise<boolean> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ...(opts.contentType ? { ContentType: opts.contentType } : {}), ChecksumSHA256: createHash('sha256').update(body).digest('base64'), ...(opts.onlyIfAbsent ? { IfNoneMatch: '*' } : {}) }));
      return true;
    } catch (err) {
      if (opts.onlyIfAbsent && httpStatus(err) === 412) return false;
      throw err;
    }
  }

  /** Uploads a file whose SHA-256 is known: the server refuses other bytes. With onlyIfAbsent,
   *  an object already at the key is left as it is (false). */
  async putFile(key: string, file: string, sha256: string, opts: { onlyIfAbsent?: boolean; contentType?: string } = {}): Promise<boolean> {
    const { size } = await stat(file);
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: createReadStream(file), ContentLength: size, ChecksumSHA256: hexToBase64(sha256), ...(opts.contentType ? { ContentType: opts.contentType } : {}), ...(opts.onlyIfAbsent ? { IfNoneMatch: '*' } : {}) }));
      return true;
    } catch (err) {
      if (opts.onlyIfAbsent && httpStatus(err) === 412) return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async keysUnder(prefix: string): Promise<string[]> {
    return (await this.list(prefix)).map((o) => o.key);
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  /** Downloads an object to `dest` (written aside, then renamed), checked against `sha256`
   *  when given; false when the object is missing. */
  async download(key: string, dest: string, sha256?: string): Promise<boolean> {
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.partial-${randomBytes(6).toString('hex')}`;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key })).catch((err: unknown) => {
        if (httpStatus(err) === 404) return null;
        throw err;
      });
      if (!got) return false;
      const { sha256: actual } = await writeHashed(got.Body as Readable, tmp);
      if (sha256 && actual !== sha256) throw new ObjectDigestMismatch(`s3://${this.name}/${key}`, sha256, actual);
      await rename(tmp, dest);
      return true;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** An object as a file in `cacheDir` (reused while it still has the stored checksum); null
   *  when the object is missing. */
  async cached(key: string, cacheDir: string): Promise<string | null> {
    const want = await this.checksum(key);
    if (want === null) return null;
    const local = join(cacheDir, this.name, key);
    if ((await stat(local).catch(() => null)) && (await sha256OrNull(local)) === want) return local;
    await mkdir(dirname(local), { recursive: true });
    const tmp = `${local}.partial-${randomBytes(6).toString('hex')}`;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      await pipeline(got.Body as Readable, createWriteStream(tmp));
      await rename(tmp, local);
    } finally {
      await rm(tmp, { force: true });
    }
    return local;
  }
}
