// File-tree fingerprints for tests that prove an attempt changed nothing.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every regular file under `dir` with its sha256 (symlinks and sockets are skipped). */
export function digestTree(dir: string, skip: (relPath: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = relative(dir, join(e.parentPath, e.name));
    if (e.isFile() && !skip(rel)) out[rel] = createHash('sha256').update(readFileSync(join(e.parentPath, e.name))).digest('hex');
  }
  return out;
}
