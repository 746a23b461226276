// The orchestrator worker: runs the workflows and the activities that drive machines,
// artifacts and (later) registries. Entry point: `npm run worker`.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { pathToFileURL } from 'node:url';
import { parseSettings } from '../core/settings.ts';
import { createOrchestratorActivities, type OrchestratorDeps } from './deps.ts';
import { DEFAULT_STATE_DIR, WORKFLOWS_PATH } from './paths.ts';

export interface OrchestratorWorkerOptions extends OrchestratorDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** A pre-built workflow bundle (tests build it once); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createOrchestratorWorker(opts: OrchestratorWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createOrchestratorActivities(opts),
    // A worker shutting down lets running activities finish their heartbeat cycle.
    shutdownGraceTime: '10 seconds',
  });
}

async function main(): Promise<void> {
  const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
  const connection = await NativeConnection.connect({ address: settings.temporalAddress });
  const worker = await createOrchestratorWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue, stateDir: settings.stateDir });
  // The SDK's worker drains on SIGINT/SIGTERM by default: polling stops, running tasks finish.
  console.log(`tagship orchestrator worker on ${settings.temporalAddress}, task queue ${settings.taskQueue}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
