// Where the repository and its git-ignored state folder are, for entry points.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.tagship');
export const WORKFLOWS_PATH = join(REPO_ROOT, 'workflows', 'index.ts');
