// The orchestrator worker as a separate process (workers/orchestrator.ts), for tests that
// kill it; resolves once it says it is polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from '../../providers/paths.ts';
import { freePort } from '../../providers/net/ports.ts';
import { temporalAddress, uniqueSuffix } from './temporal.ts';

/** Settings for an orchestrator process that survive its restart: its own task queue and state
 *  folder, and a fixed gateway port and agent token, so agents find it again. */
export interface OrchestratorEnv extends Record<string, string> {
  TEMPORAL_ADDRESS: string;
  TAGSHIP_TASK_QUEUE: string;
  TAGSHIP_STATE_DIR: string;
}

export async function orchestratorEnv(prefix: string, extra: Record<string, string> = {}): Promise<OrchestratorEnv> {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TAGSHIP_TASK_QUEUE: `${prefix}-${uniqueSuffix()}`,
    TAGSHIP_STATE_DIR: mkdtempSync(join(tmpdir(), `tagship-${prefix}-`)),
    TAGSHIP_GATEWAY_PORT: String(await freePort()),
    TAGSHIP_AGENT_TOKEN: randomBytes(16).toString('hex'),
    ...extra,
  };
}

/** `onOutput` hears everything the process writes, from its first line. */
export function startOrchestrator(env: Record<string, string>, onOutput?: (text: string) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'workers', 'orchestrator.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (b: Buffer) => {
      onOutput?.(b.toString());
      output += b.toString();
      if (output.includes('tagship orchestrator worker on')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`orchestrator exited (${code}) before it was ready:\n${output}`)));
  });
}
