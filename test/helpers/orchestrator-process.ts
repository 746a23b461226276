// The orchestrator worker as a separate process (workers/orchestrator.ts), for tests that
// kill it; resolves once it says it is polling.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from '../../providers/paths.ts';
import { freePort } from '../../providers/net/ports.ts';
import { temporalConnection } from '../../providers/temporal/connection.ts';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { temporalAddress, uniqueSuffix } from './temporal.ts';

const { temporal } = proto;

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

/** Resolves once the process's worker polls its task queue (asked of Temporal: its log lines
 *  are for operators, at whatever level the settings name). `onOutput` hears everything the
 *  process writes, from its first line. `script`: another worker entry point (the benches'
 *  worker on simulated machines). */
export function startOrchestrator(env: Record<string, string>, onOutput?: (text: string) => void, script = join(REPO_ROOT, 'workers', 'orchestrator.ts')): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (b: Buffer) => {
    onOutput?.(b.toString());
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`orchestrator exited (${code}) before it was ready:\n${output}`));
    });
    void (async () => {
      // As the process connects: TLS and client certificate from its environment, if any.
      const connection = await Connection.connect(temporalConnection(env.TEMPORAL_ADDRESS ?? temporalAddress(), { ...process.env, ...env }));
      try {
        const taskQueue = { name: env.TAGSHIP_TASK_QUEUE ?? 'tagship-orchestrator-v1' };
        while (!exited) {
          const { pollers } = await connection.workflowService.describeTaskQueue({ namespace: env.TEMPORAL_NAMESPACE ?? 'default', taskQueue, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY });
          // This very process (the SDK's identity is <pid>@<host>), not one that died before it.
          if (pollers?.some((x) => x.identity?.startsWith(`${child.pid}@`))) return resolve(child);
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await connection.close();
      }
    })().catch(reject);
  });
}

/** What worker hosts that continue each other's releases share (README, "Several worker
 *  hosts"): one task queue, the S3 store, the agent token's secret and the provenance key (made
 *  here, in a folder `close` removes). Each worker still gets its own folder from
 *  orchestratorEnv. */
export function sharedHostsEnv(taskQueue: string, s3: { bucket: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } }): { env: Record<string, string> & { TAGSHIP_TASK_QUEUE: string }; close(): void } {
  const keyDir = mkdtempSync(join(tmpdir(), 'tagship-shared-key-'));
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(keyDir, 'provenance.pem')]);
  return {
    env: {
      TAGSHIP_TASK_QUEUE: taskQueue,
      TAGSHIP_AGENT_TOKEN: randomBytes(16).toString('hex'),
      TAGSHIP_PROVENANCE_KEY: join(keyDir, 'provenance.pem'),
      TAGSHIP_S3_BUCKET: s3.bucket,
      TAGSHIP_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
    close: () => rmSync(keyDir, { recursive: true, force: true }),
  };
}
