// The codec endpoint the Temporal Web UI calls (`--ui-codec-endpoint`), so operators still read
// decoded payloads: POST /decode and /encode with {payloads: [...]} (JSON payloads, base64
// data), per Temporal's remote codec protocol. CORS allows the UI's origin only.
import { createServer } from 'node:http';
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

export async function startCodecServer(opts: { codec: PayloadCodec; uiOrigin: string; port?: number }): Promise<Listening> {
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', opts.uiOrigin);
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type, x-namespace');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const route = req.url?.split('?')[0];
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode')) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
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
