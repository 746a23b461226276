// How tagship connects to Temporal beyond the address: TLS (server CA, client certificate and
// key for mTLS, server name), an API key and gRPC metadata, all from the SDK's own client
// configuration (@temporalio/envconfig) — TEMPORAL_TLS_* and TEMPORAL_API_KEY variables, or a
// profile of its config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE). The worker, the CLI,
// the hook server and the machines' relay all take it from here. The address stays tagship's
// setting (TEMPORAL_ADDRESS, the same variable), so the tests' and the demo's servers win.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';

export interface TemporalConnection {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnection(address: string, env: Record<string, string | undefined> = process.env): TemporalConnection {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const { connectionOptions: o } = loadClientConnectConfig({ overrideEnvVars: vars });
  return {
    address,
    ...(o.tls !== undefined && o.tls !== false ? { tls: o.tls as TLSConfig | boolean } : {}),
    ...(typeof o.apiKey === 'string' && o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.metadata && Object.keys(o.metadata).length ? { metadata: o.metadata as Record<string, string> } : {}),
  };
}

/** What a byte relay to the frontend needs to open the same TLS session the SDK would (the
 *  machines' agents speak plain gRPC to their relay; the relay holds the certificate). */
export function relayTls(c: TemporalConnection): TlsOptions | undefined {
  if (!c.tls) return undefined;
  const t: TLSConfig = c.tls === true ? {} : c.tls;
  const host = c.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return {
    ALPNProtocols: ['h2'],
    servername: t.serverNameOverride ?? host,
    ...(t.serverRootCACertificate ? { ca: Buffer.from(t.serverRootCACertificate) } : {}),
    ...(t.clientCertPair ? { cert: Buffer.from(t.clientCertPair.crt), key: Buffer.from(t.clientCertPair.key) } : {}),
  };
}
