// One orchestrator worker on simulated machines, as a process of its own, for the benches that
// run several (bench/workers-scale.ts): the settings a real worker takes (task queue, state
// folder, S3 store, agent token, provenance key), its machines' agents in a process of their
// own (bench/simulated-agents.ts, so this process's memory is the worker's), uploading straight
// to the store. Stops on SIGTERM.
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { join } from 'node:path';
import { parseSettings } from '../core/settings.ts';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { connectClient } from '../providers/temporal/connect.ts';
import { S3ArtifactStore } from '../providers/artifacts-s3/store.ts';
import { createOrchestratorWorker } from '../workers/orchestrator.ts';
import { RemoteAgents, SimulatedMachines } from '../workers/simulated-machines.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../providers/paths.ts';

const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
if (!settings.s3) throw new Error('the simulated worker runs on the S3 store: set TAGSHIP_S3_BUCKET and TAGSHIP_S3_ENDPOINT');
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: settings.temporalAddress });
const { client, close } = await connectClient(settings);
const agentsProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'simulated-agents.ts')], { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
const [agentsUrl] = (await once(createInterface({ input: agentsProcess.stdout }), 'line')) as [string];
let simulated: SimulatedMachines | undefined;
const started = await createOrchestratorWorker({
  connection,
  taskQueue: settings.taskQueue,
  stateDir: settings.stateDir,
  temporalAddress: settings.temporalAddress,
  client,
  gatewayPort: 0,
  workflowTaskSlots: settings.workflowTaskSlots,
  artifacts: new S3ArtifactStore({ ...settings.s3, cacheDir: join(settings.stateDir, 'store-cache') }),
  ...(settings.agentToken ? { agentToken: settings.agentToken } : {}),
  ...(settings.provenanceKeyFile ? { provenanceKeyFile: settings.provenanceKeyFile } : {}),
  ...(settings.workflowBundle ? { workflowBundle: { codePath: settings.workflowBundle } } : {}),
  provider: (ctx) =>
    (simulated = new SimulatedMachines({ temporalAddress: settings.temporalAddress, namespace: settings.namespace, gatewayUrl: ctx.gatewayUrl, tokenFor: ctx.tokenFor, workRoot: join(settings.stateDir, 'machines'), provisionMs: () => 500, directUploads: true, agents: new RemoteAgents(agentsUrl) })),
});
try {
  await started.runUntil(new Promise((resolve) => process.once('SIGTERM', resolve)));
} finally {
  await simulated?.close();
  agentsProcess.kill('SIGTERM');
  await close();
  await connection.close();
}
