// The private network an app's integration tests run in (issue 12): an internal Docker network
// (no route anywhere, the host's loopback included), the app's image and its service containers
// on it under their host names, and a runner container with the commit's source. Every piece
// carries tagship's machine labels with its CI run as owner, so the reaper removes what a
// crashed worker left; `remove` takes all of it away and is safe to call twice.
import type Docker from 'dockerode';
import { MachineLabel } from '../../core/names.ts';

export interface IntegrationContainer {
  /** Its host name on the network. */
  name: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  /** More host names it answers to on the network. */
  aliases?: string[];
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

export class IntegrationEnv {
  readonly network: string;

  constructor(private readonly docker: Docker, readonly id: string, private readonly owner: string) {
    this.network = `tagship-it-${id}`;
  }

  containerName(host: string): string {
    return `${this.network}-${host}`;
  }

  private labels(role: string): Record<string, string> {
    return { [MachineLabel.managed]: 'true', [MachineLabel.release]: this.owner, [MachineLabel.role]: role };
  }

  /** Everything of this id, whatever an earlier attempt left. */
  async remove(): Promise<void> {
    const found = await this.docker.listContainers({ all: true, filters: { name: [`${this.network}-`] } });
    await Promise.all(
      found.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: unknown) => {
            if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
          }),
      ),
    );
    await this.docker
      .getNetwork(this.network)
      .remove()
      .catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err;
      });
  }

  async createNetwork(): Promise<void> {
    await this.docker.createNetwork({ Name: this.network, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: this.labels('integration') });
  }

  /** Starts a container on the network, reachable as `c.name`. */
  async start(c: IntegrationContainer, role: string): Promise<string> {
    const name = this.containerName(c.name);
    const container = await this.docker.createContainer({
      name,
      Image: c.image,
      ...(c.command ? { Cmd: c.command } : {}),
      Env: Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: this.labels(role),
      HostConfig: { NetworkMode: this.network, SecurityOpt: ['no-new-privileges'], Init: true },
      NetworkingConfig: { EndpointsConfig: { [this.network]: { Aliases: [c.name, ...(c.aliases ?? [])] } } },
    });
    await container.start();
    return name;
  }

  /** Whether the container still runs, and how it ended when it does not. */
  async state(host: string): Promise<{ running: boolean; exitCode: number }> {
    const s = (await this.docker.getContainer(this.containerName(host)).inspect()).State;
    return { running: s.Running, exitCode: s.ExitCode };
  }

  /** The output of a container so far (a service's log, for a failure message). */
  async logs(host: string, tailLines = 20): Promise<string> {
    const buf = (await this.docker.getContainer(this.containerName(host)).logs({ stdout: true, stderr: true, tail: tailLines }).catch(() => Buffer.from(''))) as Buffer;
    // Docker multiplexes stdout and stderr in frames: 1 byte stream, 3 zero, 4 bytes length.
    const parts: Buffer[] = [];
    for (let at = 0; at + 8 <= buf.length; ) {
      const size = buf.readUInt32BE(at + 4);
      parts.push(buf.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    return Buffer.concat(parts).toString('utf8').trim();
  }

  /** Pulls an image by reference into the engine (the app's image, from the registry). */
  async pull(reference: string): Promise<void> {
    const stream = await this.docker.pull(reference);
    await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  }
}
