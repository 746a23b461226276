// The orchestrator worker: runs the workflows and the activities that drive machines,
// artifacts, registries and repositories, and serves the artifact gateway that build agents use.
// Entry point: `npm run worker`.
import { agentTemporalProfile, temporalConnection } from '../providers/temporal/connection.ts';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { connectClient } from '../providers/temporal/connect.ts';
import { pathToFileURL } from 'node:url';
import { parseSettings, settingsSecrets } from '../core/settings.ts';
import { createLogger, sdkLogger } from '../providers/log/logger.ts';
import { createOrchestrator, digitalOceanProvider, type Orchestrator, type OrchestratorDeps } from './deps.ts';
import { DEFAULT_STATE_DIR, WORKFLOWS_PATH } from '../providers/paths.ts';
import { DigitalOceanMachines } from '../providers/digitalocean/machines.ts';
import { dataConverterFromEnv } from '../providers/codec/aes-gcm.ts';
import { applySchedules, nightliesOf } from './schedules.ts';
import { readProjectsFile } from '../providers/projects/file.ts';
import { LIVENESS_OPTIONS } from '../activities/heartbeat.ts';
import { sharedStores } from './stores.ts';
import { otlpSpanProcessor, tracingOptions } from '../providers/temporal/tracing.ts';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import type { Settings } from '../core/settings.ts';

export interface OrchestratorWorkerOptions extends OrchestratorDeps {
  connection: NativeConnection;
  taskQueue: string;
  /** A pre-built workflow bundle (tests build it once); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The payload codec (encryption), when configured. */
  dataConverter?: WorkerOptions['dataConverter'];
  /** Where release traces go (OpenTelemetry spans); dropped without it. */
  traces?: SpanProcessor;
  /** Worker versioning: workflows are pinned to the build they started on. */
  deployment?: { name: string; buildId: string };
  /** Workflow tasks this worker runs at once (TAGSHIP_WORKFLOW_TASK_SLOTS); the SDK's default when unset. */
  workflowTaskSlots?: number;
}

export interface OrchestratorWorker {
  worker: Worker;
  orchestrator: Orchestrator;
  /** Runs the worker until `until` settles, then stops the gateway. */
  runUntil<T>(until: Promise<T> | (() => Promise<T>)): Promise<T>;
}

export async function createOrchestratorWorker(opts: OrchestratorWorkerOptions): Promise<OrchestratorWorker> {
  const orchestrator = await createOrchestrator(opts);
  try {
    const worker = await Worker.create({
      connection: opts.connection,
      namespace: opts.namespace ?? 'default',
      taskQueue: opts.taskQueue,
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
      activities: orchestrator.activities,
      ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
      shutdownGraceTime: '10 seconds',
      // Workflow tasks are short (a release's code only decides what runs next), but they all
      // run on one workflow thread: a busy worker holding 40 tasks makes each wait behind the
      // others inside it (seconds); fewer slots keep them short at some throughput (README).
      ...(opts.workflowTaskSlots ? { maxConcurrentWorkflowTaskExecutions: opts.workflowTaskSlots } : {}),
      // A release (and its children) finishes on the build it started on; a new build takes new
      // releases once it is made the deployment's current one.
      ...(opts.deployment ? { workerDeploymentOptions: { version: { deploymentName: opts.deployment.name, buildId: opts.deployment.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } } : {}),
      ...LIVENESS_OPTIONS,
      // Added to the liveness interceptors, never in their place: without them no heartbeat.
      ...tracingOptions(opts.traces, opts.workflowBundle !== undefined, LIVENESS_OPTIONS.interceptors),
    });
    orchestrator.readiness.ready = () => worker.getState() === 'RUNNING';
    return {
      worker,
      orchestrator,
      runUntil: async (until) => {
        try {
          return await worker.runUntil(until);
        } finally {
          await orchestrator.close();
        }
      },
    };
  } catch (err) {
    await orchestrator.close();
    throw err;
  }
}

/** The gateway's PEM files, read at start: a missing one stops the worker, naming its setting. */
function readGatewayTls(files: Settings['gatewayTls']): OrchestratorDeps['gatewayTls'] {
  if (!files) return undefined;
  const read = (setting: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); give a readable PEM file`);
    }
  };
  return {
    cert: read('TAGSHIP_GATEWAY_TLS_CERT', files.certFile),
    key: read('TAGSHIP_GATEWAY_TLS_KEY', files.keyFile),
    ...(files.caFile ? { ca: read('TAGSHIP_GATEWAY_TLS_CA', files.caFile) } : {}),
  };
}

/** The worker process: settings from the environment, runs until SIGINT/SIGTERM. */
export async function runOrchestratorWorker(): Promise<void> {
  const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
  // One logger for the process: the SDK's lines (activities' Context.current().log among them)
  // go through it too, with every secret the settings hold cut out.
  const log = createLogger({ level: settings.logLevel, secrets: settingsSecrets(settings) });
  // The SDK's metrics and tagship's own (workflows/metrics.ts), for Prometheus to scrape.
  Runtime.install({ logger: sdkLogger(log), ...(settings.metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: settings.metricsAddress } } } } : {}) });
  const connection = await NativeConnection.connect(temporalConnection(settings.temporalAddress));
  const { client, close: closeClient } = await connectClient(settings);
  const dataConverter = dataConverterFromEnv(settings.codecEnv);
  const gatewayTls = readGatewayTls(settings.gatewayTls);
  // Droplets connect to the frontend as this worker does, at the address they can reach.
  const agentAddress = settings.agentTemporalAddress ?? settings.temporalAddress;
  const agentTemporal = { address: agentAddress, profile: agentTemporalProfile(temporalConnection(agentAddress)) };
  const { worker, orchestrator } = await createOrchestratorWorker({
    ...(dataConverter ? { dataConverter, agentEnv: settings.codecEnv } : {}),
    toolsDir: settings.toolsDir,
    log,
    ...(settings.tracesUrl ? { traces: otlpSpanProcessor(settings.tracesUrl) } : {}),
    ...(settings.deployment ? { deployment: settings.deployment } : {}),
    workflowTaskSlots: settings.workflowTaskSlots,
    ...sharedStores(settings),
    registryEnv: settings.registryEnv,
    ...(settings.provenanceKeyFile ? { provenanceKeyFile: settings.provenanceKeyFile } : {}),
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    stateDir: settings.stateDir,
    temporalAddress: settings.temporalAddress,
    client,
    gatewayPort: settings.gatewayPort,
    gatewayHost: settings.gatewayHost,
    ...(settings.gatewayPublicUrl ? { gatewayPublicUrl: settings.gatewayPublicUrl } : {}),
    ...(settings.agentToken ? { agentToken: settings.agentToken } : {}),
    ...(settings.registry ? { registry: settings.registry } : {}),
    ...(settings.scannerCache ? { scannerCache: settings.scannerCache } : {}),
    ...(settings.registryConfig ? { registryConfig: settings.registryConfig } : {}),
    ...(settings.uiUrl ? { uiUrl: settings.uiUrl } : {}),
    ...(settings.notify ? { notify: settings.notify } : {}),
    egressAllow: settings.egressAllow,
    forgeApiUrl: settings.forgeApiUrl,
    ...(settings.projectsFile ? { projects: readProjectsFile(settings.projectsFile, process.env, { credentials: true }) } : {}),
    ...(gatewayTls ? { gatewayTls } : {}),
    ...(settings.provider === 'digitalocean' && settings.digitalocean
      ? {
          provider: digitalOceanProvider(settings.digitalocean, { address: agentTemporal.address, namespace: settings.namespace, temporal: agentTemporal.profile, ...(gatewayTls?.ca ? { gatewayCa: gatewayTls.ca } : {}) }),
          enrolmentEnv: agentTemporal.profile.handed,
        }
      : {}),
    // A prebuilt bundle saves the bundling at start (the test harness makes one).
    ...(settings.workflowBundle ? { workflowBundle: { codePath: settings.workflowBundle } } : {}),
  });
  if (orchestrator.machines instanceof DigitalOceanMachines) {
    const { dropletLimit } = await orchestrator.machines.checkToken();
    log.info({ dropletLimit }, 'DigitalOcean token accepted');
  }
  if (settings.schedules.apply) {
    const projects = settings.projectsFile ? readProjectsFile(settings.projectsFile, process.env) : undefined;
    const applied = await applySchedules(client, { taskQueue: settings.taskQueue, purge: { defaultDays: settings.schedules.retentionDays }, nightlies: nightliesOf(projects) });
    log.info({ schedules: Object.fromEntries(applied.map((a) => [a.id, a.outcome])), retentionDays: settings.schedules.retentionDays }, 'schedules applied');
  }
  // The SDK's worker drains on SIGINT/SIGTERM by default: polling stops, running tasks finish.
  log.info({ temporal: settings.temporalAddress, taskQueue: settings.taskQueue, machines: orchestrator.machines.kind, gateway: orchestrator.gateway.url }, 'tagship orchestrator worker on');
  try {
    await worker.run();
  } finally {
    await orchestrator.close();
    await closeClient();
    await connection.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runOrchestratorWorker().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
