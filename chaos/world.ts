// Everything a chaos run releases into, on loopback: a Temporal dev server on a SQLite file
// (so it can be killed and restarted with its state), the orchestrator worker as a process of
// its own (so it can be SIGKILLed), the repo server, the crates registry and pypiserver (each
// counting the uploads it receives), and a working copy of the example.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../scripts/lib/temporal-server.ts';
import { freePort, portAnswers } from '../providers/net/ports.ts';
import { startRepoServer, type RepoServer } from '../providers/reposerver/server.ts';
import { startCratesRegistry, type CratesRegistry } from '../embedded/crates-registry.ts';
import { startPypiServer, type PypiServer } from '../embedded/pypi.ts';
import { registryEnvName } from '../activities/registries.ts';
import { demoSigningKey } from '../scripts/lib/demo-key.ts';
import { startOrchestrator } from '../test/helpers/orchestrator-process.ts';
import { helloVeilidCopy } from '../test/helpers/example-files.ts';
import { startCountingProxy, type CountingProxy } from './counting-proxy.ts';

export interface World {
  dir: string;
  client: Client;
  /** The queue the orchestrator process polls. */
  taskQueue: string;
  temporalAddress: string;
  repo: RepoServer;
  crates: CratesRegistry;
  pypi: CountingProxy;
  projectDir: string;
  /** The apt keyring of the example's repository, for clean-container clients (mounted at /keys). */
  keysDir: string;
  /** Kills the Temporal server (SIGKILL) and starts it again on the same database after `downMs`. */
  restartTemporal(downMs: number): Promise<void>;
  /** Starts the orchestrator process with these settings on top of the world's. */
  startOrchestrator(extraEnv?: Record<string, string>): Promise<void>;
  /** SIGKILLs the orchestrator process and waits for it to be gone. */
  killOrchestrator(): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(stateRoot: string): Promise<World> {
  const dir = mkdtempSync(join(stateRoot, 'run-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const dbFile = join(dir, 'temporal.db');
  const logFile = join(dir, 'logs', 'temporal-server.log');
  let temporal: DevServer = await startDevServer({ port, dbFile, logFile });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });

  const stateDir = join(dir, 'state');
  const repoPort = await freePort();
  const repo = await startRepoServer({ root: join(stateDir, 'repo-server'), port: repoPort });
  const tokens = { pypi: `pypi-${randomBytes(12).toString('hex')}`, crates: `crates-${randomBytes(12).toString('hex')}` };
  const pypiServer: PypiServer = await startPypiServer({ token: tokens.pypi });
  const pypi = await startCountingProxy(pypiServer.url);
  const crates = await startCratesRegistry({ token: tokens.crates });
  const keyFile = demoSigningKey(dir);
  const projectDir = helloVeilidCopy(repoPort);

  const baseEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: temporal.address,
    TAGSHIP_TASK_QUEUE: `chaos-${randomBytes(4).toString('hex')}`,
    TAGSHIP_STATE_DIR: stateDir,
    TAGSHIP_GATEWAY_PORT: String(await freePort()),
    TAGSHIP_AGENT_TOKEN: randomBytes(16).toString('hex'),
    TAGSHIP_LOG_LEVEL: 'warn',
    HELLO_VEILID_SIGNING_KEY: keyFile,
    [registryEnvName('local', 'URL')]: crates.indexUrl,
    [registryEnvName('local', 'TOKEN')]: tokens.crates,
    [registryEnvName('local-pypi', 'URL')]: pypi.url,
    [registryEnvName('local-pypi', 'TOKEN')]: tokens.pypi,
  };
  let orchestrator: ChildProcess | null = null;
  let orchestratorEnv = baseEnv;

  const keysDir = mkdtempSync(join(tmpdir(), 'tagship-chaos-keys-'));
  const world: World = {
    dir,
    client,
    taskQueue: baseEnv.TAGSHIP_TASK_QUEUE!,
    temporalAddress: temporal.address,
    repo,
    crates,
    pypi,
    projectDir,
    keysDir,
    async restartTemporal(downMs) {
      process.kill(temporal.pid, 'SIGKILL');
      while (await portAnswers(port)) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, downMs));
      temporal = await startDevServer({ port, dbFile, logFile });
    },
    async startOrchestrator(extraEnv = {}) {
      orchestratorEnv = { ...baseEnv, ...extraEnv };
      orchestrator = await startOrchestrator(orchestratorEnv);
      // A worker that dies on its own (e.g. the server was away too long) is noticed and restarted.
      const child = orchestrator;
      child.once('exit', (code, signal) => {
        if (orchestrator === child && signal !== 'SIGKILL') {
          console.log(`  (the orchestrator exited by itself: ${code ?? signal}; restarting it)`);
          orchestrator = null;
          void startOrchestrator(orchestratorEnv).then((c) => (orchestrator = c));
        }
      });
    },
    async killOrchestrator() {
      const child = orchestrator;
      if (!child || child.exitCode !== null) return;
      orchestrator = null;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async close() {
      await world.killOrchestrator();
      await connection.close();
      await temporal.stop();
      await repo.close();
      await pypi.close();
      await pypiServer.close();
      await crates.close();
    },
  };
  return world;
}

/** Writes the example repository's apt keyring where clean-container clients mount it. */
export async function fetchKeyring(world: World): Promise<boolean> {
  const res = await fetch(`${world.repo.url}/hello-veilid/deb/hello-veilid-archive-keyring.gpg`);
  if (!res.ok) return false;
  writeFileSync(join(world.keysDir, 'keyring.gpg'), Buffer.from(await res.arrayBuffer()));
  return true;
}
