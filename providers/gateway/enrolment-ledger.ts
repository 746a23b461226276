// The gateway's record of used enrolment secrets: a secret is exchanged for a machine token
// once; a second use — someone who read the droplet's user data later — is refused. Kept in
// a file of the state folder, so an orchestrator restart does not make used secrets good again
// (entries past their secret's expiry are dropped when it is read), and claimed in the artifact
// store too when one is given, so that the gateway of another worker host (behind one public
// URL) refuses it as well.
import { appendFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class EnrolmentLedger {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly file?: string,
    now = Date.now(),
    private readonly shared?: (nonce: string, expiresAt: number) => Promise<boolean>,
  ) {
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [nonce, expires] = line.split(' ');
      if (nonce && Number(expires) >= now) this.used.set(nonce, Number(expires));
    }
  }

  /** Records the nonce as used; false when it was used before. */
  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(nonce) || this.used.has(nonce)) return false;
    this.used.set(nonce, expiresAt); // before the write: two requests at once cannot both win
    // The store could not say (unreachable): not used, as far as anyone knows — the agent's
    // retry may claim it then.
    const first = await this.shared?.(nonce, expiresAt).catch((err: unknown) => {
      this.used.delete(nonce);
      throw err;
    });
    if (first === false) return false;
    if (this.file) {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, `${nonce} ${expiresAt}\n`, { mode: 0o600 });
    }
    return true;
  }
}
