// A forge's release endpoints on loopback (GitHub's REST API contract), for the tests and the
// demo: a release by tag, create and update, its assets listed with their sha256 digest, uploads
// to the upload_url (422 `already_exists` for a name taken), downloads. Token auth; injectable
// upload failures (the next N uploads answer 500 having stored nothing, or 502 having stored the
// asset — a lost answer), so a retried publish can be shown to upload nothing twice.
// Contract: https://docs.github.com/en/rest/releases/releases and .../releases/assets
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../providers/http/listen.ts';

export interface EmulatedAsset {
  id: number;
  name: string;
  size: number;
  digest: string;
  content_type: string;
  bytes: Buffer;
}

export interface EmulatedRelease {
  id: number;
  repository: string;
  tag_name: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  assets: EmulatedAsset[];
}

export interface ForgeEmulator {
  /** The API base (what TAGSHIP_FORGE_API_URL names). */
  url: string;
  releases: EmulatedRelease[];
  /** Upload requests received per `<owner>/<repo>/<asset name>`, stored or not. */
  uploads: Map<string, number>;
  faults: { failUploads?: number; loseUploadAnswers?: number };
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startForgeEmulator(opts: { token: string }): Promise<ForgeEmulator> {
  const releases: EmulatedRelease[] = [];
  const uploads = new Map<string, number>();
  const faults: ForgeEmulator['faults'] = {};
  let nextId = 1;
  let base = '';

  const send = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const assetJson = (a: EmulatedAsset, r: EmulatedRelease) => ({ id: a.id, name: a.name, size: a.size, digest: a.digest, content_type: a.content_type, state: 'uploaded', url: `${base}/repos/${r.repository}/releases/assets/${a.id}` });
  const releaseJson = (r: EmulatedRelease) => ({
    id: r.id,
    tag_name: r.tag_name,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    html_url: `${base}/${r.repository}/releases/tag/${r.tag_name}`,
    upload_url: `${base}/uploads/repos/${r.repository}/releases/${r.id}/assets{?name,label}`,
    assets: r.assets.map((a) => assetJson(a, r)),
  });

  const server = createServer((req, res) => {
    void (async () => {
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) return send(res, 401, { message: 'Bad credentials' });
      const url = new URL(req.url ?? '/', base);
      const path = url.pathname;
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (m = /^\/repos\/([^/]+\/[^/]+)\/releases\/tags\/(.+)$/.exec(path))) {
        const r = releases.find((x) => x.repository === m![1] && x.tag_name === decodeURIComponent(m![2]!));
        return r ? send(res, 200, releaseJson(r)) : send(res, 404, { message: 'Not Found' });
      }
      if (req.method === 'POST' && (m = /^\/repos\/([^/]+\/[^/]+)\/releases$/.exec(path))) {
        const b = JSON.parse((await body(req)).toString('utf8')) as { tag_name?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean };
        if (!b.tag_name) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Release', code: 'missing_field', field: 'tag_name' }] });
        if (releases.some((x) => x.repository === m![1] && x.tag_name === b.tag_name)) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] });
        const r: EmulatedRelease = { id: nextId++, repository: m[1]!, tag_name: b.tag_name, name: b.name ?? b.tag_name, body: b.body ?? '', draft: b.draft ?? false, prerelease: b.prerelease ?? false, assets: [] };
        releases.push(r);
        return send(res, 201, releaseJson(r));
      }
      if (req.method === 'PATCH' && (m = /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)$/.exec(path))) {
        const r = releases.find((x) => x.repository === m![1] && x.id === Number(m![2]));
        if (!r) return send(res, 404, { message: 'Not Found' });
        const b = JSON.parse((await body(req)).toString('utf8')) as Partial<EmulatedRelease>;
        Object.assign(r, { ...(b.name !== undefined ? { name: b.name } : {}), ...(b.body !== undefined ? { body: b.body } : {}), ...(b.prerelease !== undefined ? { prerelease: b.prerelease } : {}), ...(b.draft !== undefined ? { draft: b.draft } : {}) });
        return send(res, 200, releaseJson(r));
      }
      if (req.method === 'GET' && (m = /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/.exec(path))) {
        const r = releases.find((x) => x.repository === m![1] && x.id === Number(m![2]));
        if (!r) return send(res, 404, { message: 'Not Found' });
        return send(res, 200, r.assets.map((a) => assetJson(a, r)));
      }
      if (req.method === 'GET' && (m = /^\/repos\/([^/]+\/[^/]+)\/releases\/assets\/(\d+)$/.exec(path))) {
        const r = releases.find((x) => x.repository === m![1] && x.assets.some((a) => a.id === Number(m![2])));
        const a = r?.assets.find((x) => x.id === Number(m![2]));
        if (!r || !a) return send(res, 404, { message: 'Not Found' });
        if (req.headers.accept === 'application/octet-stream') {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.size });
          return void res.end(a.bytes);
        }
        return send(res, 200, assetJson(a, r));
      }
      if (req.method === 'POST' && (m = /^\/uploads\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/.exec(path))) {
        const r = releases.find((x) => x.repository === m![1] && x.id === Number(m![2]));
        const name = url.searchParams.get('name') ?? '';
        const bytes = await body(req);
        uploads.set(`${m[1]}/${name}`, (uploads.get(`${m[1]}/${name}`) ?? 0) + 1);
        if (!r) return send(res, 404, { message: 'Not Found' });
        if (faults.failUploads) {
          faults.failUploads--;
          return send(res, 500, { message: 'injected failure' });
        }
        if (!name) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'missing_field', field: 'name' }] });
        if (r.assets.some((a) => a.name === name)) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] });
        const a: EmulatedAsset = { id: nextId++, name, size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, content_type: String(req.headers['content-type'] ?? 'application/octet-stream'), bytes };
        r.assets.push(a);
        if (faults.loseUploadAnswers) {
          faults.loseUploadAnswers--;
          return send(res, 502, { message: 'injected: stored, answer lost' });
        }
        return send(res, 201, assetJson(a, r));
      }
      send(res, 404, { message: 'Not Found' });
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  const listening = await listen(server);
  base = listening.url;
  return { url: listening.url, releases, uploads, faults, close: () => listening.close() };
}
