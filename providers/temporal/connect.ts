// The one way tagship's clients (the CLI, the hook server, the worker, the demo, the reaper
// script) reach Temporal: the namespace and payload codec from the settings, and a failure to
// connect that says where it looked and what to do.
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../../core/settings.ts';
import { dataConverterFromEnv } from '../codec/aes-gcm.ts';
import { temporalConnection } from './connection.ts';

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(
      `could not reach the Temporal server at ${address} (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'start one (`npm run demo` starts a local dev server on 127.0.0.1:7233, or run `temporal server start-dev`), or point TEMPORAL_ADDRESS at yours',
    );
    this.name = 'TemporalUnreachableError';
  }
}

export interface ConnectedClient {
  client: Client;
  close: () => Promise<void>;
}

export async function connectClient(settings: Pick<Settings, 'temporalAddress' | 'namespace'> & Partial<Pick<Settings, 'codecEnv'>>, codecEnv: Record<string, string | undefined> = settings.codecEnv ?? {}, address = settings.temporalAddress): Promise<ConnectedClient> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnection(address), connectTimeout: '5 seconds' });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
  const dataConverter = dataConverterFromEnv(codecEnv);
  return {
    client: new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}) }),
    close: () => connection.close(),
  };
}
