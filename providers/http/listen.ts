// Starts an HTTP(S) server on loopback (by default) and gives back its URL and a close() that
// also ends keep-alive connections, so tests and entry points stop promptly.
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(server: Server | TlsServer, opts: { port?: number; host?: string; scheme?: 'http' | 'https' } = {}): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `${opts.scheme ?? 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
