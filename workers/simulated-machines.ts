// Simulated build machines, for measuring orchestration apart from machines: a "machine" takes
// a configurable time to provision, then is the real build agent's activities on the machine's
// own task queue (no container, no droplet), building in a folder of its own — in this process,
// or in an agents process of its own (bench/simulated-agents.ts) so the worker's memory and
// event loop are measured without them. Its builds run the target's commands on this host, so
// it is for benchmarks of trusted example projects only — never for projects tagship does not own.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { temporalConnection } from '../providers/temporal/connection.ts';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createAgentActivities } from '../activities/agent.ts';
import { LIVENESS_OPTIONS } from '../activities/heartbeat.ts';
import { agentTaskQueue } from '../core/names.ts';
import type { DeleteOutcome, MachineInfo, MachineProvider, MachineSpec } from '../ports/machines.ts';

export interface SimulatedOptions {
  temporalAddress: string;
  namespace: string;
  gatewayUrl: string;
  tokenFor: (spec: MachineSpec) => string;
  /** Where each machine's work folder goes. */
  workRoot: string;
  /** How long a machine takes to come up, by its spec (its target is in its labels). */
  provisionMs: (spec: MachineSpec) => number;
  /** Artifacts straight to the store, as droplets send them (when the store presigns). */
  directUploads?: boolean;
  /** Where the agents run: this process by default. */
  agents?: AgentRunner;
}

/** What an agent needs to start: its machine, the gateway and the machine's token. */
export interface AgentStart {
  name: string;
  gatewayUrl: string;
  token: string;
  workdir: string;
  directUploads?: boolean;
}

export interface AgentRunner {
  start(agent: AgentStart): Promise<void>;
  stop(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Agents as workers of this process, on one connection. */
export class InProcessAgents implements AgentRunner {
  private readonly running = new Map<string, { worker: Worker; done: Promise<void> }>();
  private connection: Promise<NativeConnection> | null = null;

  constructor(private readonly temporalAddress: string, private readonly namespace: string) {}

  async start(a: AgentStart): Promise<void> {
    this.connection ??= NativeConnection.connect(temporalConnection(this.temporalAddress));
    await mkdir(a.workdir, { recursive: true });
    const worker = await Worker.create({
      connection: await this.connection,
      namespace: this.namespace,
      taskQueue: agentTaskQueue(a.name),
      activities: createAgentActivities({ machine: a.name, gatewayUrl: a.gatewayUrl, token: a.token, workdir: a.workdir, ...(a.directUploads ? { directUploads: true } : {}) }),
      maxConcurrentActivityTaskExecutions: 2,
      ...LIVENESS_OPTIONS,
    });
    this.running.set(a.name, { worker, done: worker.run() });
  }

  async stop(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    r.worker.shutdown();
    await r.done.catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stop(n)));
    await (await this.connection)?.close();
  }
}

/** Agents in another process (bench/simulated-agents.ts), asked over loopback HTTP. */
export class RemoteAgents implements AgentRunner {
  constructor(private readonly url: string) {}

  private async post(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`the agents process answered ${res.status} to ${path}: ${await res.text()}`);
  }

  start(agent: AgentStart): Promise<void> {
    return this.post('/start', agent);
  }

  stop(name: string): Promise<void> {
    return this.post('/stop', { name });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Simulated {
  info: MachineInfo;
}

export class SimulatedMachines implements MachineProvider {
  readonly kind = 'simulated';
  private readonly machines = new Map<string, Simulated>();
  private readonly creating = new Map<string, Promise<MachineInfo>>();
  private readonly agents: AgentRunner;

  constructor(private readonly opts: SimulatedOptions) {
    this.agents = opts.agents ?? new InProcessAgents(opts.temporalAddress, opts.namespace);
  }

  create(spec: MachineSpec): Promise<MachineInfo> {
    const existing = this.machines.get(spec.name)?.info;
    if (existing) return Promise.resolve(existing);
    // A retried create finds the machine an earlier attempt is still making.
    const pending = this.creating.get(spec.name) ?? this.make(spec).finally(() => this.creating.delete(spec.name));
    this.creating.set(spec.name, pending);
    return pending;
  }

  private async make(spec: MachineSpec): Promise<MachineInfo> {
    await new Promise((r) => setTimeout(r, this.opts.provisionMs(spec)));
    await this.agents.start({ name: spec.name, gatewayUrl: this.opts.gatewayUrl, token: this.opts.tokenFor(spec), workdir: join(this.opts.workRoot, spec.name), ...(this.opts.directUploads ? { directUploads: true } : {}) });
    const info: MachineInfo = { id: spec.name, name: spec.name, state: 'running', labels: spec.labels, createdAt: new Date().toISOString() };
    this.machines.set(spec.name, { info });
    return info;
  }

  describe(name: string): Promise<MachineInfo | null> {
    return Promise.resolve(this.machines.get(name)?.info ?? null);
  }

  async delete(name: string): Promise<DeleteOutcome> {
    await this.creating.get(name)?.catch(() => undefined);
    const m = this.machines.get(name);
    if (!m) return 'already-gone';
    this.machines.delete(name);
    await this.agents.stop(name);
    await rm(join(this.opts.workRoot, name), { recursive: true, force: true });
    return 'deleted';
  }

  list(labels: Record<string, string>): Promise<MachineInfo[]> {
    return Promise.resolve([...this.machines.values()].map((m) => m.info).filter((i) => Object.entries(labels).every(([k, v]) => (v ? i.labels[k] === v : k in i.labels))));
  }

  /** Stops every machine still up (the bench's end). */
  async close(): Promise<void> {
    await Promise.all([...this.machines.keys()].map((n) => this.delete(n)));
    await this.agents.close();
  }
}
