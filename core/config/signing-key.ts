// A project's signing key as tagship.yml names it: never the key itself, only where the worker
// finds it (a fingerprint in its keyring, or a secret key file, or `env:NAME` for a path in its
// environment).
import { z } from 'zod';

export const signingKey = z.strictObject({
  fingerprint: z.string().regex(/^[0-9A-Fa-f]{16,40}$/, 'must be a hex key id or fingerprint').optional(),
  /** Path of an exported secret key file, read by the worker (never sent through workflows). */
  keyFile: z.string().min(1).optional(),
});
