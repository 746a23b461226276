// A small Cargo registry for tests and the demo: the publish API (PUT /api/v1/crates/new) and a
// sparse index (/index/...), with downloads. Real `cargo` resolves and downloads from it, which
// is what makes it a fair stand-in: no registry server with a sparse index installs from the
// package registries reachable here without minutes of compiling.
// Format: https://doc.rust-lang.org/cargo/reference/registry-index.html (sparse protocol) and
// .../registry-web-api.html (publish body: u32 LE JSON length, JSON, u32 LE crate length, crate).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { listen } from '../providers/http/listen.ts';

interface IndexDep {
  name: string;
  req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  target: string | null;
  kind: string;
  registry?: string | null;
  package?: string;
}

interface IndexEntry {
  name: string;
  vers: string;
  deps: IndexDep[];
  cksum: string;
  features: Record<string, string[]>;
  yanked: boolean;
}

export interface CratesRegistry {
  url: string;
  /** The `sparse+` index URL cargo is configured with. */
  indexUrl: string;
  /** Uploads received per crate, successful or not: the tests' measure of "no second upload". */
  uploads: Map<string, number>;
  /** The same per `name@version`. */
  uploadsOf: Map<string, number>;
  /** Test hook: this many next publishes of the crate answer 500 (storing nothing). */
  failPublishes: Map<string, number>;
  close(): Promise<void>;
}

/** Sparse index path of a crate name, per cargo's layout. */
export function indexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length <= 2) return `${n.length}/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

async function body(req: IncomingMessage, limit = 10 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function errors(res: ServerResponse, status: number, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ detail }] }));
}

export async function startCratesRegistry(opts: { token: string; port?: number }): Promise<CratesRegistry> {
  const index = new Map<string, IndexEntry[]>();
  const files = new Map<string, Buffer>();
  const uploads = new Map<string, number>();
  const uploadsOf = new Map<string, number>();
  const failPublishes = new Map<string, number>();
  let base = '';

  const server = createServer((req, res) => {
    void (async () => {
      const url = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'GET' && url === '/index/config.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ dl: `${base}/api/v1/crates`, api: base, 'auth-required': false }));
      }
      if (req.method === 'GET' && url.startsWith('/index/')) {
        const name = url.split('/').pop()!.toLowerCase();
        const entries = index.get(name);
        if (!entries || `/index/${indexPath(name)}` !== url.toLowerCase()) return void res.writeHead(404).end();
        return void res.end(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      }
      const dl = /^\/api\/v1\/crates\/([^/]+)\/([^/]+)\/download$/.exec(url);
      if (req.method === 'GET' && dl) {
        const file = files.get(`${dl[1]!.toLowerCase()}/${dl[2]}`);
        if (!file) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': file.length });
        return void res.end(file);
      }
      if (req.method === 'PUT' && url === '/api/v1/crates/new') {
        if (req.headers.authorization !== opts.token) return errors(res, 403, 'invalid token');
        const raw = await body(req);
        const jsonLen = raw.readUInt32LE(0);
        const meta = JSON.parse(raw.subarray(4, 4 + jsonLen).toString('utf8')) as {
          name: string;
          vers: string;
          features?: Record<string, string[]>;
          deps: { name: string; version_req: string; features: string[]; optional: boolean; default_features: boolean; target: string | null; kind: string; registry: string | null; explicit_name_in_toml: string | null }[];
        };
        const crateLen = raw.readUInt32LE(4 + jsonLen);
        const crate = raw.subarray(8 + jsonLen, 8 + jsonLen + crateLen);
        const name = meta.name.toLowerCase();
        uploads.set(name, (uploads.get(name) ?? 0) + 1);
        uploadsOf.set(`${name}@${meta.vers}`, (uploadsOf.get(`${name}@${meta.vers}`) ?? 0) + 1);
        const failures = failPublishes.get(name) ?? 0;
        if (failures > 0) {
          failPublishes.set(name, failures - 1);
          return errors(res, 500, 'injected failure');
        }
        const existing = (index.get(name) ?? []).find((e) => e.vers === meta.vers);
        if (existing) return errors(res, 400, `crate version \`${meta.name}@${meta.vers}\` is already uploaded`);
        const entry: IndexEntry = {
          name: meta.name,
          vers: meta.vers,
          deps: meta.deps.map((d) => ({
            name: d.explicit_name_in_toml ?? d.name,
            req: d.version_req,
            features: d.features,
            optional: d.optional,
            default_features: d.default_features,
            target: d.target,
            kind: d.kind,
            ...(d.registry ? { registry: d.registry } : {}),
            ...(d.explicit_name_in_toml ? { package: d.name } : {}),
          })),
          cksum: createHash('sha256').update(crate).digest('hex'),
          features: meta.features ?? {},
          yanked: false,
        };
        files.set(`${name}/${meta.vers}`, Buffer.from(crate));
        index.set(name, [...(index.get(name) ?? []), entry]);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ warnings: { invalid_categories: [], invalid_badges: [], other: [] } }));
      }
      res.writeHead(404).end();
    })().catch((err: unknown) => errors(res, 500, String(err)));
  });
  const listening = await listen(server, { ...(opts.port ? { port: opts.port } : {}) });
  base = listening.url;
  return {
    url: base,
    indexUrl: `sparse+${base}/index/`,
    uploads,
    uploadsOf,
    failPublishes,
    close: () => listening.close(),
  };
}
