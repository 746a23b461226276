// The codec endpoint the Temporal Web UI calls (`--ui-codec-endpoint`), so operators still read
// decoded payloads: POST /decode and /encode with {payloads: [...]} (JSON payloads, base64
// data), per Temporal's remote codec protocol. CORS allows the UI's origin only. It decrypts
// whatever it is sent, so it answers only a caller that shows its token — as a bearer token
// (the UI's "pass access token" setting, the CLI) or as the first segment of the endpoint's
// path (`http://127.0.0.1:8890/<token>`, which any UI setting can carry) — and bodies are capped.
import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { listen, type Listening } from '../http/listen.ts';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const fromPayload = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** A history page's payloads are KiB; a body larger than this is not the UI's. */
export const MAX_CODEC_BODY = 4 << 20;

function sameToken(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export async function startCodecServer(opts: { codec: PayloadCodec; uiOrigin: string; token: string; port?: number }): Promise<Listening> {
  if (opts.token.length < 24) throw new Error('the codec endpoint\'s token must be at least 24 characters');
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', opts.uiOrigin);
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const path = (req.url ?? '/').split('?')[0]!;
    // /<token>/decode, or /decode with Authorization: Bearer <token>.
    const m = /^(?:\/([^/]+))?\/(decode|encode)$/.exec(path);
    if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const given = m[1] ?? bearer;
    if (!given || !sameToken(given, opts.token)) {
      res.setHeader('connection', 'close');
      return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the codec endpoint needs its token: Authorization: Bearer <token>, or the endpoint URL http://<host>:<port>/<token>' }));
    }
    const route = `/${m[2]}`;
    if (Number(req.headers['content-length'] ?? 0) > MAX_CODEC_BODY) {
      res.setHeader('connection', 'close');
      return void res.writeHead(413).end();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CODEC_BODY) {
        res.setHeader('connection', 'close');
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const { payloads } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads: JsonPayload[] };
        const out = route === '/decode' ? await opts.codec.decode(payloads.map(toPayload)) : await opts.codec.encode(payloads.map(toPayload));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ payloads: out.map(fromPayload) }));
      })().catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      });
    });
  });
  return listen(server, { ...(opts.port !== undefined ? { port: opts.port } : {}) });
}
