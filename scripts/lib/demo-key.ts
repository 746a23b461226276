// The demo's throwaway keys, generated once with gpg into .tagship/demo/ in a temporary
// GNUPGHOME that is removed; only the exported key file stays (mode 600): the repository
// signing key the worker signs with, and a maintainer's key that signs the demo's tags.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function demoSigningKey(stateDir: string, name = 'signing-key', uid = 'tagship demo repository <demo@example.invalid>'): string {
  const dir = join(stateDir, 'demo');
  const keyFile = join(dir, `${name}.asc`);
  if (existsSync(keyFile)) return keyFile;
  mkdirSync(dir, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'tagship-demo-gnupg-'));
  try {
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--quick-gen-key', uid, 'rsa3072', 'sign', '1y']);
    gpg(['--armor', '--export-secret-keys', '-o', keyFile]);
    chmodSync(keyFile, 0o600);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return keyFile;
}
