// A byte relay between two stream endpoints (TCP or unix socket), used to give a build
// machine's agent — and nothing else on the machine — a way to Temporal and the gateway:
// the orchestrator serves each machine a unix socket in a folder only root can enter, and the
// agent relays a port on the machine's loopback to it. Builds never share that loopback: each
// runs in a network namespace of its own (providers/sandbox/build-sandbox.ts), so the port is
// out of their reach by construction, not by a check of who connected.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';

export type Endpoint = { path: string } | { host: string; port: number };

export interface Relay {
  /** Where it listens (the port is filled in when 0 was asked for). */
  endpoint: Endpoint;
  close(): Promise<void>;
}

export interface RelayOptions {
  listen: Endpoint;
  to: Endpoint;
  /** Opens TLS to `to` (a secured Temporal frontend: the relay holds the client certificate,
   *  the machine never does). */
  tls?: TlsOptions;
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
  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    const upstream = opts.tls ? tlsConnect({ ...opts.tls, ...opts.to }) : connect(opts.to);
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
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
