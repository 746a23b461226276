// tagship's egress proxy: the one way out for work that asked for network (`network: true`
// builds and tests, the RUN lines of image builds). Docker here has no NAT or DNS of its own,
// and where it has, a build should still reach only what it needs: package registries and the
// like. The proxy listens on the gateway address of tagship's egress bridge (a network of its
// own, never loopback), speaks HTTP CONNECT (https) and plain-http forwarding on ports 80 and
// 443, and lets a request through only when
//   - its host is on the allowlist (exact names, `*.suffix`, or `*` for any host), and
//   - every address the name resolves to is public: never loopback (the control plane), private
//     or link-local ranges (cloud metadata, private networks) nor this host's own networks.
// The connection goes to the address that was checked, never to a second lookup. Every
// decision is logged with the machine that asked (the user name of its proxy URL).
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { BlockList, connect, isIP, type Socket } from 'node:net';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';

export interface EgressDecision {
  who: string;
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
}

export interface EgressProxyOptions {
  /** The address to listen on: the egress bridge's gateway. */
  host: string;
  port?: number;
  /** Host patterns let through: "pkgs.example.org", "*.example.org", or "*" (any public host). */
  allow: readonly string[];
  log?: (d: EgressDecision) => void;
  /** For tests: the resolver (defaults to the system's). */
  resolve?: (host: string) => Promise<string[]>;
}

export interface EgressProxy {
  /** http://<host>:<port> */
  url: string;
  host: string;
  port: number;
  /** The proxy URL a machine is given (its name as the user, for the log). */
  urlFor(who: string): string;
  close(): Promise<void>;
}

const PORTS = new Set([80, 443]);

/** Addresses no build may reach through the proxy. */
export function blockedAddresses(): BlockList {
  const b = new BlockList();
  for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) b.addSubnet(net, prefix, 'ipv4');
  // (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry: see inward().)
  for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) b.addSubnet(net, prefix, 'ipv6');
  // This host's own networks: whatever listens on its addresses, and its neighbours.
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const prefix = Number(a.cidr?.split('/')[1] ?? (a.family === 'IPv4' ? 32 : 128));
      b.addSubnet(a.address, prefix, a.family === 'IPv4' ? 'ipv4' : 'ipv6');
    }
  }
  return b;
}

/** Whether an address is one no build may reach; `::ffff:a.b.c.d` counts as a.b.c.d. */
function inward(blocked: BlockList, address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Whether `host` matches one of the patterns (pure). */
export function hostAllowed(host: string, allow: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return allow.some((p) => {
    const pattern = p.toLowerCase().trim();
    if (pattern === '*') return true;
    if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
    return h === pattern;
  });
}

function whoOf(req: IncomingMessage): string {
  const auth = req.headers['proxy-authorization'];
  const m = /^Basic\s+(\S+)$/i.exec(typeof auth === 'string' ? auth : '');
  const user = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':')[0] : '';
  return /^[A-Za-z0-9._-]{1,128}$/.test(user ?? '') ? user! : 'unknown';
}

export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  const blocked = blockedAddresses();
  const resolve = opts.resolve ?? (async (host: string) => (await lookup(host, { all: true })).map((a) => a.address));

  /** The checked address to connect to, or why not. */
  async function decide(who: string, host: string, port: number): Promise<{ address: string } | { refused: string }> {
    const say = (allowed: boolean, reason: string) => opts.log?.({ who, host, port, allowed, reason });
    if (!PORTS.has(port)) return say(false, 'port'), { refused: `port ${port} is not 80 or 443` };
    if (!hostAllowed(host, opts.allow)) return say(false, 'not allowed'), { refused: `${host} is not on the egress allowlist (TAGSHIP_EGRESS_ALLOW)` };
    const bare = host.replace(/^\[|\]$/g, '');
    const addresses = isIP(bare) ? [bare] : await resolve(bare).catch(() => [] as string[]);
    if (!addresses.length) return say(false, 'no address'), { refused: `${host} does not resolve` };
    const inside = addresses.find((a) => inward(blocked, a));
    if (inside) return say(false, `address ${inside}`), { refused: `${host} resolves to ${inside}, which is not a public address` };
    say(true, addresses[0]!);
    return { address: addresses[0]! };
  }

  const server: Server = createServer((req, res) => {
    // Plain http through the proxy: an absolute URL.
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('tagship egress proxy: send an absolute http:// URL or CONNECT\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400).end('tagship egress proxy: only http:// is forwarded; https goes through CONNECT\n');
      return;
    }
    const port = Number(url.port || 80);
    void decide(whoOf(req), url.hostname, port).then((d) => {
      if ('refused' in d) return void res.writeHead(403).end(`tagship egress proxy: ${d.refused}\n`);
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      delete headers['proxy-connection'];
      const upstream = httpRequest({ host: d.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers: { ...headers, host: url.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => (res.headersSent ? res.destroy() : res.writeHead(502).end(`tagship egress proxy: ${err.message}\n`)));
      req.pipe(upstream);
    });
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(req.url ?? '');
    client.on('error', () => undefined);
    if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    const host = m[1]!;
    const port = Number(m[2]);
    void decide(whoOf(req), host, port).then((d) => {
      if ('refused' in d) return void client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\ntagship egress proxy: ${d.refused}\n`);
      const upstream = connect({ host: d.address, port }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, opts.host, () => res());
  });
  const { port } = server.address() as { port: number };
  const hostPart = isIP(opts.host) === 6 ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostPart}:${port}`,
    host: opts.host,
    port,
    urlFor: (who) => `http://${encodeURIComponent(who)}:x@${hostPart}:${port}`,
    close: () => new Promise((res) => server.close(() => res())),
  };
}

/** The variables that point HTTP clients (pip, cargo, npm, curl, apt) at the proxy. */
export function proxyVariables(url: string): Record<string, string> {
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: 'localhost,127.0.0.1', no_proxy: 'localhost,127.0.0.1' };
}
