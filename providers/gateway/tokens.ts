// Machine tokens: each build machine gets a token bound to its project, version, target and
// machine name, valid for a bounded time, signed (HMAC-SHA256) with the gateway's secret,
// which never leaves the orchestrator. The gateway lets a machine fetch sources and store
// artifacts for its own scope only, so a build that digs its agent's token out of /proc can
// write nothing for another project, version or target.
// A droplet gets no token in its user data (readable through the metadata service for the
// droplet's whole life) but a one-time enrolment secret, signed the same way, which its agent
// exchanges at the gateway for its token; once used it is worth nothing.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface MachineScope {
  project: string;
  version: string;
  target: string;
  machine: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** An enrolment secret's scope: the machine's, and a nonce that the gateway records when the
 *  secret is used, so it is used once. */
export interface EnrolmentScope extends MachineScope {
  nonce: string;
}

// Each kind signs under its own prefix, so one can never pass for the other.
const MACHINE = 'tsm1';
const ENROLMENT = 'tse1';

function sign(secret: string, prefix: string, payload: string): string {
  return createHmac('sha256', secret).update(`${prefix}.${payload}`).digest('base64url');
}

function mint(secret: string, prefix: string, scope: object): string {
  const payload = Buffer.from(JSON.stringify(scope)).toString('base64url');
  return `${prefix}.${payload}.${sign(secret, prefix, payload)}`;
}

function verify<T extends MachineScope>(secret: string, prefix: string, token: string, now: number): T | null {
  const [kind, payload, sig] = token.split('.');
  if (kind !== prefix || !payload || !sig) return null;
  const want = Buffer.from(sign(secret, prefix, payload));
  const given = Buffer.from(sig);
  if (want.length !== given.length || !timingSafeEqual(want, given)) return null;
  let scope: T;
  try {
    scope = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
  if (typeof scope.expiresAt !== 'number' || scope.expiresAt < now) return null;
  return scope;
}

export function mintMachineToken(secret: string, scope: MachineScope): string {
  return mint(secret, MACHINE, scope);
}

/** The token's scope when its signature holds and it has not expired; null otherwise. */
export function verifyMachineToken(secret: string, token: string, now: number): MachineScope | null {
  return verify<MachineScope>(secret, MACHINE, token, now);
}

export function mintEnrolment(secret: string, scope: MachineScope): string {
  return mint(secret, ENROLMENT, { ...scope, nonce: randomBytes(12).toString('base64url') });
}

/** The enrolment's scope when its signature holds and it has not expired (whether it was
 *  used already is the gateway's ledger to say); null otherwise. */
export function verifyEnrolment(secret: string, token: string, now: number): EnrolmentScope | null {
  const scope = verify<EnrolmentScope>(secret, ENROLMENT, token, now);
  return scope && typeof scope.nonce === 'string' ? scope : null;
}

/** How long a machine's token is good for: past the longest target timeout tagship.yml
 *  allows (24 h), so a build never outlives its token; a deleted machine's token is useless
 *  once it expires. */
export const MACHINE_TOKEN_HOURS = 26;

/** How long a droplet has to boot and enrol. */
export const ENROLMENT_HOURS = 2;
