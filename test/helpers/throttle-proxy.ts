// A loopback TCP proxy that limits what clients send to its upstream to a fixed rate: a slow
// link between a build machine and the gateway, for uploads that take minutes.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ThrottleProxy {
  url: string;
  close(): Promise<void>;
}

/** Forwards loopback connections to `upstream()` (http://host:port, looked up per connection,
 *  so it can be known after the proxy starts), client → upstream at `bytesPerSecond`, the
 *  answer unthrottled. */
export async function startThrottleProxy(upstream: () => string, bytesPerSecond: number): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const { hostname, port } = new URL(upstream());
    const up = createConnection({ host: hostname, port: Number(port) });
    sockets.add(client).add(up);
    client.on('data', (chunk: Buffer) => {
      up.write(chunk);
      // Hold the client back for as long as this chunk takes at the given rate.
      client.pause();
      setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    up.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
