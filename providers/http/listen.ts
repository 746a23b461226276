// Starts an HTTP server on loopback (by default) and gives back its URL and a close() that
// also ends keep-alive connections, so tests and entry points stop promptly.
import type { Server } from 'node:http';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, opts: { port?: number; host?: string } = {}): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
