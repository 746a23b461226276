// Bundles the build agent into one ES module that plain Node runs on any machine arch (no
// TypeScript loader, whose native binary exists for the host arch only). Dependencies stay
// external and resolve from the repository's node_modules, mounted read-only on machines.
import { build } from 'esbuild';
import { join } from 'node:path';
import { REPO_ROOT } from '../providers/paths.ts';

export const AGENT_BUNDLE_RELATIVE = '.tagship/agent/agent.mjs';

export async function buildAgentBundle(): Promise<string> {
  const outfile = join(REPO_ROOT, AGENT_BUNDLE_RELATIVE);
  await build({
    entryPoints: [join(REPO_ROOT, 'workers', 'agent.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
