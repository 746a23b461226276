// Checks on what an activity is asked to touch. A workflow start is an input like any other:
// whoever can start one (an operator's typo, a compromised client) must not make an activity
// copy, serve or delete anything outside tagship's own folders. Each check fails with a
// non-retryable InvalidInput naming the field.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { storeNameProblem, type StoreNameKind } from '../core/store-names.ts';

// A repository tree or staging folder: `<version>-<run digest>`, a plain name.
const TREE_ID = /^[0-9A-Za-z][0-9A-Za-z.+~-]{0,127}$/;

export function invalidInput(field: string, problem: string) {
  return nonRetryable(FailureType.InvalidInput, `${field}: ${problem}`);
}

export function requireName(field: string, kind: StoreNameKind, value: unknown): void {
  const problem = storeNameProblem(kind, value);
  if (problem) throw invalidInput(field, problem);
}

export function requireTreeId(field: string, value: unknown): void {
  if (typeof value !== 'string' || !TREE_ID.test(value) || value.includes('..')) {
    throw invalidInput(field, `${JSON.stringify(value)} is not a tree id (letters, digits, ".", "+", "~", "-"; no "..")`);
  }
}

/** The real path of `path` when it lies strictly inside `root` (symlinks resolved on both). */
export async function requireInside(field: string, root: string, path: unknown): Promise<string> {
  if (typeof path !== 'string' || !path) throw invalidInput(field, 'must be a path');
  const [realRoot, real] = await Promise.all([realpath(root).catch(() => resolve(root)), realpath(path).catch(() => null)]);
  if (!real) throw invalidInput(field, `${path} does not exist`);
  const rel = relative(realRoot, real);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw invalidInput(field, `${path} is outside ${root}, where tagship stages repositories`);
  return real;
}
