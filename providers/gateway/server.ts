// The artifact gateway: the orchestrator's HTTP endpoint through which build agents fetch the
// release's source and hand back artifacts. Agents only ever connect out to it (no inbound
// ports on machines). Every upload names its sha256; the gateway re-hashes what arrives and
// refuses a mismatch, so a corrupted artifact never reaches the store. Everything in a request
// is hostile: each path segment is percent-decoded once and then checked against the rule for
// its role (core/store-names.ts) before it is used; refusals are logged.
//   GET  /healthz, /readyz (the worker polls: 200, else 503)
//   POST /enrol                                            Authorization: Enrol <one-time secret>
//        → { token, env? }: the machine's token and the codec keys, once per secret (droplets)
//   GET  /sources/<sha256>.tar                              (x-tagship-direct: 1 → 307 to a presigned GET, S3)
//   PUT  /artifacts/<project>/<version>/<target>/<name>   x-tagship-sha256, x-tagship-created-at
//        (staged in the machine's upload session)
//   POST /uploads/<project>/<version>/<target>/<name>     x-tagship-sha256, x-tagship-size, x-tagship-created-at
//        → { url, headers, expiresAt, entry }: a presigned PUT straight to the store (S3) for
//        exactly those bytes, in the machine's session (404 NoDirectUploads: use PUT /artifacts)
//   PUT  /manifests/<project>/<version>/<target>          JSON TargetManifest: commits the session
//        write-once; answers with the manifest that stands (409 ArtifactSealed: other bytes)
//   GET  /caches/<cargo|pip>                               the machine's project's cached files
//   GET  /caches/<cargo|pip>/<dir>/<file>                  one of them
//   PUT  /caches/<cargo|pip>/<dir>/<file>                  x-tagship-sha256: offers one (write-once)
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { listen } from '../http/listen.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { ArtifactSealedError, ChecksumMismatchError, UploadIncompleteError, type ArtifactStore, type TargetManifest } from '../../ports/artifacts.ts';
import { storeNameProblem, StoreNameError, type StoreNameKind } from '../../core/store-names.ts';
import { describeArtifact, isBuildKind } from '../../core/artifact-kinds.ts';
import { MACHINE_TOKEN_HOURS, mintMachineToken, verifyEnrolment, verifyMachineToken, type MachineScope } from './tokens.ts';
import { EnrolmentLedger } from './enrolment-ledger.ts';
import { CacheRefused, type DependencyCaches } from './dependency-caches.ts';
import { cacheFamily } from '../../core/dependency-cache.ts';
import { SourceMissingError, type SourceTars } from '../sources/tars.ts';

export interface GatewayOptions {
  store: ArtifactStore;
  /** Packed sources: this host's, or fetched from the store when another host packed them. */
  sources: Pick<SourceTars, 'local'>;
  /** The secret that signs machine tokens (providers/gateway/tokens.ts); never sent anywhere.
   *  Each agent presents its machine's token as a bearer token. */
  token: string;
  host?: string;
  port?: number;
  /** Where refusals are logged (structured); a warn-level logger on stderr by default. */
  log?: Logger;
  /** The file recording used enrolment secrets (kept across restarts); in memory without it. */
  enrolmentLedger?: string;
  /** What an enrolling agent is handed with its token (the payload codec's keys): secrets a
   *  droplet's user data must not carry, since its metadata service serves them all its life. */
  agentEnv?: Record<string, string>;
  /** Projects' dependency caches; without it the cache routes answer 404. */
  caches?: DependencyCaches;
  /** Whether the orchestrator takes work (its worker polls): GET /readyz answers 200 or 503,
   *  for a readiness probe. Ready when unset. */
  ready?: () => boolean;
  /** Certificate and key (PEM): HTTPS only, for machines that reach it across networks. */
  tls?: { cert: string; key: string };
}

export interface Gateway {
  url: string;
  /** Bytes that passed through this host since it started: artifacts received, sources sent. */
  traffic: { artifactBytesIn: number; sourceBytesOut: number };
  close(): Promise<void>;
}

/** The path's segments, each percent-decoded once; null for a malformed encoding. */
function segments(url: string): string[] | null {
  try {
    return url.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** The first segment that breaks the rule for its role, explained. */
function badSegment(parts: string[], roles: StoreNameKind[]): string | null {
  for (let i = 0; i < roles.length; i++) {
    const problem = storeNameProblem(roles[i]!, parts[i + 1]);
    if (problem) return problem;
  }
  return null;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The scope of the request's machine token, or null. */
function scopeOf(req: IncomingMessage, secret: string): MachineScope | null {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? verifyMachineToken(secret, header.slice(7), Date.now()) : null;
}

/** A machine writes only under its own project, version and target. */
function outOfScope(scope: MachineScope, project: string, version: string, target: string): boolean {
  return scope.project !== project || scope.version !== version || scope.target !== target;
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

/** An artifact upload's path and headers, checked: names by their rules, the machine's own
 *  target only, a sha256 and a creation time; else the refusal to send. */
function uploadRequest(scope: MachineScope, parts: string[], req: IncomingMessage, log: Logger): { key: { project: string; version: string; target: string }; name: string; sha: string; createdAt: string } | { status: number; body: unknown } {
  const bad = parts.length === 5 ? badSegment(parts, ['project', 'version', 'target', 'artifact']) : `the path must be /${parts[0]}/<project>/<version>/<target>/<name>`;
  if (bad) {
    log.warn({ path: req.url, reason: bad }, 'artifact upload refused: bad name');
    return { status: 400, body: { error: 'BadName', message: bad } };
  }
  const [, project, version, target, name] = parts as [string, string, string, string, string];
  if (outOfScope(scope, project, version, target)) {
    log.warn({ machine: scope.machine, scope: `${scope.project}/${scope.version}/${scope.target}`, path: `${project}/${version}/${target}/${name}` }, 'artifact upload refused: outside the machine\'s scope');
    return { status: 403, body: { error: 'OutOfScope', message: `machine ${scope.machine} may store artifacts of ${scope.project} ${scope.version} ${scope.target} only` } };
  }
  const sha = String(req.headers['x-tagship-sha256'] ?? '');
  const createdAt = String(req.headers['x-tagship-created-at'] ?? '');
  if (!/^[0-9a-f]{64}$/.test(sha)) return { status: 400, body: { error: 'x-tagship-sha256 must be a hex sha256' } };
  if (!createdAt) return { status: 400, body: { error: 'x-tagship-created-at is required' } };
  return { key: { project, version, target }, name, sha, createdAt };
}

/** A droplet's agent trades its one-time enrolment secret for its machine token. */
async function enrol(opts: GatewayOptions, ledger: EnrolmentLedger, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers.authorization ?? '';
  const enrolment = header.startsWith('Enrol ') ? verifyEnrolment(opts.token, header.slice(6), Date.now()) : null;
  if (!enrolment) {
    log.warn({ remote: req.socket.remoteAddress }, 'enrolment refused: missing, wrong or expired secret');
    return send(res, 401, { error: 'missing, wrong or expired enrolment secret' });
  }
  const { nonce, ...scope } = enrolment;
  if (!(await ledger.claim(nonce, enrolment.expiresAt))) {
    log.warn({ machine: scope.machine, remote: req.socket.remoteAddress }, 'enrolment refused: the secret was used before');
    return send(res, 409, { error: 'EnrolmentUsed', message: `the enrolment secret of ${scope.machine} was used before; a machine enrols once` });
  }
  send(res, 200, { token: mintMachineToken(opts.token, { ...scope, expiresAt: Date.now() + MACHINE_TOKEN_HOURS * 3_600_000 }), ...(opts.agentEnv && Object.keys(opts.agentEnv).length ? { env: opts.agentEnv } : {}) });
}

async function handle(opts: GatewayOptions, ledger: EnrolmentLedger, log: Logger, traffic: Gateway['traffic'], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parts = segments(req.url ?? '/');
  if (!parts) return send(res, 400, { error: 'the path is not validly percent-encoded' });
  if (req.method === 'GET' && parts[0] === 'healthz') return send(res, 200, { ok: true });
  if (req.method === 'GET' && parts[0] === 'readyz') return (opts.ready?.() ?? true) ? send(res, 200, { ready: true }) : send(res, 503, { ready: false });
  if (req.method === 'POST' && parts[0] === 'enrol' && parts.length === 1) return enrol(opts, ledger, log, req, res);
  const scope = scopeOf(req, opts.token);
  if (!scope) return send(res, 401, { error: 'missing, wrong or expired machine token' });

  if (req.method === 'GET' && parts[0] === 'sources' && parts.length === 2 && /^[0-9a-f]{64}\.tar$/.test(parts[1]!)) {
    // A machine that reaches the store itself gets the bytes from there.
    const direct = req.headers['x-tagship-direct'] === '1' && opts.store.directSource ? await opts.store.directSource(parts[1]!.slice(0, 64)) : null;
    if (direct) {
      res.writeHead(307, { location: direct, 'content-length': 0 });
      return void res.end();
    }
    const file = await opts.sources.local(parts[1]!.slice(0, 64)).catch((err: unknown) => {
      if (err instanceof SourceMissingError) return null;
      throw err;
    });
    const st = file ? await stat(file).catch(() => null) : null;
    if (!file || !st) return send(res, 404, { error: `no source ${parts[1]}` });
    res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': st.size });
    traffic.sourceBytesOut += st.size;
    createReadStream(file).pipe(res);
    return;
  }

  const family = parts[0] === 'caches' ? cacheFamily(parts[1]) : undefined;
  if (family && opts.caches) {
    // Only the machine's own project's cache, whatever the path says.
    const caches = opts.caches;
    try {
      if (req.method === 'GET' && parts.length === 2) return send(res, 200, await caches.list(scope.project, family));
      if (req.method === 'GET' && parts.length === 4) {
        const found = await caches.open(scope.project, family, parts[2]!, parts[3]!);
        if (!found) return send(res, 404, { error: `no ${parts[3]} in the cache of ${scope.project}` });
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': found.size });
        found.stream.pipe(res);
        return;
      }
      if (req.method === 'PUT' && parts.length === 4) {
        const stored = await caches.put(scope.project, family, parts[2]!, parts[3]!, String(req.headers['x-tagship-sha256'] ?? ''), req);
        return send(res, stored ? 201 : 200, { stored });
      }
    } catch (err) {
      if (!(err instanceof CacheRefused)) throw err;
      log.warn({ machine: scope.machine, project: scope.project, path: req.url, reason: err.message }, 'cache entry refused');
      return send(res, 400, { error: 'CacheRefused', message: err.message });
    }
  }

  if ((req.method === 'PUT' && parts[0] === 'artifacts') || (req.method === 'POST' && parts[0] === 'uploads')) {
    const upload = uploadRequest(scope, parts, req, log);
    if ('status' in upload) return send(res, upload.status, upload.body);
    const { key, name, sha, createdAt } = upload;
    if (parts[0] === 'uploads') {
      // Straight to the store, bypassing this host: a URL for exactly the bytes announced.
      if (!opts.store.directUpload) return send(res, 404, { error: 'NoDirectUploads', message: 'this store takes uploads through the gateway: PUT /artifacts/…' });
      const size = Number(req.headers['x-tagship-size']);
      if (!Number.isSafeInteger(size) || size < 0) return send(res, 400, { error: 'x-tagship-size must be the size in bytes' });
      const direct = await opts.store.directUpload(key, name, sha, size, scope.machine);
      return send(res, 200, { ...direct, entry: { name, size, sha256: sha, createdAt } });
    }
    try {
      const entry = await opts.store.put(key, name, req, sha, createdAt, scope.machine);
      traffic.artifactBytesIn += entry.size;
      return send(res, 201, entry);
    } catch (err) {
      if (err instanceof ChecksumMismatchError) return send(res, 422, { error: 'ChecksumMismatch', message: err.message, expected: err.expected, actual: err.actual });
      throw err;
    }
  }

  if (req.method === 'PUT' && parts[0] === 'manifests') {
    const bad = parts.length === 4 ? badSegment(parts, ['project', 'version', 'target']) : 'the path must be /manifests/<project>/<version>/<target>';
    if (bad) return send(res, 400, { error: 'BadName', message: bad });
    const [, project, version, target] = parts as [string, string, string, string];
    if (outOfScope(scope, project, version, target)) {
      log.warn({ machine: scope.machine, path: `${project}/${version}/${target}` }, 'manifest refused: outside the machine\'s scope');
      return send(res, 403, { error: 'OutOfScope', message: `machine ${scope.machine} may write the manifest of ${scope.project} ${scope.version} ${scope.target} only` });
    }
    const manifest = (await readJson(req)) as TargetManifest;
    if (manifest.project !== project || manifest.version !== version || manifest.target !== target || !Array.isArray(manifest.artifacts)) {
      return send(res, 400, { error: 'manifest does not match its path' });
    }
    const badEntry = manifest.artifacts.map((a) => storeNameProblem('artifact', (a as { name?: unknown } | null)?.name)).find(Boolean);
    if (badEntry) {
      log.warn({ project, version, target, reason: badEntry }, 'manifest refused: bad artifact name');
      return send(res, 400, { error: 'BadName', message: `manifest entry: ${badEntry}` });
    }
    // A kind is one a build can produce, and its facts are what the name says (the gateway
    // parses them again: the manifest came from the machine).
    for (const a of manifest.artifacts) {
      if (a.kind === undefined) continue;
      const what = isBuildKind(a.kind) ? describeArtifact(a.name, a.kind) : { ok: false as const, problem: `has kind ${JSON.stringify(a.kind)}, which no build produces` };
      if (!what.ok) return send(res, 400, { error: 'BadKind', message: `manifest entry ${a.name} ${what.problem}` });
      a.facts = what.facts;
    }
    try {
      const committed = await opts.store.commit(manifest, scope.machine);
      if (committed.outcome === 'kept' || committed.outcome === 'repaired') log.warn({ machine: scope.machine, project, version, target, outcome: committed.outcome }, committed.outcome === 'kept' ? 'rebuild from the same source: the artifacts stored first stand' : 'stored artifacts no longer matched their manifest: replaced');
      return send(res, 201, { ok: true, ...committed });
    } catch (err) {
      if (err instanceof ArtifactSealedError) {
        log.warn({ machine: scope.machine, project, version, target, differing: err.differing }, 'manifest refused: the target\'s artifacts are stored and never replaced');
        return send(res, 409, { error: 'ArtifactSealed', message: err.message });
      }
      if (err instanceof UploadIncompleteError) return send(res, 422, { error: 'UploadIncomplete', message: err.message });
      throw err;
    }
  }
  send(res, 404, { error: `no route ${req.method} /${parts.join('/')}` });
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log ?? pino({ name: 'tagship-gateway', level: 'warn' }, pino.destination(2));
  const ledger = new EnrolmentLedger(opts.enrolmentLedger, Date.now(), (nonce, expiresAt) => opts.store.claimOnce('enrolments', nonce, expiresAt));
  const traffic: Gateway['traffic'] = { artifactBytesIn: 0, sourceBytesOut: 0 };
  const onRequest: RequestListener = (req, res) => {
    const began = Date.now();
    res.on('finish', () => log.info({ method: req.method, path: (req.url ?? '').split('?')[0], status: res.statusCode, ms: Date.now() - began }, 'gateway request'));
    handle(opts, ledger, log, traffic, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof StoreNameError) return send(res, 400, { error: 'BadName', message: err.message });
      send(res, 500, { error: String(err) });
    });
  };
  const server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, onRequest) : createServer(onRequest);
  return { ...(await listen(server, { ...opts, scheme: opts.tls ? 'https' : 'http' })), traffic };
}
