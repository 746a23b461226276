// Machine tokens: each build machine gets a token bound to its project, version, target and
// machine name, valid for a bounded time, signed (HMAC-SHA256) with the gateway's secret,
// which never leaves the orchestrator. The gateway lets a machine fetch sources and store
// artifacts for its own scope only, so a build that digs its agent's token out of /proc can
// write nothing for another project, version or target.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MachineScope {
  project: string;
  version: string;
  target: string;
  machine: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const PREFIX = 'tsm1';

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest('base64url');
}

export function mintMachineToken(secret: string, scope: MachineScope): string {
  const payload = Buffer.from(JSON.stringify(scope)).toString('base64url');
  return `${PREFIX}.${payload}.${sign(secret, payload)}`;
}

/** The token's scope when its signature holds and it has not expired; null otherwise. */
export function verifyMachineToken(secret: string, token: string, now: number): MachineScope | null {
  const [prefix, payload, sig] = token.split('.');
  if (prefix !== PREFIX || !payload || !sig) return null;
  const want = Buffer.from(sign(secret, payload));
  const given = Buffer.from(sig);
  if (want.length !== given.length || !timingSafeEqual(want, given)) return null;
  let scope: MachineScope;
  try {
    scope = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as MachineScope;
  } catch {
    return null;
  }
  if (typeof scope.expiresAt !== 'number' || scope.expiresAt < now) return null;
  return scope;
}

/** How long a machine's token is good for: past the longest target timeout tagship.yml
 *  allows (24 h), so a build never outlives its token; a deleted machine's token is useless
 *  once it expires. */
export const MACHINE_TOKEN_HOURS = 26;
