// The demo's throwaway repository signing key: generated once with gpg into .tagship/demo/,
// in a temporary GNUPGHOME that is removed; only the exported key file stays (mode 600).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function demoSigningKey(stateDir: string): string {
  const dir = join(stateDir, 'demo');
  const keyFile = join(dir, 'signing-key.asc');
  if (existsSync(keyFile)) return keyFile;
  mkdirSync(dir, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'tagship-demo-gnupg-'));
  try {
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--quick-gen-key', 'tagship demo repository <demo@example.invalid>', 'rsa3072', 'sign', '1y']);
    gpg(['--armor', '--export-secret-keys', '-o', keyFile]);
    chmodSync(keyFile, 0o600);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return keyFile;
}
