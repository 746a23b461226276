// Where the repository and its git-ignored state folder are, for entry points, and where the
// bootstrap put its tools (the settings' rule, core/settings.ts toolsDirOf).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { toolsDirOf } from '../core/settings.ts';

const here = fileURLToPath(import.meta.url);
/** The package's root: this file is <root>/providers/paths.ts, or <root>/dist/providers/paths.js
 *  when tagship runs compiled (an installed package). Sources, scripts and examples sit there
 *  either way: the agent bundle is made from the sources, the workflow bundle from the compiled
 *  workflows when there are. */
export const REPO_ROOT = join(dirname(here), here.endsWith('.js') ? '../..' : '..');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.tagship');
/** The workflows the worker bundles: the compiled ones when tagship runs compiled — an installed
 *  package sits under node_modules, where the SDK's bundler compiles no TypeScript. */
export const WORKFLOWS_PATH = here.endsWith('.js') ? join(dirname(here), '..', 'workflows', 'index.js') : join(REPO_ROOT, 'workflows', 'index.ts');
export const TOOLS_DIR = toolsDirOf(process.env, DEFAULT_STATE_DIR);
