// A project's signing key as tagship.yml names it: never the key itself, only where the worker
// finds it — `env:NAME`, a variable of the worker's environment holding the path of a secret key
// file, optionally with the fingerprint of the key to use in it. The worker holds every
// project's keys and every tagship.yml is hostile, so a project may name only variables that
// carry its own prefix (hello-veilid: HELLO_VEILID_…): the operator binds a key to a project by
// naming its variable so. A plain path, or a fingerprint in the worker's own keyring, could name
// any project's key and is refused.
import { z } from 'zod';
import { projectEnvPrefix, projectVariableProblem } from './project-env.ts';

export { projectEnvPrefix };

export const signingKey = z.strictObject({
  fingerprint: z.string().regex(/^[0-9A-Fa-f]{16,40}$/, 'must be a hex key id or fingerprint').optional(),
  /** Path of an exported secret key file, read by the worker (never sent through workflows). */
  keyFile: z.string().min(1).optional(),
});

/** Why `project` may not sign with `key`, or null. */
export function signingKeyProblem(project: string, key: { fingerprint?: string | undefined; keyFile?: string | undefined }): string | null {
  const prefix = projectEnvPrefix(project);
  const fix = `name it by a variable of the worker's environment that carries the project's prefix, e.g. keyFile: "env:${prefix}SIGNING_KEY"`;
  if (!key.keyFile) return `a key named by fingerprint alone would come from the worker's keyring, which holds other projects' keys; ${fix}`;
  if (!key.keyFile.startsWith('env:')) return `keyFile ${JSON.stringify(key.keyFile)} is a path, and a path could name any project's key; ${fix}`;
  const problem = projectVariableProblem(project, key.keyFile, 'SIGNING_KEY');
  return problem ? `keyFile ${problem}` : null;
}
