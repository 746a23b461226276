// The hook server: GitLab and GitHub tag webhooks start releases; branch pushes and merge/pull
// requests start CI of container apps (when the server is given startCi). One URL per project
// (/hooks/gitlab/<project>, /hooks/github/<project>), each with its own secret:
//   GitLab: X-Gitlab-Token must equal the secret, checked before the body is read;
//   GitHub: X-Hub-Signature-256 must be the HMAC-SHA256 of the raw body (at most 1 MiB).
// Both compared in constant time, before the body is parsed. An unknown project is answered
// exactly like a wrong signature, so an unsigned caller learns nothing about which exist.
// Answers: 201 started, 200 already running/done (a redelivered hook), 202 ignored (tag
// deletions, branches not in ci.branches), 400 malformed, 401 bad or missing signature (or
// unknown project), 413 body over 1 MiB, 422 invalid tag (with the reason), 409 when the
// repository's tag does not name the commit the hook did (or no longer exists), 503 when a
// release cannot be started. Before a release starts, the tag is looked up in the project's
// repository (ls-remote: refs only, quick): a hook naming a commit the tag does not point at
// starts nothing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseReleaseTag } from '../../core/tag.ts';
import { listen, type Listening } from '../../providers/http/listen.ts';
import { gitlabDecision, githubDecision, type HookDecision } from './events.ts';
import { gitlabCiDecision, githubCiDecision, type CiDecision } from './ci-events.ts';
import type { Deliveries } from './deliveries.ts';
import type { Logger } from '../../providers/log/logger.ts';

export const MAX_BODY = 1 << 20;

/** Random per process, never a project's: what an unknown project's hooks are checked against. */
const UNKNOWN_PROJECT_SECRET = randomBytes(32).toString('hex');

export interface HookProject {
  /** The shared secret (GitLab token, GitHub webhook secret); from the environment. */
  secret: string;
}

export interface HookServerOptions {
  projects: Record<string, HookProject>;
  /** Where each request is logged (method, path, event, delivery, status) — never a body or a header's secret. */
  log?: Logger;
  /** Starts (or finds) the project's release for the tag at `commit` (what the tag was seen to
   *  name); `existing` for a redelivery. */
  startRelease(project: string, tag: string, commit: string | undefined): Promise<{ workflowId: string; existing: boolean; status?: string }>;
  /** The deliveries acted on: one replayed is answered, and nothing is started again. */
  deliveries?: Deliveries;
  /** What the tag names in the project's repository now; null when it has no such tag. */
  resolveTag?(project: string, tag: string): Promise<{ commit: string; tagObject?: string } | null>;
  /** Starts (or finds) CI of a container app's commit (branch pushes, merge and pull requests),
   *  or says why the push is not for CI (its branch is not in ci.branches); without it such
   *  events are ignored. */
  startCi?(project: string, run: CiRequest): Promise<{ workflowId: string; existing: boolean } | { skipped: string }>;
  port?: number;
  host?: string;
}

export interface CiRequest {
  commit: string;
  branch: string;
  /** The ref the commit is fetched through. */
  ref: string;
  /** Pushes obey ci.branches; merge and pull requests always run. */
  push: boolean;
  /** The forge's delivery id, when it sends one. */
  delivery?: string;
}

/** The ref CI fetches a hook's commit through. */
function ciRef(d: Extract<CiDecision, { kind: 'ci' }>): string {
  if (d.change?.kind === 'pull-request') return `refs/pull/${d.change.id}/head`;
  if (d.change?.kind === 'merge-request') return `refs/merge-requests/${d.change.id}/head`;
  return `refs/heads/${d.branch}`;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time constant.
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b), false);
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return 'too-large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return 'too-large';
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function handle(opts: HookServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { ok: true });
  const m = /^\/hooks\/(gitlab|github)\/([a-z0-9][a-z0-9-]{0,62})$/.exec(path);
  if (!m) return reply(res, 404, { error: 'no such hook; use /hooks/gitlab/<project> or /hooks/github/<project>' });
  if (req.method !== 'POST') return reply(res, 405, { error: 'hooks are POSTed' });
  const [, forge, project] = m as unknown as [string, 'gitlab' | 'github', string];
  // An unknown project is checked against a secret nobody has, so an unsigned caller gets the
  // same answer, in about the same time, whether or not the project exists.
  const secret = opts.projects[project]?.secret ?? UNKNOWN_PROJECT_SECRET;
  const unsigned = () => {
    // The body was not (all) read: the connection cannot carry another request.
    res.setHeader('connection', 'close');
    reply(res, 401, { error: forge === 'gitlab' ? 'X-Gitlab-Token is missing or wrong' : 'X-Hub-Signature-256 is missing or does not match the body' });
  };
  // GitLab's token is a header: checked before a byte of the body is read.
  if (forge === 'gitlab' && !sameSecret(req.headers['x-gitlab-token'] as string | undefined, secret)) return unsigned();

  const raw = await readBody(req);
  if (raw === 'too-large') {
    res.setHeader('connection', 'close');
    return reply(res, 413, { error: `the body is larger than ${MAX_BODY} bytes` });
  }
  if (forge === 'github' && !sameSecret(req.headers['x-hub-signature-256'] as string | undefined, `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`)) return unsigned();

  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return reply(res, 400, { error: 'the body is not JSON' });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return reply(res, 400, { error: 'the body must be a JSON object' });
  const decision: HookDecision =
    forge === 'gitlab' ? gitlabDecision(req.headers['x-gitlab-event'] as string | undefined, body as Record<string, unknown>) : githubDecision(req.headers['x-github-event'] as string | undefined, body as Record<string, unknown>);
  if (decision.kind === 'pong') return reply(res, 200, { ok: true, pong: true });
  const delivery = (req.headers['x-github-delivery'] ?? req.headers['x-gitlab-event-uuid']) as string | undefined;
  if (delivery && (await opts.deliveries?.has(delivery))) return reply(res, 200, { replayed: true, delivery, note: 'this delivery was acted on before; nothing was started again' });
  // A delivery is remembered once it got a final answer (a 503 is for the forge to retry).
  const done = async (status: number, body: Record<string, unknown>) => {
    if (delivery && status < 300) await opts.deliveries?.record(delivery);
    return reply(res, status, body);
  };
  if (decision.kind === 'bad') return reply(res, 400, { error: decision.reason });
  if (decision.kind === 'ignore') {
    if (!opts.startCi) return reply(res, 202, { ignored: decision.reason });
    const ci = forge === 'gitlab' ? gitlabCiDecision(body as Record<string, unknown>) : githubCiDecision(req.headers['x-github-event'] as string | undefined, body as Record<string, unknown>);
    if (ci.kind === 'bad') return reply(res, 400, { error: ci.reason });
    if (ci.kind === 'ignore') return reply(res, 202, { ignored: `${decision.reason}; ${ci.reason}` });
    try {
      const started = await opts.startCi(project, { commit: ci.commit, branch: ci.branch, ref: ciRef(ci), push: !ci.change, ...(delivery ? { delivery: delivery.slice(0, 100) } : {}) });
      if ('skipped' in started) return done(202, { ignored: started.skipped });
      return done(started.existing ? 200 : 201, { workflowId: started.workflowId, existing: started.existing, commit: ci.commit });
    } catch (err) {
      return reply(res, 503, { error: `CI could not be started: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  const tag = parseReleaseTag(decision.tag);
  if (!tag.ok) return reply(res, 422, { error: `tag "${decision.tag}" cannot be released: ${tag.reason}` });
  let commit = decision.commit;
  if (opts.resolveTag) {
    let now: { commit: string; tagObject?: string } | null;
    try {
      now = await opts.resolveTag(project, decision.tag);
    } catch (err) {
      return reply(res, 503, { error: `the repository of ${project} could not be asked about ${decision.tag}: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (!now) return reply(res, 409, { error: `the repository of ${project} has no tag ${decision.tag}; nothing was started` });
    if (commit && commit !== now.commit && commit !== now.tagObject) {
      return reply(res, 409, { error: `the hook names commit ${commit}, but tag ${decision.tag} points at ${now.commit}; nothing was started` });
    }
    commit = now.commit;
  }
  try {
    const started = await opts.startRelease(project, decision.tag, commit);
    const closed = started.existing && started.status && started.status !== 'RUNNING' && started.status !== 'COMPLETED';
    return done(started.existing ? 200 : 201, {
      workflowId: started.workflowId,
      existing: started.existing,
      ...(started.status ? { status: started.status } : {}),
      ...(closed ? { note: `the release is ${started.status}; a hook never restarts a closed release — an operator does, with \`tagship release retry ${decision.tag} -p ${project}\`` } : {}),
      ...(commit ? { commit } : {}),
    });
  } catch (err) {
    return reply(res, 503, { error: `the release could not be started: ${err instanceof Error ? err.message : String(err)}` });
  }
}

export async function startHookServer(opts: HookServerOptions): Promise<Listening> {
  const server = createServer((req, res) => {
    const began = Date.now();
    if (opts.log) {
      const log = opts.log;
      const event = req.headers['x-github-event'] ?? req.headers['x-gitlab-event'];
      const delivery = req.headers['x-github-delivery'] ?? req.headers['x-gitlab-event-uuid'];
      res.on('finish', () => log.info({ method: req.method, path: (req.url ?? '').split('?')[0], ...(event ? { event } : {}), ...(delivery ? { delivery } : {}), status: res.statusCode, ms: Date.now() - began }, 'hook request'));
    }
    handle(opts, req, res).catch((err: unknown) => (res.headersSent ? res.destroy() : reply(res, 500, { error: String(err) })));
  });
  return listen(server, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) });
}
