// The only way out of a docker build machine: per machine, a folder holding two unix sockets
// that lead to the Temporal frontend and to the artifact gateway. The folder is mounted into
// the machine where only root (the agent) can enter it; builds run as another user, in a
// container without a network of its own, so they have no path to either.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { startRelay, type Endpoint, type Relay } from '../net/relay.ts';

/** Where the sockets appear inside the machine. */
export const CONTROL_DIR_IN_MACHINE = '/run/tagship';
export const CONTROL_SOCKETS = { temporal: 'temporal.sock', gateway: 'gateway.sock' } as const;

// A unix socket's path may hold at most 107 bytes; machine names are long, so folders are
// named by a short digest of the machine's name.
const MAX_SOCKET_PATH = 107;

export class ControlSockets {
  private readonly open = new Map<string, Promise<Relay[]>>();

  constructor(
    private readonly root: string,
    private readonly targets: Record<keyof typeof CONTROL_SOCKETS, Endpoint>,
    /** TLS to a target (a secured Temporal frontend), opened by the relay. */
    private readonly tls: Partial<Record<keyof typeof CONTROL_SOCKETS, TlsOptions>> = {},
  ) {}

  dirOf(machine: string): string {
    return join(this.root, createHash('sha256').update(machine).digest('hex').slice(0, 16));
  }

  /** Whether this state folder ever served the machine (its folder is still there). */
  knows(machine: string): boolean {
    return existsSync(this.dirOf(machine));
  }

  /** Serves the machine's sockets (again, after an orchestrator restart); idempotent. */
  serve(machine: string): Promise<string> {
    const dir = this.dirOf(machine);
    if (!this.open.has(machine)) {
      const relays = (async () => {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        return Promise.all(
          (Object.keys(CONTROL_SOCKETS) as (keyof typeof CONTROL_SOCKETS)[]).map(async (which) => {
            const path = join(dir, CONTROL_SOCKETS[which]);
            if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`the control socket path ${path} is too long for a unix socket; choose a shorter state folder`);
            await rm(path, { force: true }); // left by an orchestrator that died
            const tls = this.tls[which];
            return startRelay({ listen: { path }, to: this.targets[which], ...(tls ? { tls } : {}) });
          }),
        );
      })();
      this.open.set(machine, relays);
      relays.catch(() => this.open.delete(machine));
    }
    return this.open.get(machine)!.then(() => dir);
  }

  /** Stops serving a machine that is gone, and removes its folder. */
  async retire(machine: string): Promise<void> {
    const relays = this.open.get(machine);
    this.open.delete(machine);
    if (relays) await Promise.all((await relays.catch(() => [])).map((r) => r.close()));
    await rm(this.dirOf(machine), { recursive: true, force: true });
  }

  /** Stops serving every machine, leaving their folders (the machines may outlive us). */
  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (r) => Promise.all((await r.catch(() => [])).map((x) => x.close()))));
  }
}
