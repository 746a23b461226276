// A git server on loopback: git's own `http-backend` (smart HTTP, protocol v2) run as a CGI
// for every request, serving the bare repositories under one folder — what a forge serves,
// for the tests and the demo. Optional basic auth makes a repository private; an optional
// delay per request makes a fetch last long enough to be watched.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { listen, type Listening } from '../providers/http/listen.ts';

export interface GitServerOptions {
  /** Holds the bare repositories, served as /<name>.git. */
  root: string;
  /** Basic auth every request must carry. */
  auth?: { username: string; password: string };
  /** Milliseconds to wait before answering each request. */
  delayMs?: number;
}

export interface GitServer extends Listening {
  /** Requests answered, with the user each authenticated as (for assertions). */
  requests: { path: string; user: string | null; status: number }[];
}

function authorised(req: IncomingMessage, auth: GitServerOptions['auth']): string | null | false {
  if (!auth) return null;
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64');
  const want = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === want.length && timingSafeEqual(given, want) ? auth.username : false;
}

function cgi(opts: GitServerOptions, req: IncomingMessage, res: ServerResponse, user: string | null, record: (status: number) => void): void {
  const url = new URL(req.url ?? '/', 'http://git.invalid');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      ...(user ? { REMOTE_USER: user } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let sentHead = false;
  let status = 200;
  child.stdout.on('data', (chunk: Buffer) => {
    if (sentHead) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (end < 0) return;
    const sep = head[end] === 0x0d ? 4 : 2;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    sentHead = true;
    res.write(head.subarray(end + sep));
  });
  child.on('close', () => {
    if (!sentHead) res.writeHead(502);
    record(status);
    res.end();
  });
  child.on('error', () => {
    if (!sentHead) res.writeHead(500);
    res.end();
  });
}

export async function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  const requests: GitServer['requests'] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const go = () => {
      const user = authorised(req, opts.auth);
      if (user === false) {
        requests.push({ path, user: null, status: 401 });
        res.writeHead(401, { 'www-authenticate': 'Basic realm="tagship test git"' });
        return void res.end();
      }
      cgi(opts, req, res, user, (status) => requests.push({ path, user, status }));
    };
    if (opts.delayMs) setTimeout(go, opts.delayMs);
    else go();
  });
  const listening = await listen(server, {});
  return Object.assign(listening, { requests });
}
