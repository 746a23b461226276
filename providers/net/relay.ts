// A byte relay between two stream endpoints (TCP or unix socket), used to give a build
// machine's agent — and nothing else on the machine — a way to Temporal and the gateway:
// the orchestrator serves each machine a unix socket in a folder only root can enter, and the
// agent relays a loopback port to it, admitting only connections its own user opened.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { socketOwner } from '../../core/proc-net.ts';

export type Endpoint = { path: string } | { host: string; port: number };

export interface Relay {
  /** Where it listens (the port is filled in when 0 was asked for). */
  endpoint: Endpoint;
  close(): Promise<void>;
}

export interface RelayOptions {
  listen: Endpoint;
  to: Endpoint;
  /** Decides per connection, before one byte is forwarded; refused ones are closed. */
  admit?: (client: Socket) => Promise<boolean>;
  /** Told of each refused connection. */
  onRefused?: (client: Socket) => void;
}

/** "host:port" (the form Temporal addresses take) or an http URL, as an endpoint. */
export function tcpEndpoint(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    void (async () => {
      if (opts.admit && !(await opts.admit(client).catch(() => false))) {
        opts.onRefused?.(client);
        client.destroy();
        return;
      }
      const upstream = connect(opts.to);
      track(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const endpoint: Endpoint = typeof address === 'string' || address === null ? opts.listen : { host: address.address, port: address.port };
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An admit rule for a loopback listener: only sockets owned by `uid` (this process's user,
 *  by default) get through — the kernel's socket tables say who opened each connection. */
export function sameUserOnly(uid = process.getuid?.() ?? 0): (client: Socket) => Promise<boolean> {
  return async (client) => {
    if (client.remotePort === undefined || client.localPort === undefined) return false;
    const tables = (await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')))).join('\n');
    return socketOwner(tables, client.remotePort, client.localPort) === uid;
  };
}
