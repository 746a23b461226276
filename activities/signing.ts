// Signing with GnuPG. The secret key is read by the worker from a file it was configured with
// (never sent through a workflow); it is imported into a temporary GNUPGHOME that is removed
// when signing is done, so no key material outlives the step.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { signingKeyProblem } from '../core/config/signing-key.ts';

const run = promisify(execFile);

export interface SigningKeyRef {
  fingerprint?: string;
  /** A secret key file on the worker's host. */
  keyFile?: string;
}

export interface Signer {
  fingerprint: string;
  gnupgHome: string;
  clearsign(input: string, output: string): Promise<void>;
  detachSign(input: string, output: string): Promise<void>;
  /** Armored (.asc) and binary (.gpg, for apt's signed-by) public keys. */
  exportPublic(armored: string, binary: string): Promise<void>;
}

export async function withSigner<T>(key: SigningKeyRef, fn: (s: Signer) => Promise<T>): Promise<T> {
  const home = key.keyFile ? await mkdtemp(join(tmpdir(), 'tagship-gnupg-')) : (process.env.GNUPGHOME ?? join(process.env.HOME ?? '/root', '.gnupg'));
  const gpg = (args: string[]) => run('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  try {
    if (key.keyFile) {
      try {
        await gpg(['--import', key.keyFile]);
      } catch (err) {
        throw nonRetryable(FailureType.ConfigInvalid, `signingKey.keyFile ${key.keyFile} could not be imported: ${String((err as { stderr?: string }).stderr ?? err).trim()}`);
      }
    }
    const { stdout } = await gpg(['--with-colons', '--list-secret-keys', ...(key.fingerprint ? [key.fingerprint] : [])]).catch(() => ({ stdout: '' }));
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(stdout)?.[1];
    if (!fpr) {
      throw nonRetryable(FailureType.ConfigInvalid, `signingKey: no secret key ${key.fingerprint ?? ''} in ${key.keyFile ?? home}; give a keyFile or a fingerprint in the worker's keyring`);
    }
    return await fn({
      fingerprint: fpr,
      gnupgHome: home,
      clearsign: async (i, o) => void (await gpg(['--local-user', fpr, '--digest-algo', 'SHA256', '--clearsign', '-o', o, i])),
      detachSign: async (i, o) => void (await gpg(['--local-user', fpr, '--digest-algo', 'SHA256', '--armor', '--detach-sign', '-o', o, i])),
      exportPublic: async (armored, binary) => {
        await gpg(['--armor', '--export', '-o', armored, fpr]);
        await gpg(['--export', '-o', binary, fpr]);
      },
    });
  } finally {
    if (key.keyFile) await rm(home, { recursive: true, force: true });
  }
}

/** Resolves a project's `env:NAME` key file against the worker's environment — only a variable
 *  that carries the project's prefix: whoever starts a workflow may pass any key reference, and
 *  the worker holds every project's keys. */
export function resolveKey(key: SigningKeyRef, env: Record<string, string | undefined>, field: string, project: string): SigningKeyRef {
  const problem = signingKeyProblem(project, key);
  if (problem) throw nonRetryable(FailureType.ConfigInvalid, `${field}: ${problem}`);
  const name = key.keyFile!.slice(4);
  const path = env[name];
  if (!path) throw nonRetryable(FailureType.ConfigInvalid, `${field}.keyFile is "env:${name}" but the worker has no ${name} in its environment; set it to the path of the secret key file`);
  return { ...key, keyFile: path };
}
