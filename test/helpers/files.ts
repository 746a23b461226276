// File-tree fingerprints for tests that prove an attempt changed nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../providers/paths.ts';

/** Every regular file under `dir` with its sha256 (symlinks and sockets are skipped). */
export function digestTree(dir: string, skip: (relPath: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = relative(dir, join(e.parentPath, e.name));
    if (e.isFile() && !skip(rel)) out[rel] = createHash('sha256').update(readFileSync(join(e.parentPath, e.name))).digest('hex');
  }
  return out;
}

/** Where a release writes in the state folder by design; everything else there (the gateway's
 *  secret, the provenance key, …) a build must leave as it was. */
const RELEASE_WRITES = /^((artifacts|sources|control|repos|repo-server|mirrors)\/|enrolments-used$)/;

/** Fingerprints what no build may change — the state folder outside the places releases write,
 *  and every file of the repository's work tree that git tracks — and returns a check that
 *  fails the test naming what changed. */
export function untouched(stateDir: string): () => void {
  const repo = () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT }).toString().split('\0').filter(Boolean);
    return Object.fromEntries(files.filter((f) => existsSync(join(REPO_ROOT, f))).map((f) => [f, createHash('sha256').update(readFileSync(join(REPO_ROOT, f))).digest('hex')]));
  };
  const state = () => digestTree(stateDir, (p) => RELEASE_WRITES.test(p));
  const before = { state: state(), repo: repo() };
  return () => {
    assert.deepEqual(state(), before.state, 'the state folder outside the release\'s own places is as it was');
    assert.deepEqual(repo(), before.repo, 'the repository\'s files are as they were');
  };
}
