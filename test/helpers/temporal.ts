// Test access to the real Temporal server that scripts/run-tests.ts started, and an
// orchestrator worker per test on its own task queue and state folder.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import proto from '@temporalio/proto';
const { temporal } = proto;
import { createOrchestratorWorker } from '../../workers/orchestrator.ts';
import { dataConverterFromEnv } from '../../providers/codec/aes-gcm.ts';
import type { Orchestrator, OrchestratorDeps } from '../../workers/deps.ts';
import { deepestCause } from '../../core/causes.ts';
import { connectClient } from '../../providers/temporal/connect.ts';


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
  orchestrator: Orchestrator;
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Runs `fn` while an orchestrator worker polls a fresh task queue. */
export async function withWorker<T>(
  fn: (ctx: TestContext) => Promise<T>,
  opts: { stateDir?: string; artifacts?: OrchestratorDeps['artifacts']; repositories?: OrchestratorDeps['repositories']; qa?: OrchestratorDeps['qa']; provider?: OrchestratorDeps['provider']; codecEnv?: Record<string, string>; projects?: OrchestratorDeps['projects']; registry?: string; scannerCache?: string; registryConfig?: string; notify?: OrchestratorDeps['notify']; uiUrl?: string; forgeApiUrl?: string; traces?: SpanProcessor; gatewayPort?: number; gatewayPublicUrl?: string } & Pick<OrchestratorDeps, 'gatewayHost' | 'gatewayTls' | 'enrolmentEnv'> = {},
): Promise<T> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = temporalAddress();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'tagship-test-'));
  const taskQueue = `test-${uniqueSuffix()}`;
  const workerConnection = await NativeConnection.connect({ address });
  // The client as tagship's own are made, with the codec when the test gives one.
  const { client, close: closeClient } = await connectClient({ temporalAddress: address, namespace: 'default' }, opts.codecEnv ?? {});
  const dataConverter = opts.codecEnv ? dataConverterFromEnv(opts.codecEnv) : undefined;
  const bundle = process.env.TAGSHIP_WORKFLOW_BUNDLE;
  const started = await createOrchestratorWorker({
    connection: workerConnection,
    taskQueue,
    stateDir,
    temporalAddress: address,
    client,
    gatewayPort: opts.gatewayPort ?? 0,
    ...(opts.gatewayPublicUrl ? { gatewayPublicUrl: opts.gatewayPublicUrl } : {}),
    ...(opts.gatewayHost ? { gatewayHost: opts.gatewayHost } : {}),
    ...(opts.gatewayTls ? { gatewayTls: opts.gatewayTls } : {}),
    ...(opts.enrolmentEnv ? { enrolmentEnv: opts.enrolmentEnv } : {}),
    ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
    ...(opts.repositories ? { repositories: opts.repositories } : {}),
    ...(opts.qa ? { qa: opts.qa } : {}),
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.projects ? { projects: opts.projects } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.scannerCache ? { scannerCache: opts.scannerCache } : {}),
    ...(opts.registryConfig ? { registryConfig: opts.registryConfig } : {}),
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.uiUrl ? { uiUrl: opts.uiUrl } : {}),
    ...(opts.forgeApiUrl ? { forgeApiUrl: opts.forgeApiUrl } : {}),
    ...(opts.traces ? { traces: opts.traces } : {}),
    ...(dataConverter && opts.codecEnv ? { dataConverter, agentEnv: opts.codecEnv } : {}),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
  });
  try {
    return await started.runUntil(fn({ client, taskQueue, stateDir, orchestrator: started.orchestrator }));
  } finally {
    await closeClient();
    await workerConnection.close();
  }
}

/** Event types and activity names of a workflow's history, in order. */
export async function historySummary(client: Client, workflowId: string): Promise<{ events: string[]; activities: string[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // Event types arrive as enum numbers; name them so assertions read (and can fail) properly.
  const events = (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? `UNKNOWN_${e.eventType}`);
  const activities = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  return { events, activities };
}

/** Polls a workflow's `progress` query until `ready` accepts it. */
export async function waitForProgress<P>(client: Client, workflowId: string, ready: (p: P) => boolean, timeoutMs = 120_000): Promise<P> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const p = await client.workflow.getHandle(workflowId).query<P>('progress');
      if (ready(p)) return p;
    } catch {
      // not started yet
    }
    if (Date.now() > deadline) throw new Error(`${workflowId} did not reach the expected progress within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A workflow's result, or — after `timeoutMs` — a failure that says where it waits: the open
 *  workflows under it and each one's pending activities (attempts, last failure). A hang in a
 *  crash test then reads as a cause instead of the runner's per-file timeout. */
export async function resultWithin<T>(client: Client, handle: { workflowId: string; result(): Promise<T> }, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((r) => (timer = setTimeout(() => r('expired'), timeoutMs)));
  try {
    const first = await Promise.race([handle.result(), expired]);
    if (first !== 'expired') return first;
  } finally {
    clearTimeout(timer);
  }
  const lines: string[] = [];
  for await (const w of client.workflow.list({ query: `ExecutionStatus = "Running"` })) {
    if (w.workflowId !== handle.workflowId && !w.workflowId.startsWith(`${handle.workflowId}/`)) continue;
    const d = await client.workflow.getHandle(w.workflowId).describe();
    const pending = (d.raw.pendingActivities ?? []).map((a) => {
      const beat = a.heartbeatDetails?.payloads?.map((p) => Buffer.from(p.data ?? []).toString('utf8').slice(0, 300)).join(', ');
      const at = a.lastHeartbeatTime?.seconds ? `, last heartbeat ${new Date(Number(a.lastHeartbeatTime.seconds) * 1000).toISOString()}: ${beat}` : ', no heartbeat';
      return `${a.activityType?.name} (attempt ${a.attempt}, state ${temporal.api.enums.v1.PendingActivityState[a.state ?? 0]}${at}${a.lastFailure?.message ? `, last failure: ${a.lastFailure.message}` : ''})`;
    });
    lines.push(`${w.workflowId}: ${pending.length ? pending.join('; ') : 'no pending activity'}`);
  }
  throw new Error(`${handle.workflowId} did not end within ${timeoutMs} ms; open: ${lines.join(' | ') || 'none'}`);
}

/** Kills a release from outside as a crashed control plane would: its running target workflows
 *  first, then the release — no workflow code runs, so nothing cleans up (a release terminated
 *  alone asks its targets to cancel, and they delete their own machines). */
export async function terminateFromOutside(client: Client, releaseId: string, reason: string): Promise<void> {
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "${releaseId}/target/" AND ExecutionStatus = "Running"` })) {
    await client.workflow.getHandle(w.workflowId).terminate(reason).catch(() => undefined);
  }
  await client.workflow.getHandle(releaseId).terminate(reason);
}

/** How many times each activity type was scheduled in a workflow's history. */
export async function activityCounts(client: Client, workflowId: string): Promise<Record<string, number>> {
  const { activities } = await historySummary(client, workflowId);
  const counts: Record<string, number> = {};
  for (const a of activities) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

/** Everything a workflow's history holds as text, payloads decoded: what an operator (or an
 *  attacker with the history) could read. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (typeof v === 'string') parts.push(v);
  };
  walk(history);
  return parts.join('\n');
}

/** The innermost cause of a release's failure: its failure type and message. Fails the test
 *  when the release did not fail. */
export async function releaseFailure(result: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await result.then(() => assert.fail('expected the release to fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const cause = deepestCause(err);
  return { ...((cause as { type?: string }).type ? { type: (cause as { type?: string }).type } : {}), message: cause.message };
}
