// The artifact gateway: the orchestrator's HTTP endpoint through which build agents fetch the
// release's source and hand back artifacts. Agents only ever connect out to it (no inbound
// ports on machines). Every upload names its sha256; the gateway re-hashes what arrives and
// refuses a mismatch, so a corrupted artifact never reaches the store.
//   GET  /healthz
//   GET  /sources/<sha256>.tar
//   PUT  /artifacts/<project>/<version>/<target>/<name>   x-tagship-sha256, x-tagship-created-at
//   PUT  /manifests/<project>/<version>/<target>          JSON TargetManifest
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from '../http/listen.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { ChecksumMismatchError, type ArtifactStore, type TargetManifest } from '../../ports/artifacts.ts';

export interface GatewayOptions {
  store: ArtifactStore;
  sourcesDir: string;
  /** Agents present it as a bearer token; it reaches machines through their environment only. */
  token: string;
  host?: string;
  port?: number;
  /** Test hook: alter bytes in transit for artifacts it returns true for. */
  transitFault?: (name: string) => boolean;
}

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._~+-]+$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function authorised(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function corrupting(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (!done && chunk.length) {
        const copy = Buffer.from(chunk);
        copy[0] = copy[0]! ^ 0xff;
        done = true;
        return cb(null, copy);
      }
      cb(null, chunk);
    },
  });
}

async function handle(opts: GatewayOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  if (req.method === 'GET' && parts[0] === 'healthz') return send(res, 200, { ok: true });
  if (!authorised(req, opts.token)) return send(res, 401, { error: 'missing or wrong bearer token' });
  if (!parts.every((p) => SEGMENT.test(p))) return send(res, 400, { error: 'bad path segment' });

  if (req.method === 'GET' && parts[0] === 'sources' && parts.length === 2 && /^[0-9a-f]{64}\.tar$/.test(parts[1]!)) {
    const file = join(opts.sourcesDir, parts[1]!);
    const st = await stat(file).catch(() => null);
    if (!st) return send(res, 404, { error: `no source ${parts[1]}` });
    res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': st.size });
    createReadStream(file).pipe(res);
    return;
  }

  if (req.method === 'PUT' && parts[0] === 'artifacts' && parts.length === 5) {
    const [, project, version, target, name] = parts as [string, string, string, string, string];
    const sha = String(req.headers['x-tagship-sha256'] ?? '');
    const createdAt = String(req.headers['x-tagship-created-at'] ?? '');
    if (!/^[0-9a-f]{64}$/.test(sha)) return send(res, 400, { error: 'x-tagship-sha256 must be a hex sha256' });
    if (!createdAt) return send(res, 400, { error: 'x-tagship-created-at is required' });
    const body = opts.transitFault?.(name) ? req.pipe(corrupting()) : req;
    try {
      const entry = await opts.store.put({ project, version, target }, name, body, sha, createdAt);
      return send(res, 201, entry);
    } catch (err) {
      if (err instanceof ChecksumMismatchError) return send(res, 422, { error: 'ChecksumMismatch', message: err.message, expected: err.expected, actual: err.actual });
      throw err;
    }
  }

  if (req.method === 'PUT' && parts[0] === 'manifests' && parts.length === 4) {
    const manifest = (await readJson(req)) as TargetManifest;
    const [, project, version, target] = parts as [string, string, string, string];
    if (manifest.project !== project || manifest.version !== version || manifest.target !== target || !Array.isArray(manifest.artifacts)) {
      return send(res, 400, { error: 'manifest does not match its path' });
    }
    await opts.store.writeManifest(manifest);
    return send(res, 201, { ok: true });
  }
  send(res, 404, { error: `no route ${req.method} /${parts.join('/')}` });
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const server: Server = createServer((req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  return listen(server, opts);
}
