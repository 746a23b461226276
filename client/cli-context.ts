// What every `tagship` command shares: exit codes a script can rely on, the error that carries
// one, and how a command reaches Temporal (after its inputs were checked).
//   0 done / succeeded   1 the release or operation failed   2 bad input (nothing was changed)
//   3 no such release     4 still running (status)
import type { Client } from '@temporalio/client';
import type { Settings } from '../core/settings.ts';

export const Exit = { ok: 0, failed: 1, badInput: 2, notFound: 3, running: 4 } as const;

export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

export interface CliContext {
  print: (line: string) => void;
  /** The settings from the environment; invalid settings are bad input. */
  settings(): Settings;
  /** Connects (with the payload codec), runs `fn`, closes. */
  withClient<T>(fn: (client: Client, settings: Settings) => Promise<T>): Promise<T>;
}
