// Build machines as Docker containers: the embedded provider. A machine is a long-lived
// container (`sleep infinity` under docker-init) from a tagship machine image, named and
// labelled so that every call can be repeated safely and the reaper can find it.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createReadStream } from 'node:fs';
import type Docker from 'dockerode';
import { dirname, join } from 'node:path';
import { OutputTail } from '../../core/output-tail.ts';
import { MachineLabel } from '../../core/names.ts';
import { containerImageProblem } from '../../core/dockerfile-policy.ts';
import { proxyVariables } from '../net/egress-proxy.ts';
import { requireEnvironmentImage, withEnvironmentFiles } from './environment-files.ts';
import { CONTROL_DIR_IN_MACHINE, type ControlSockets } from './control-sockets.ts';
import type { MachineArch } from '../../core/config/schema.ts';
import {
  MachineFileError,
  ProviderError,
  type DeleteOutcome,
  type ExecRequest,
  type ExecResult,
  type MachineInfo,
  type MachineProvider,
  type MachineShell,
  type MachineSpec,
  type MachineState,
} from '../../ports/machines.ts';

/** How a machine starts its build agent: its bundle, the packages it imports and a Node binary
 *  for the machine's arch are mounted read-only; the agent's settings and its token — minted for this machine
 *  alone — go into the container's environment, never through a workflow. It reaches Temporal
 *  and the gateway only through the machine's control sockets. */
export interface DockerAgentLaunch {
  repoRoot: string;
  /** Relative to repoRoot. */
  bundle: string;
  nodeBinary: Partial<Record<MachineArch, string>>;
  env: { TEMPORAL_NAMESPACE: string } & Record<string, string>;
  /** The gateway token of the machine being created. */
  tokenFor: (spec: MachineSpec) => string;
  control: ControlSockets;
}

export interface DockerProviderOptions {
  docker: Docker;
  /** Without it a machine only sleeps, and is driven through the MachineShell (the test gate). */
  agent?: DockerAgentLaunch;
  /** tagship's egress proxy: machines with network get its URL (their name as the user). */
  egressProxy?: { urlFor(machine: string): string };
}

/** The bridge network of machines whose target asked for outbound network (`network: true`):
 *  tagship's own, with no route to the host's loopback, where the control plane listens. */
export const EGRESS_NETWORK = 'tagship-egress';

/** tagship's own bridge for work that asked for outbound network (targets, image builds):
 *  it has no route to the host's loopback, where the control plane listens. */
export async function ensureEgressNetwork(docker: Docker): Promise<string> {
  await docker
    .createNetwork({ Name: EGRESS_NETWORK, Driver: 'bridge', CheckDuplicate: true, Labels: { [MachineLabel.managed]: 'true' } })
    .catch((err: unknown) => {
      if (statusCode(err) !== 409) throw err; // 409: it exists
    });
  return EGRESS_NETWORK;
}

/** The address of tagship's egress bridge on this host (its gateway), where the egress proxy
 *  listens: reachable from the bridge's containers, and no loopback. */
export async function egressGateway(docker: Docker): Promise<string> {
  await ensureEgressNetwork(docker);
  const net = (await docker.getNetwork(EGRESS_NETWORK).inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
  const config = net.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
  const gateway = config?.Gateway ?? config?.Subnet?.replace(/\.0\/\d+$/, '.1');
  if (!gateway) throw new Error(`the ${EGRESS_NETWORK} network has no IPv4 gateway`);
  return gateway;
}

/** What a machine's agent (root) needs to give each build namespaces of its own
 *  (providers/sandbox/build-sandbox.ts): making network, pid and mount namespaces, bringing the
 *  build's loopback up, and a tun device for slirp4netns when the build asked for network. The
 *  build itself runs with an empty capability bounding set and no_new_privs, so it holds
 *  none of these. */
export const SANDBOXING_AGENT = {
  CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
  Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
};

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function toState(status: string | undefined): MachineState {
  if (status === 'running') return 'running';
  if (status === 'created' || status === 'restarting') return 'creating';
  return 'stopped';
}

export class DockerMachines implements MachineProvider, MachineShell {
  readonly kind = 'docker';
  private readonly docker: Docker;
  private readonly agent: DockerAgentLaunch | undefined;
  private readonly proxy: DockerProviderOptions['egressProxy'];
  private egress: Promise<string> | undefined;

  constructor(opts: DockerProviderOptions) {
    this.docker = opts.docker;
    this.agent = opts.agent;
    this.proxy = opts.egressProxy;
  }

  /** The container's command, mounts and environment. */
  private async launch(spec: MachineSpec): Promise<{ Cmd: string[]; Binds: string[]; Env: string[] }> {
    const proxy = spec.network && this.proxy ? this.proxy.urlFor(spec.name) : undefined;
    // A plain container (the test gate) runs its commands with the proxy in its environment.
    if (!this.agent) return { Cmd: ['sleep', 'infinity'], Binds: [], Env: proxy ? Object.entries(proxyVariables(proxy)).map(([k, v]) => `${k}=${v}`) : [] };
    const node = this.agent.nodeBinary[spec.arch];
    if (!node) throw new ProviderError('ImageMissing', `no Node binary for ${spec.arch} machines; run \`npm run bootstrap\` on a host where ${spec.arch} emulation works`, false);
    const control = await this.agent.control.serve(spec.name);
    return {
      Cmd: ['/opt/node/bin/node', `/opt/tagship/${this.agent.bundle}`],
      // The agent's bundle and the packages it imports, read-only — never the repository or
      // its state folder (keys, tokens, the Temporal database) — and its control sockets.
      Binds: [
        `${join(this.agent.repoRoot, dirname(this.agent.bundle))}:/opt/tagship/${dirname(this.agent.bundle)}:ro`,
        `${join(this.agent.repoRoot, 'node_modules')}:/opt/tagship/node_modules:ro`,
        `${node}:/opt/node/bin/node:ro`,
        `${control}:${CONTROL_DIR_IN_MACHINE}:ro`,
      ],
      Env: Object.entries({ ...this.agent.env, ...(proxy ? { TAGSHIP_EGRESS_PROXY: proxy } : {}), TAGSHIP_MACHINE: spec.name, TAGSHIP_AGENT_TOKEN: this.agent.tokenFor(spec), TAGSHIP_CONTROL_DIR: CONTROL_DIR_IN_MACHINE }).map(([k, v]) => `${k}=${v}`),
    };
  }

  /** No network at all, unless the target asked for outbound network. */
  private async networkOf(spec: MachineSpec): Promise<string> {
    if (!spec.network) return 'none';
    this.egress ??= ensureEgressNetwork(this.docker);
    await this.egress.catch((err: unknown) => {
      this.egress = undefined;
      throw err;
    });
    return EGRESS_NETWORK;
  }

  /** After an orchestrator restart: serve the control sockets of the machines still running. */
  async reattach(): Promise<number> {
    if (!this.agent) return 0;
    // Only this orchestrator's machines: others on the same engine belong to other state folders.
    const live = (await this.list({})).filter((m) => m.state !== 'stopped' && this.agent!.control.knows(m.name));
    await Promise.all(live.map((m) => this.agent!.control.serve(m.name)));
    return live.length;
  }

  async describe(name: string): Promise<MachineInfo | null> {
    try {
      const c = await this.docker.getContainer(name).inspect();
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        state: toState(c.State.Status),
        labels: c.Config.Labels ?? {},
        createdAt: c.Created,
      };
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }

  async create(spec: MachineSpec): Promise<MachineInfo> {
    const existing = await this.describe(spec.name);
    if (existing) await this.agent?.control.serve(spec.name);
    else {
      const refused = containerImageProblem(spec.image, this.agent ? 'agent' : 'scratch');
      if (refused) throw new ProviderError('ProviderRejected', `machine ${spec.name}: ${refused}`, false);
      await this.requireImage(spec.image);
      try {
        const { Cmd, Binds, Env } = await this.launch(spec);
        await this.docker.createContainer({
          name: spec.name,
          Image: spec.image,
          Cmd,
          Env,
          Labels: { ...spec.labels, [MachineLabel.managed]: 'true' },
          // no-new-privileges: a build, which runs as another user, cannot regain root
          // through a setuid program of the image.
          HostConfig: { Init: true, NetworkMode: await this.networkOf(spec), Binds, SecurityOpt: ['no-new-privileges'], ...(this.agent ? SANDBOXING_AGENT : {}) },
        });
      } catch (err) {
        // 409: an earlier attempt of this same call created it meanwhile; that one is ours.
        if (statusCode(err) !== 409) throw err;
      }
    }
    const container = this.docker.getContainer(spec.name);
    try {
      await container.start();
    } catch (err) {
      if (statusCode(err) !== 304) throw err; // 304: already running
    }
    const info = await this.describe(spec.name);
    if (!info) throw new ProviderError('MachineLost', `machine ${spec.name} vanished right after it was started`, true);
    return info;
  }

  /** The environment image's files, exported from a container that is created and never started
   *  (nothing of the image runs here), into `dir` on the machine — unpacked by the engine, inside
   *  the machine's own filesystem. */
  async loadEnvironment(machine: string, image: string, dir: string): Promise<void> {
    requireEnvironmentImage(image);
    await this.requireImage(image);
    const prepared = await this.exec(machine, { command: `rm -rf '${dir}' && mkdir -p '${dir}' && chmod 755 '${dir}'`, env: {}, workdir: '/' });
    if (prepared.exitCode !== 0) throw new Error(`could not prepare ${dir} on ${machine}: ${prepared.outputTail}`);
    const labels = (await this.describe(machine))?.labels ?? {};
    await withEnvironmentFiles(this.docker, image, { name: `${machine}-env`, labels }, (files) => this.docker.getContainer(machine).putArchive(files, { path: dir }));
  }

  async delete(name: string): Promise<DeleteOutcome> {
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
      await this.agent?.control.retire(name);
      return 'deleted';
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) {
        await this.agent?.control.retire(name);
        return 'already-gone';
      }
      // 409: a removal is already in progress; it will finish on its own.
      if (code === 409) return 'deleted';
      throw err;
    }
  }

  async list(labels: Record<string, string>): Promise<MachineInfo[]> {
    const filters = Object.entries({ [MachineLabel.managed]: '', ...labels }).map(([k, v]) => (v ? `${k}=${v}` : k));
    const found = await this.docker.listContainers({ all: true, filters: { label: filters } });
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      state: toState(c.State),
      labels: c.Labels,
      createdAt: new Date(c.Created * 1000).toISOString(),
    }));
  }

  async exec(machine: string, req: ExecRequest): Promise<ExecResult> {
    const container = this.docker.getContainer(machine);
    const exec = await container.exec({
      Cmd: ['sh', '-c', req.command],
      Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: req.workdir,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const tail = new OutputTail();
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      tail.push(text);
      req.onOutput?.(text);
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(req.signal?.reason instanceof Error ? req.signal.reason : new Error('command cancelled'));
      };
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', reject);
    });
    const inspected = await exec.inspect();
    if (inspected.Running) {
      // The stream closed under us (the machine died); this is not the command's verdict.
      throw new ProviderError('MachineLost', `machine ${machine} stopped answering while \`${req.command}\` ran`, true);
    }
    return { exitCode: inspected.ExitCode ?? -1, outputTail: tail.tail() };
  }

  async putTar(machine: string, tarPath: string, dir: string): Promise<void> {
    const mk = await this.exec(machine, { command: `mkdir -p '${dir}'`, env: {}, workdir: '/' });
    if (mk.exitCode !== 0) throw new Error(`could not create ${dir} on ${machine}: ${mk.outputTail}`);
    await this.docker.getContainer(machine).putArchive(createReadStream(tarPath), { path: dir });
  }

  async readFile(machine: string, path: string, maxBytes: number): Promise<Buffer> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.docker.getContainer(machine).getArchive({ path });
    } catch (err) {
      if (statusCode(err) === 404) throw new MachineFileError(path, 'missing', 'does not exist');
      throw err;
    }
    // The engine sends a tar of the path itself: one entry, never following a symlink.
    const extract = tar.extract();
    let content: Buffer | undefined;
    let problem: MachineFileError | undefined;
    extract.on('entry', (header, stream, next) => {
      if (content || problem) {
        stream.resume();
        return void stream.on('end', next);
      }
      if (header.type !== 'file') problem = new MachineFileError(path, 'not-a-file', `is a ${header.type}, not a regular file`);
      else if ((header.size ?? 0) > maxBytes) problem = new MachineFileError(path, 'too-large', `is ${header.size} bytes, more than the ${maxBytes} allowed`);
      if (problem) {
        stream.resume();
        return void stream.on('end', next);
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        content = Buffer.concat(chunks);
        next();
      });
    });
    await pipeline(archive as unknown as NodeJS.ReadableStream & AsyncIterable<Buffer>, extract);
    if (problem) throw problem;
    if (!content) throw new MachineFileError(path, 'missing', 'came back empty from the machine');
    return content;
  }

  private async requireImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
    } catch (err) {
      if (statusCode(err) === 404) {
        throw new ProviderError('ImageMissing', `machine image ${image} is not present; run \`npm run bootstrap\` to build it`, false);
      }
      throw err;
    }
  }
}
