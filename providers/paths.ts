// Where the repository and its git-ignored state folder are, for entry points, and where the
// bootstrap put its tools (the settings' rule, core/settings.ts toolsDirOf).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { toolsDirOf } from '../core/settings.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.tagship');
export const WORKFLOWS_PATH = join(REPO_ROOT, 'workflows', 'index.ts');
export const TOOLS_DIR = toolsDirOf(process.env, DEFAULT_STATE_DIR);
