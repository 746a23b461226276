// Where the repository and its git-ignored state folder are, for entry points, and where the
// bootstrap put its tools (the settings' rule, core/settings.ts toolsDirOf).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { toolsDirOf } from '../core/settings.ts';

const here = fileURLToPath(import.meta.url);
/** The package's root: this file is <root>/providers/paths.ts, or <root>/dist/providers/paths.js
 *  when tagship runs compiled (an installed package). Sources, scripts and examples sit there
 *  either way: the workflow bundle and the agent bundle are made from the sources. */
export const REPO_ROOT = join(dirname(here), here.endsWith('.js') ? '../..' : '..');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.tagship');
export const WORKFLOWS_PATH = join(REPO_ROOT, 'workflows', 'index.ts');
export const TOOLS_DIR = toolsDirOf(process.env, DEFAULT_STATE_DIR);
