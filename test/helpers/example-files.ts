// The committed files of an example project, to put into a throwaway git repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../workers/paths.ts';

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
