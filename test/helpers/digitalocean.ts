// A DigitalOcean API emulator whose droplets are containers running their cloud-init user data
// from a "snapshot" that carries the tagship agent (the repository and Node, mounted read-only).
import { docker } from './projects.ts';
import { startDoEmulator, type DoEmulator } from '../../embedded/do-emulator.ts';
import { REPO_ROOT } from '../../providers/paths.ts';
import { digitalOceanProvider } from '../../workers/deps.ts';
import { temporalAddress } from './temporal.ts';

export const DO_TOKEN = 'do-test-token-0123456789';

export async function startEmulator(opts: { bootDelayMs?: number; dropletLimit?: number; network?: string } = {}): Promise<DoEmulator> {
  return startDoEmulator({
    token: DO_TOKEN,
    bootDelayMs: opts.bootDelayMs ?? 500,
    ...(opts.dropletLimit !== undefined ? { dropletLimit: opts.dropletLimit } : {}),
    backend: { docker, image: 'tagship/machine:bookworm-amd64', binds: [
      // The snapshot's agent: its bundle and packages, as on a docker machine — not the repository.
      `${REPO_ROOT}/.tagship/agent:/opt/tagship/.tagship/agent:ro`,
      `${REPO_ROOT}/node_modules:/opt/tagship/node_modules:ro`,
      `${process.execPath}:/opt/node/bin/node:ro`,
    ], ...(opts.network ? { network: opts.network } : {}) },
  });
}

/** The provider as a worker wires it, pointed at the emulator; short timeouts keep tests quick.
 *  `control`: how droplets reach Temporal and trust the gateway, when not loopback in plain. */
export function emulatorProvider(em: DoEmulator, token = DO_TOKEN, control: Partial<Parameters<typeof digitalOceanProvider>[1]> = {}) {
  return digitalOceanProvider(
    { token, apiUrl: em.apiUrl, region: 'nyc1', image: 'tagship-agent-snapshot' },
    { address: temporalAddress(), namespace: 'default', ...control },
    { pollMs: 500, policy: { requestTimeoutMs: 1500 } },
  );
}

/** Containers still backing emulated droplets. */
export async function backingContainers(): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: ['tagship.emulated-droplet'] } })).map((c) => c.Names[0] ?? c.Id);
}

/** What is left of the emulator's droplets once deletion has had its moment: the emulator
 *  removes a deleted droplet's container in the background, and under a loaded CI host that
 *  takes seconds. Waits up to 30 s for none; returns what is still there (to assert empty). */
export async function dropletsLeft(em: DoEmulator): Promise<{ droplets: number; containers: string[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = { droplets: em.droplets.size, containers: await backingContainers() };
    if ((!left.droplets && !left.containers.length) || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}
