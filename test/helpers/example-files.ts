// The committed files of an example project, to put into a throwaway git repository.
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../providers/paths.ts';

export function exampleFiles(name: string, skip: RegExp = /(^|\/)(out|__pycache__|\.pytest_cache)(\/|$)/): Record<string, string> {
  const root = join(REPO_ROOT, 'examples', name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const rel = relative(root, path);
      if (skip.test(rel)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else files[rel] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}

/** A working copy of examples/hello-veilid whose rpm repository URL (baseUrl, written into the
 *  .repo file) points at a repo server on `port`, or under the URL given (ending in "/"). */
export function helloVeilidCopy(port: number | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-hv-'));
  cpSync(join(REPO_ROOT, 'examples', 'hello-veilid'), dir, { recursive: true, filter: (src) => !src.includes('/out') });
  const yml = join(dir, 'tagship.yml');
  writeFileSync(yml, readFileSync(yml, 'utf8').replace('http://127.0.0.1:8480/', typeof port === 'string' ? port : `http://127.0.0.1:${port}/`));
  return dir;
}
