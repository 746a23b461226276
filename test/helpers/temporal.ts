// Test access to the real Temporal server that scripts/run-tests.ts started, and an
// orchestrator worker per test on its own task queue and state folder.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createOrchestratorWorker } from '../../workers/orchestrator.ts';

let runtimeInstalled = false;

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through `npm test` (scripts/run-tests.ts), which starts the server');
  return address;
}

export interface TestContext {
  client: Client;
  taskQueue: string;
  stateDir: string;
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Runs `fn` while an orchestrator worker polls a fresh task queue. */
export async function withWorker<T>(fn: (ctx: TestContext) => Promise<T>, opts: { stateDir?: string } = {}): Promise<T> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = temporalAddress();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'tagship-test-'));
  const taskQueue = `test-${uniqueSuffix()}`;
  const workerConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const bundle = process.env.TAGSHIP_WORKFLOW_BUNDLE;
  const worker = await createOrchestratorWorker({ connection: workerConnection, taskQueue, stateDir, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  try {
    return await worker.runUntil(fn({ client, taskQueue, stateDir }));
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}

/** Event types and activity names of a workflow's history, in order. */
export async function historySummary(client: Client, workflowId: string): Promise<{ events: string[]; activities: string[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = (history.events ?? []).map((e) => String(e.eventType));
  const activities = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  return { events, activities };
}
