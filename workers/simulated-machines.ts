// Simulated build machines, for measuring orchestration apart from machines: a "machine" takes
// a configurable time to provision, then is the real build agent's activities running in this
// process (no container, no droplet) on the machine's own task queue, building in a folder of
// its own. Its builds run the target's commands on this host, so it is for benchmarks of
// trusted example projects only — never for projects tagship does not own.
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
}

interface Simulated {
  info: MachineInfo;
  worker: Worker;
  running: Promise<void>;
}

export class SimulatedMachines implements MachineProvider {
  readonly kind = 'simulated';
  private readonly machines = new Map<string, Simulated>();
  private readonly creating = new Map<string, Promise<MachineInfo>>();
  private connection: Promise<NativeConnection> | null = null;

  constructor(private readonly opts: SimulatedOptions) {}

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
    this.connection ??= NativeConnection.connect(temporalConnection(this.opts.temporalAddress));
    const workdir = join(this.opts.workRoot, spec.name);
    await mkdir(workdir, { recursive: true });
    const worker = await Worker.create({
      connection: await this.connection,
      namespace: this.opts.namespace,
      taskQueue: agentTaskQueue(spec.name),
      activities: createAgentActivities({ machine: spec.name, gatewayUrl: this.opts.gatewayUrl, token: this.opts.tokenFor(spec), workdir, ...(this.opts.directUploads ? { directUploads: true } : {}) }),
      maxConcurrentActivityTaskExecutions: 2,
      ...LIVENESS_OPTIONS,
    });
    const info: MachineInfo = { id: spec.name, name: spec.name, state: 'running', labels: spec.labels, createdAt: new Date().toISOString() };
    this.machines.set(spec.name, { info, worker, running: worker.run() });
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
    m.worker.shutdown();
    await m.running.catch(() => undefined);
    await rm(join(this.opts.workRoot, name), { recursive: true, force: true });
    return 'deleted';
  }

  list(labels: Record<string, string>): Promise<MachineInfo[]> {
    return Promise.resolve([...this.machines.values()].map((m) => m.info).filter((i) => Object.entries(labels).every(([k, v]) => (v ? i.labels[k] === v : k in i.labels))));
  }

  /** Stops every machine still up (the bench's end). */
  async close(): Promise<void> {
    await Promise.all([...this.machines.keys()].map((n) => this.delete(n)));
    await (await this.connection)?.close();
  }
}
