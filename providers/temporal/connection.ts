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

/** Where a droplet's agent finds the frontend's CA (written from its user data). */
export const AGENT_TEMPORAL_CA_FILE = '/var/lib/tagship/temporal-ca.pem';

/** How a droplet's agent opens the same kind of connection to the frontend, split by who may
 *  read each part: `env` and `files` go into the user data, which the metadata service serves
 *  all the droplet's life (only public things: TLS on, the server's CA and name); `handed` is
 *  given to the agent when it enrols, over the gateway's TLS (the client certificate and key,
 *  the API key, gRPC metadata), and kept root's only on the machine. */
export interface AgentTemporalProfile {
  env: Record<string, string>;
  files: Record<string, string>;
  handed: Record<string, string>;
}

export function agentTemporalProfile(c: TemporalConnection): AgentTemporalProfile {
  const profile: AgentTemporalProfile = { env: {}, files: {}, handed: {} };
  if (c.tls) {
    const t: TLSConfig = c.tls === true ? {} : c.tls;
    profile.env.TEMPORAL_TLS = 'true';
    if (t.serverNameOverride) profile.env.TEMPORAL_TLS_SERVER_NAME = t.serverNameOverride;
    if (t.serverRootCACertificate) {
      profile.files[AGENT_TEMPORAL_CA_FILE] = Buffer.from(t.serverRootCACertificate).toString('utf8');
      profile.env.TEMPORAL_TLS_SERVER_CA_CERT_PATH = AGENT_TEMPORAL_CA_FILE;
    }
    if (t.clientCertPair) {
      profile.handed.TEMPORAL_TLS_CLIENT_CERT_DATA = Buffer.from(t.clientCertPair.crt).toString('utf8');
      profile.handed.TEMPORAL_TLS_CLIENT_KEY_DATA = Buffer.from(t.clientCertPair.key).toString('utf8');
    }
  }
  if (c.apiKey) profile.handed.TEMPORAL_API_KEY = c.apiKey;
  for (const [k, v] of Object.entries(c.metadata ?? {})) profile.handed[`TEMPORAL_GRPC_META_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  return profile;
}

/** What an enrolling agent may take from the gateway's answer into its environment. */
export const HANDED_TO_AGENTS = /^(TAGSHIP_CODEC_KEYS|TAGSHIP_CODEC_KEY_ID|TEMPORAL_TLS_CLIENT_CERT_DATA|TEMPORAL_TLS_CLIENT_KEY_DATA|TEMPORAL_API_KEY|TEMPORAL_GRPC_META_[A-Z0-9_]+)$/;
