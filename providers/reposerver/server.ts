// The repo server: serves each project's live repository tree, <root>/<project>/current, over
// HTTP on loopback. A small static server of tagship's own rather than a web server from Debian:
// it resolves `current` once per request, so one response never mixes two trees, and it needs
// nothing installed. Deploys switch `current` with one atomic rename (activities/deploy.ts).
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { listen, type Listening } from '../http/listen.ts';

export type RepoServer = Listening;

const TYPES: Record<string, string> = { '.asc': 'text/plain', '.repo': 'text/plain', '.xml': 'text/xml', '.json': 'application/json', '.html': 'text/html; charset=utf-8', '.md': 'text/markdown; charset=utf-8' };

export async function startRepoServer(opts: { root: string; port?: number; host?: string }): Promise<RepoServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      if (url === '/healthz') return void res.end('ok');
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
      const [, project, ...rest] = url.split('/');
      if (!project || !/^[a-z0-9][a-z0-9-]*$/.test(project) || rest.some((p) => p === '..' || p.startsWith('.'))) return void res.writeHead(404).end();
      let tree: string;
      try {
        tree = await realpath(join(opts.root, project, 'current'));
      } catch {
        return void res.writeHead(404).end('no repository deployed');
      }
      let file = normalize(join(tree, ...rest));
      if (!file.startsWith(tree + sep)) return void res.writeHead(404).end();
      let st = await stat(file).catch(() => null);
      // A folder's page (a release's QA report: /<project>/qa/<version>/).
      if (st?.isDirectory() && url.endsWith('/')) {
        file = join(file, 'index.html');
        st = await stat(file).catch(() => null);
      }
      if (!st?.isFile()) return void res.writeHead(404).end();
      const ext = file.slice(file.lastIndexOf('.'));
      // Pages (QA reports) run no script and load nothing: whatever a record carries stays text.
      res.writeHead(200, { 'content-length': st.size, 'content-type': TYPES[ext] ?? 'application/octet-stream', 'last-modified': st.mtime.toUTCString(), 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    })().catch(() => res.destroy());
  });
  return listen(server, opts);
}
