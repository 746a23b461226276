// Throwaway signing keys for tests: generated in a temporary GNUPGHOME that is removed
// afterwards; only the exported secret key file (in a temp folder) remains for the worker.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKey {
  keyFile: string;
  fingerprint: string;
  /** The armored secret key text, to look for in places it must never appear. */
  secretArmored: string;
}

export function generateTestKey(uid = 'tagship test <test@example.invalid>'): TestKey {
  const home = mkdtempSync(join(tmpdir(), 'tagship-gnupg-gen-'));
  const out = mkdtempSync(join(tmpdir(), 'tagship-key-'));
  try {
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--quick-gen-key', uid, 'rsa3072', 'sign', '1d']);
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-secret-keys']))![1]!;
    const keyFile = join(out, 'signing-key.asc');
    gpg(['--armor', '--export-secret-keys', '-o', keyFile, fingerprint]);
    const secretArmored = gpg(['--armor', '--export-secret-keys', fingerprint]);
    return { keyFile, fingerprint, secretArmored };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Writes the binary public keyring (for apt's signed-by) of a secret key file. */
export function publicKeyring(keyFile: string, out: string): void {
  const home = mkdtempSync(join(tmpdir(), 'tagship-gnupg-pub-'));
  try {
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--yes', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--import', keyFile]);
    gpg(['--export', '-o', out]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Binds `keyFile` to `project` the way an operator does: a variable with the project's prefix
 *  (core/config/signing-key.ts), set in this process (where withWorker's worker reads it).
 *  Returns the variable and the `env:` reference tagship.yml names. */
export function projectKey(project: string, keyFile: string): { name: string; ref: string } {
  const name = `${project.toUpperCase().replace(/-/g, '_')}_SIGNING_KEY`;
  process.env[name] = keyFile;
  return { name, ref: `env:${name}` };
}
