// Build machines as DigitalOcean droplets, through do-wrapper. Every call is idempotent by
// machine name: the droplet carries a tag derived from the name, so a create whose answer was
// lost is found (and reused) instead of made twice. The build agent enrols from cloud-init
// user data; the user data (it holds the agent's token) is made here, in the worker, and never
// passes through a workflow.
import { callDo, DEFAULT_API_POLICY, doClient, TransientDoError, type ApiPolicy, type DoClient } from './api.ts';
import { labelsFromTags, machineTag, machineTags, MANAGED_TAG } from '../../core/do-tags.ts';
import { ProviderError, type DeleteOutcome, type MachineInfo, type MachineProvider, type MachineSpec, type MachineState } from '../../ports/machines.ts';
import { DEFAULT_MACHINE_SIZE } from '../../core/config/schema.ts';

export interface DigitalOceanOptions {
  token: string;
  /** The API's base URL; DigitalOcean's own when absent (see api.ts for how it is pointed). */
  apiUrl?: string;
  region: string;
  /** The image for amd64 machines when a target names none: a snapshot id or an image slug. */
  defaultImage: string;
  /** The size slug for targets that name none (tagship.yml's default size); s-2vcpu-4gb. */
  defaultSize?: string;
  /** Cloud-init user data that starts the agent of the machine being created. */
  userData: (spec: MachineSpec) => string;
  /** How long a droplet may take from `new` to `active`. */
  activeTimeoutMs?: number;
  pollMs?: number;
  policy?: Partial<ApiPolicy>;
}

interface Droplet {
  id: number;
  name: string;
  status: string;
  tags: string[];
  created_at: string;
}

function toState(status: string): MachineState {
  if (status === 'active') return 'running';
  if (status === 'new') return 'creating';
  return 'stopped';
}

function info(d: Droplet): MachineInfo {
  return { id: String(d.id), name: d.name, state: toState(d.status), labels: labelsFromTags(d.tags), createdAt: d.created_at };
}

export class DigitalOceanMachines implements MachineProvider {
  readonly kind = 'digitalocean';
  private readonly client: DoClient;
  private readonly policy: ApiPolicy;

  constructor(private readonly opts: DigitalOceanOptions) {
    this.client = doClient(opts.token, opts.apiUrl);
    this.policy = { ...DEFAULT_API_POLICY, ...opts.policy };
  }

  private async find(name: string): Promise<Droplet | null> {
    const found = ((await callDo(`listing droplets of ${name}`, () => this.client.droplets.getAll(machineTag(name), true) as Promise<Droplet[]>, this.policy)) ?? []).filter((d) => d.name === name);
    return found[0] ?? null;
  }

  /** GET /v2/account: fails fast, naming the setting, when the token is wrong. */
  async checkToken(): Promise<{ dropletLimit: number }> {
    const res = await callDo('checking the API token', () => this.client.account.get() as Promise<{ account: { droplet_limit: number } }>, this.policy);
    return { dropletLimit: res?.account.droplet_limit ?? 0 };
  }

  async describe(name: string): Promise<MachineInfo | null> {
    const d = await this.find(name);
    return d ? info(d) : null;
  }

  /** Docker image names are the embedded default; on DigitalOcean they mean "the default image". */
  private imageFor(spec: MachineSpec): string {
    return spec.image.startsWith('tagship/machine:') ? this.opts.defaultImage : spec.image;
  }

  async create(spec: MachineSpec): Promise<MachineInfo> {
    if (spec.arch !== 'amd64') {
      throw new ProviderError('ProviderRejected', `DigitalOcean has amd64 droplets only, but machine ${spec.name} asks for ${spec.arch}; set targets[].machine.arch to amd64 and cross-build (as Veilid does)`, false);
    }
    let droplet = await this.find(spec.name);
    if (!droplet) {
      const request = {
        name: spec.name,
        region: this.opts.region,
        size: spec.size === DEFAULT_MACHINE_SIZE ? (this.opts.defaultSize ?? 's-2vcpu-4gb') : spec.size,
        image: this.imageFor(spec),
        tags: machineTags(spec.labels, spec.name),
        user_data: this.opts.userData(spec),
        monitoring: false,
        ipv6: false,
      };
      // A create is not idempotent: after a 5xx or a timeout it may have happened anyway, so
      // look for the droplet by its tag before asking again — never two droplets for a machine.
      for (let attempt = 1; !droplet; attempt++) {
        try {
          const res = await callDo(`creating droplet ${spec.name}`, () => this.client.droplets.create(request as never) as Promise<{ droplet: Droplet }>, this.policy, false);
          droplet = res?.droplet ?? null;
          if (!droplet) throw new Error(`creating droplet ${spec.name} returned nothing`);
        } catch (err) {
          if (!(err instanceof TransientDoError) || !err.transient || attempt > this.policy.transientRetries) throw err;
          await this.policy.sleep(500 * 2 ** attempt);
          droplet = await this.find(spec.name);
        }
      }
    }
    return info(await this.waitActive(droplet));
  }

  private async waitActive(d: Droplet): Promise<Droplet> {
    const deadline = Date.now() + (this.opts.activeTimeoutMs ?? 300_000);
    let current = d;
    while (current.status !== 'active') {
      if (current.status === 'off' || current.status === 'archive') throw new ProviderError('MachineLost', `droplet ${d.name} went ${current.status} before it became active`, true);
      if (Date.now() > deadline) throw new ProviderError('MachineLost', `droplet ${d.name} was not active within ${(this.opts.activeTimeoutMs ?? 300_000) / 1000} s (still ${current.status})`, true);
      await this.policy.sleep(this.opts.pollMs ?? 2000);
      const res = await callDo(`polling droplet ${d.name}`, () => this.client.droplets.getById(String(d.id)) as Promise<{ droplet: Droplet }>, this.policy);
      if (!res) throw new ProviderError('MachineLost', `droplet ${d.name} disappeared while booting`, true);
      current = res.droplet;
    }
    return current;
  }

  /** Deletes by the machine's tag: every droplet ever made for this machine goes, even one a
   *  lost answer might have duplicated. */
  async delete(name: string): Promise<DeleteOutcome> {
    const d = await this.find(name);
    if (!d) return 'already-gone';
    // `archive`: already being destroyed. Anything else is deleted — `off` included: a
    // powered-off droplet is still a droplet, and still billed.
    if (d.status !== 'archive') await callDo(`deleting droplet ${name}`, () => this.client.droplets.deleteByTag(machineTag(name)).then(() => 'ok' as const), this.policy);
    return 'deleted';
  }

  async list(labels: Record<string, string>): Promise<MachineInfo[]> {
    const all = (await callDo('listing tagship droplets', () => this.client.droplets.getAll(MANAGED_TAG, true) as Promise<Droplet[]>, this.policy)) ?? [];
    return all.map(info).filter((m) => Object.entries(labels).every(([k, v]) => (v ? m.labels[k] === v : k in m.labels)));
  }
}

/** cloud-init user data that starts the agent from the snapshot's /opt/tagship and /opt/node;
 *  `files` (public things only, e.g. CA certificates) are written first, base64 in the script. */
export function agentUserData(env: Record<string, string>, files: Record<string, string> = {}): string {
  const lines = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z0-9_.:/@+=,-]*$/.test(v)) throw new Error(`${k} has characters that cannot go into the droplet's user data`);
    return `export ${k}='${v}'`;
  });
  const writes = Object.entries(files).map(([path, content]) => {
    if (!/^\/[A-Za-z0-9_./-]+$/.test(path) || path.includes('..')) throw new Error(`${path} cannot be a file in the droplet's user data`);
    return `mkdir -p '${path.slice(0, path.lastIndexOf('/')) || '/'}' && echo '${Buffer.from(content).toString('base64')}' | base64 -d > '${path}'`;
  });
  return ['#!/bin/sh', '# tagship build agent enrolment (cloud-init user data)', ...writes, ...lines, 'exec /opt/node/bin/node /opt/tagship/.tagship/agent/agent.mjs', ''].join('\n');
}
